// A tiny fork-join thread pool for the emulator (internal).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace edgevl::qnn {

class ThreadPool {
 public:
  /// `num_threads` total, the calling thread included (num_threads - 1 workers are spawned).
  explicit ThreadPool(int num_threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return static_cast<int>(workers_.size()) + 1; }
  /// Runs fn(task) for task in [0, n_tasks) on all threads; returns when all are done. The first exception thrown by a
  /// task is rethrown here (remaining tasks still run).
  void parallel_for(int64_t n_tasks, const std::function<void(int64_t)>& fn);

 private:
  void worker_loop();
  void run_tasks();

  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_start_, cv_done_;
  const std::function<void(int64_t)>* job_ = nullptr;
  int64_t n_tasks_ = 0;
  std::atomic<int64_t> next_{0};
  // Written under mu_; atomic so that a thread may spin on them before it sleeps on a condition variable (decode runs
  // hundreds of small ops per token, and a futex sleep and wake per op costs more than many of them take).
  std::atomic<int64_t> done_{0};
  std::atomic<int> active_{0};
  bool job_active_ = false;
  std::atomic<uint64_t> generation_{0};
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
};

}  // namespace edgevl::qnn
