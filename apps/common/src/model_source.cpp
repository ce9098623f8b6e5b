#include "edgevl_apps/model_source.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "edgevl_apps/progress_bar.h"

namespace edgevl::apps {
namespace fs = std::filesystem;
namespace {

struct Fnv64 {
  uint64_t h = 1469598103934665603ull;
  void add(const void* p, size_t n) {
    const auto* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
  }
  void add(const std::string& s) { add(s.data(), s.size() + 1); }
  void add(uint64_t v) { add(&v, sizeof v); }
};

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

}  // namespace

std::string default_model_path() {
  const std::string e = env("EDGEVL_DEFAULT_MODEL");
  if (!e.empty()) return e;
  return (fs::path(EDGEVL_SOURCE_DIR) / "models" / "demo" / "qwen2vl-shapes").string();
}

std::string cache_dir() {
  const std::string xdg = env("XDG_CACHE_HOME");
  if (!xdg.empty()) return (fs::path(xdg) / "edgevl").string();
  const std::string home = env("HOME");
  if (!home.empty()) return (fs::path(home) / ".cache" / "edgevl").string();
  return (fs::temp_directory_path() / "edgevl-cache").string();
}

std::string cache_key(const std::string& hf_dir, const CompileOptions& o) {
  Fnv64 f;
  f.add(std::string("edgevl-bundle-v1"));
  f.add(static_cast<uint64_t>(o.precision));
  f.add(static_cast<uint64_t>(o.context_length));
  f.add(static_cast<uint64_t>(o.chunk));
  f.add(static_cast<uint64_t>(o.max_pixels));
  for (auto b : o.vit_buckets) f.add(static_cast<uint64_t>(b));
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(hf_dir))
    if (e.is_regular_file()) files.push_back(e.path());
  std::sort(files.begin(), files.end());
  constexpr uint64_t kContentLimit = 64ull << 20;
  for (const auto& p : files) {
    const uint64_t size = fs::file_size(p);
    f.add(p.filename().string());
    f.add(size);
    if (size > kContentLimit) {
      f.add(static_cast<uint64_t>(fs::last_write_time(p).time_since_epoch().count()));
      continue;
    }
    std::ifstream in(p, std::ios::binary);
    std::vector<char> buf(1 << 16);
    while (in) {
      in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
      f.add(buf.data(), static_cast<size_t>(in.gcount()));
    }
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(f.h));
  return hex;
}

// An exclusive advisory lock (flock) on a cache entry's lock file for the lifetime of the object; the kernel drops it
// if the process dies, so a killed compile never blocks the next one.
class CacheLock {
 public:
  explicit CacheLock(const std::string& path) : fd_(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw Error(ErrorCode::kIo, "model cache lock " + path + ": " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) == 0) return;
    std::fprintf(stderr, "waiting for another process compiling into the cache (%s)\n", path.c_str());
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        const int e = errno;
        ::close(fd_);
        throw Error(ErrorCode::kIo, "model cache lock " + path + ": " + std::strerror(e));
      }
    }
  }
  ~CacheLock() { ::close(fd_); }
  CacheLock(const CacheLock&) = delete;
  CacheLock& operator=(const CacheLock&) = delete;

 private:
  int fd_;
};

Model open_model(const std::string& path, const CompileOptions& options, const ModelOptions& model_options) {
  std::error_code ec;
  if (is_bundle(path)) return Model::open(path, model_options);
  if (!fs::is_regular_file(fs::path(path) / "config.json", ec)) {
    if (!fs::exists(path, ec))
      throw Error(ErrorCode::kNotFound, "model " + path + ": no such file or directory");
    throw Error(ErrorCode::kNotFound,
                "model " + path + ": neither a compiled bundle (manifest.json) nor a Hugging Face model directory (config.json)");
  }
  const std::string name = fs::path(path).lexically_normal().filename().string();
  const fs::path bundle = fs::path(cache_dir()) / ((name.empty() ? "model" : name) + "-" + cache_key(path, options) + ".evl");
  fs::create_directories(bundle.parent_path(), ec);
  if (ec) throw Error(ErrorCode::kIo, "model cache " + bundle.parent_path().string() + ": " + ec.message());
  // One compile per cache entry: a second process waits for the first one's bundle instead of racing it.
  const CacheLock lock(bundle.string() + ".lock");
  if (is_bundle(bundle.string())) {
    try {
      std::fprintf(stderr, "using compiled model %s\n", bundle.c_str());
      return Model::open(bundle.string(), model_options);
    } catch (const Error& e) {
      std::fprintf(stderr, "cached bundle unusable (%s); compiling again\n", e.what());
    }
  }
  std::fprintf(stderr, "compiling %s into the cache %s (once)\n", path.c_str(), bundle.c_str());
  ProgressBar bar;
  CompileOptions o = options;
  o.progress = [&](const std::string& stage, size_t done, size_t total) { bar.update(stage, done, total); };
  try {
    const CompileSummary s = compile_model(path, bundle.string(), o);
    bar.finish();
    std::fprintf(stderr, "compiled in %.1f s\n", s.seconds);
  } catch (...) {
    bar.finish();
    throw;
  }
  return Model::open(bundle.string(), model_options);
}

}  // namespace edgevl::apps
