// Crash safety of qwen2vl-compile: the process is killed with SIGKILL at many points of a compile into a target that
// does not exist yet (fresh) and of a compile that replaces an existing bundle (replacement). After every kill:
//  - the target is absent (fresh only) or exactly the old or the new complete bundle, which opens through
//    edgevl::Model::open with the default options (checksums verified) and answers;
//  - no other entry next to the target (a dead writer's DIR.tmp-* / DIR.old-*) opens, by Model::open or
//    qnn::Bundle::open;
//  - the next successful compile into the same target removes the dead writer's temporaries: only the target is left.
// The kill points come in three kinds: timed (fractions of a measured compile), keyed off observable progress (the
// temporary directory appearing, weights.bin appearing, the stderr progress lines, manifest.json in the temporary, the
// target being replaced), and syscall-exact (the compile runs under ptrace and is killed at the entry of each system
// call that may change the disk, from the creation of its temporary directory to its exit, so every step of writing,
// finalizing and publishing — the RENAME_EXCHANGE included — is hit deterministically). The test prints in which phase
// the kills landed. What is asserted does not depend on timing; timing only decides where the timed kills land.
// Environment: EDGEVL_CRASH_SYSCALL_STRIDE=N kills at every N-th syscall-exact point only; EDGEVL_CRASH_COMPILE_BIN
// runs another qwen2vl-compile binary.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "cli_runner.h"
#include "edgevl/edgevl.h"
#include "edgevl/qnn/bundle.h"

extern char** environ;

namespace edgevl::test {
namespace {
namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr const char* kTargetName = "tiny.evl";

// Syscall-exact kill points: at every `stride`-th system call that can change what is on disk (the sanitizer build,
// several times slower, at every third). EDGEVL_CRASH_SYSCALL_STRIDE overrides.
#ifdef EDGEVL_CRASH_SANITIZED
constexpr int kDefaultSyscallStride = 3;
#else
constexpr int kDefaultSyscallStride = 1;
#endif

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::max(1, std::atoi(v)) : fallback;
}

double ms_since(Clock::time_point t) { return std::chrono::duration<double, std::milli>(Clock::now() - t).count(); }

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Work {
  fs::path dir, hf, out, target, err;
  std::string compile;  // a copy of qwen2vl-compile (a rebuild of the original while the test runs cannot disturb it)
  size_t weights_size[2] = {0, 0};  // weights.bin of a complete bundle, context 64 / 128
} w;

int other_ctx(int ctx) { return ctx == 128 ? 64 : 128; }
size_t weights_size(int ctx) { return w.weights_size[ctx == 128]; }

// ---------------------------------------------------------------------------------------------------------------------
// Child processes.

constexpr int kNoPtrace = 111;  // the child's exit code when PTRACE_TRACEME is refused

// A started qwen2vl-compile (stdin and stdout /dev/null, stderr to `err`). The destructor kills and reaps it if it is
// still there, and the child has PR_SET_PDEATHSIG = SIGKILL, so no compile outlives a failed test (or a dead test).
class Compile {
 public:
  Compile(int ctx, bool traced) {
    const std::vector<std::string> args = {w.compile, "--model", w.hf.string(), "--out", w.target.string(),
                                           "--context-length", std::to_string(ctx), "--chunk", "16"};
    // The environment: ours, with LeakSanitizer off (it cannot run under ptrace; a killed process never reaches exit).
    std::vector<std::string> env;
    std::string asan = "ASAN_OPTIONS=detect_leaks=0";
    for (char** e = environ; *e; ++e) {
      const std::string s = *e;
      if (s.rfind("ASAN_OPTIONS=", 0) == 0)
        asan = s + ":detect_leaks=0";
      else
        env.push_back(s);
    }
    env.push_back(asan);
    std::vector<char*> argv, envp;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
    envp.push_back(nullptr);
    const std::string err = w.err.string();
    const pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {  // only async-signal-safe calls until execve
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(126);
      const int in = ::open("/dev/null", O_RDONLY);
      const int out = ::open("/dev/null", O_WRONLY);
      const int er = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in < 0 || out < 0 || er < 0) ::_exit(125);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(er, 2);
      if (traced) {
        if (::ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) ::_exit(kNoPtrace);
        ::raise(SIGSTOP);
      }
      ::execve(argv[0], argv.data(), envp.data());
      ::_exit(127);
    }
  }
  ~Compile() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      reap();
    }
  }
  Compile(const Compile&) = delete;
  Compile& operator=(const Compile&) = delete;

  pid_t pid() const { return pid_; }
  bool started() const { return pid_ > 0; }
  /// Still running? (reaps it when it has ended)
  bool running() {
    if (pid_ <= 0) return false;
    int st = 0;
    const pid_t r = ::waitpid(pid_, &st, WNOHANG);
    if (r == pid_ && (WIFEXITED(st) || WIFSIGNALED(st))) {
      status_ = st;
      pid_ = -1;
    }
    return pid_ > 0;
  }
  /// SIGKILL (unless it has ended) and reap. Returns true when the kill landed, false when the compile had ended.
  bool kill() {
    if (!running()) return false;
    ::kill(pid_, SIGKILL);
    reap();
    return WIFSIGNALED(status_) && WTERMSIG(status_) == SIGKILL;
  }
  /// Waits for the end; the wait status.
  int wait() {
    reap();
    return status_;
  }
  void reaped(int status) {
    status_ = status;
    pid_ = -1;
  }
  int status() const { return status_; }

 private:
  void reap() {
    while (pid_ > 0) {
      int st = 0;
      const pid_t r = ::waitpid(pid_, &st, 0);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0 || WIFEXITED(st) || WIFSIGNALED(st)) {
        status_ = st;
        pid_ = -1;
      }
    }
  }
  pid_t pid_ = -1;
  int status_ = -1;
};

std::string describe_status(int st) {
  if (WIFEXITED(st)) return "exit " + std::to_string(WEXITSTATUS(st));
  if (WIFSIGNALED(st)) return std::string("signal ") + strsignal(WTERMSIG(st));
  return "status " + std::to_string(st);
}

// A complete compile of `ctx` into the target; fails the test (with the compile's stderr) otherwise.
void compile_ok(int ctx) {
  Compile c(ctx, false);
  ASSERT_TRUE(c.started());
  const int st = c.wait();
  ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << describe_status(st) << "\n" << slurp(w.err);
}

// ---------------------------------------------------------------------------------------------------------------------
// ptrace: the compile stopped at every system call entry.

// struct ptrace_syscall_info of <linux/ptrace.h> (which clashes with glibc's <sys/ptrace.h>).
struct SyscallInfo {
  uint8_t op;
  uint8_t pad[3];
  uint32_t arch;
  uint64_t instruction_pointer;
  uint64_t stack_pointer;
  union {
    struct {
      uint64_t nr;
      uint64_t args[6];
    } entry;
    struct {
      int64_t rval;
      uint8_t is_error;
    } exit;
    struct {
      uint64_t nr;
      uint64_t args[6];
      uint32_t ret_data;
    } seccomp;
  };
};
constexpr uint8_t kSyscallEntry = 1;
#ifndef PTRACE_GET_SYSCALL_INFO
#define PTRACE_GET_SYSCALL_INFO 0x420e
#endif

// A NUL-terminated string of the tracee.
std::string peek_string(pid_t pid, uint64_t addr) {
  std::string s;
  for (int words = 0; words < 512; ++words) {
    errno = 0;
    const long v = ::ptrace(PTRACE_PEEKDATA, pid, reinterpret_cast<void*>(addr + s.size()), nullptr);
    if (errno != 0) break;
    char bytes[sizeof v];
    std::memcpy(bytes, &v, sizeof v);
    for (char b : bytes) {
      if (b == '\0') return s;
      s += b;
    }
  }
  return s;
}

// The path a mkdir/mkdirat entry creates, or "" for any other system call.
std::string mkdir_path(pid_t pid, const SyscallInfo& si) {
#ifdef SYS_mkdir
  if (si.entry.nr == SYS_mkdir) return peek_string(pid, si.entry.args[0]);
#endif
  if (si.entry.nr == SYS_mkdirat) return peek_string(pid, si.entry.args[1]);
  return "";
}

struct TraceResult {
  bool usable = true;         // ptrace and PTRACE_GET_SYSCALL_INFO work here
  std::vector<uint64_t> nrs;  // run to the end: the system calls from the temporary directory's mkdir to exit
  bool killed = false;        // the kill landed (at entry `kill_at`)
  long syscall_nr = -1;       // the system call it was killed at
};

// System calls that change nothing on disk and hold no lock: a kill at their entry leaves the same files as a kill at
// the entry of the next other one, so they are not kill points.
bool leaves_disk_alone(uint64_t nr) {
  static const std::vector<long> kNone = {
      SYS_read,         SYS_pread64,  SYS_readv,          SYS_newfstatat, SYS_fstat,  SYS_statx,   SYS_brk,
      SYS_mmap,         SYS_munmap,   SYS_mremap,         SYS_mprotect,   SYS_madvise, SYS_getdents64, SYS_fcntl,
      SYS_lseek,        SYS_getpid,   SYS_gettid,         SYS_clock_gettime, SYS_futex, SYS_rt_sigaction,
      SYS_rt_sigprocmask, SYS_faccessat, SYS_readlinkat,  SYS_getrandom,  SYS_sched_yield, SYS_ioctl,
#ifdef SYS_stat
      SYS_stat,         SYS_lstat,    SYS_access,         SYS_readlink,
#endif
  };
  return std::find(kNone.begin(), kNone.end(), long(nr)) != kNone.end();
}

// The kill points of the syscall-exact kind, as indices into `nrs`: every system call that may change the disk, except
// inside a run of the same call (the writes of weights.bin), where the first, the middle and the last are kept; then
// every `stride`-th of them, and always the last (the exit).
std::vector<long> syscall_kill_points(const std::vector<uint64_t>& nrs, int stride) {
  std::vector<long> all;
  for (size_t k = 0; k < nrs.size(); ++k) {
    if (leaves_disk_alone(nrs[k])) continue;
    size_t first = k, last = k;
    while (first > 0 && nrs[first - 1] == nrs[k]) --first;
    while (last + 1 < nrs.size() && nrs[last + 1] == nrs[k]) ++last;
    if (k == first || k == last || k == (first + last) / 2) all.push_back(long(k));
  }
  std::vector<long> picked;
  for (size_t i = 0; i < all.size(); i += size_t(stride)) picked.push_back(all[i]);
  if (!all.empty() && picked.back() != all.back()) picked.push_back(all.back());
  return picked;
}

// Runs `c` (started traced) and kills it at the entry of its `kill_at`-th system call counted from the mkdir of the
// target's temporary directory (0 = that mkdir, not executed); kill_at < 0 runs it to the end and counts.
TraceResult run_traced(Compile& c, long kill_at) {
  TraceResult r;
  const pid_t pid = c.pid();
  const std::string tmp_prefix = w.target.string() + ".tmp-";
  int st = 0;
  if (::waitpid(pid, &st, 0) != pid) {
    r.usable = false;
    return r;
  }
  if (WIFEXITED(st)) {
    c.reaped(st);
    r.usable = false;  // kNoPtrace
    return r;
  }
  ::ptrace(PTRACE_SETOPTIONS, pid, nullptr,
           reinterpret_cast<void*>(PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL | PTRACE_O_TRACEEXEC));
  ::ptrace(PTRACE_SYSCALL, pid, nullptr, nullptr);  // suppresses the SIGSTOP
  long index = -1;
  for (;;) {
    if (::waitpid(pid, &st, 0) != pid) {
      if (errno == EINTR) continue;
      break;
    }
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      c.reaped(st);
      break;
    }
    if (!WIFSTOPPED(st)) continue;
    const int sig = WSTOPSIG(st);
    long deliver = 0;
    if (sig == (SIGTRAP | 0x80)) {
      SyscallInfo si{};
      if (::ptrace(PTRACE_GET_SYSCALL_INFO, pid, reinterpret_cast<void*>(sizeof si), &si) <= 0) {
        r.usable = false;  // a kernel older than 5.3
        c.kill();
        return r;
      }
      if (si.op == kSyscallEntry) {
        if (index >= 0) {
          ++index;
        } else if (mkdir_path(pid, si).rfind(tmp_prefix, 0) == 0) {
          index = 0;
        }
        if (index >= 0 && kill_at < 0) r.nrs.push_back(si.entry.nr);
        if (index >= 0 && index == kill_at) {
          r.syscall_nr = long(si.entry.nr);
          r.killed = c.kill();
          return r;
        }
      }
    } else if (sig != SIGTRAP) {
      deliver = sig;  // a signal of the compile's own (the exec event and syscall traps are ours)
    }
    ::ptrace(PTRACE_SYSCALL, pid, nullptr, reinterpret_cast<void*>(deliver));
  }
  return r;
}

// ---------------------------------------------------------------------------------------------------------------------
// The state after a kill.

enum Phase {
  kNoTemporary,       // killed before the temporary directory existed
  kTemporaryEmpty,    // DIR.tmp-* created, weights.bin not yet
  kWritingWeights,    // weights.bin partly written
  kExtraFiles,        // weights.bin complete, no manifest.json yet (extra files, manifest being written)
  kUnpublished,       // DIR.tmp-* complete with its manifest, the target not yet replaced
  kPublishedCleanup,  // the target is the new bundle; the temporary (or the swapped-out old bundle) not yet removed
  kPublished,         // the target is the new bundle, nothing else left (killed at the very end)
  kExitedFirst,       // the compile had exited before the kill
  kPhaseCount
};
const char* const kPhaseNames[kPhaseCount] = {
    "no temporary directory yet",      "temporary created, no weights.bin", "writing weights.bin",
    "weights done, no manifest yet",   "complete temporary, unpublished",   "published, temporary not removed",
    "published, nothing left over",    "compile exited before the kill"};

ModelOptions open_options() {
  ModelOptions o;  // checksums: the default (weights.bin hashed once per change, extra files at every open)
  o.num_threads = 1;
  return o;
}

// Where a writer's temporary directory holds the bundle it writes: DIR.tmp-XXXXXX/bundle.
fs::path staged(const fs::path& tmp) {
  std::error_code ec;
  return fs::is_directory(tmp / "bundle", ec) ? tmp / "bundle" : tmp;
}

std::vector<fs::path> siblings() {
  std::vector<fs::path> v;
  for (const auto& e : fs::directory_iterator(w.out))
    if (e.path().filename() != kTargetName) v.push_back(e.path());
  std::sort(v.begin(), v.end());
  return v;
}

// Checks the state after a kill of a compile of `new_ctx` over a bundle of `old_ctx` (0: none) and says which phase
// the kill landed in; `ctx` = the context length of the bundle at the target (0: none).
Phase check_after_kill(int old_ctx, int new_ctx, bool exited_first, int& ctx) {
  ctx = 0;
  std::error_code ec;
  if (fs::exists(w.target, ec)) {
    try {
      const Model m = Model::open(w.target.string(), open_options());
      ctx = int(m.info().context_length);
      Session s(m);
      GenerationConfig cfg;
      cfg.max_new_tokens = 2;
      const Result r = s.generate(Request::user("hi"), cfg);
      EXPECT_FALSE(r.token_ids.empty()) << "the target does not answer";
    } catch (const Error& e) {
      ADD_FAILURE() << "the target does not open: " << e.what();
    }
    EXPECT_TRUE(ctx == new_ctx || (old_ctx != 0 && ctx == old_ctx))
        << "the target is neither the old (context " << old_ctx << ") nor the new (context " << new_ctx
        << ") bundle: context " << ctx;
  } else {
    EXPECT_EQ(old_ctx, 0) << "the old bundle is gone and no new one is there";
  }
  // Nothing else next to the target opens.
  const std::vector<fs::path> rest = siblings();
  for (const fs::path& p : rest) {
    EXPECT_THROW((void)Model::open(p.string(), open_options()), Error) << p << " opens as a model";
    EXPECT_THROW((void)qnn::Bundle::open(p.string()), Error) << p << " opens as a bundle";
  }
  if (exited_first) return kExitedFirst;
  if (ctx == new_ctx && ctx != old_ctx) return rest.empty() ? kPublished : kPublishedCleanup;
  for (const fs::path& p : rest) {
    if (p.filename().string().find(".tmp-") == std::string::npos) continue;
    const fs::path b = staged(p);
    if (fs::exists(b / "manifest.json", ec)) return kUnpublished;
    if (!fs::exists(b / "weights.bin", ec)) return kTemporaryEmpty;
    return fs::file_size(b / "weights.bin", ec) < weights_size(new_ctx) ? kWritingWeights : kExtraFiles;
  }
  return kNoTemporary;
}

// After the kill: a complete compile of `ctx` into the same target, which must remove everything the dead writer left.
void recompile_and_expect_clean(int ctx) {
  compile_ok(ctx);
  for (const fs::path& p : siblings()) {
    ADD_FAILURE() << "left behind after a successful compile: " << p;
    fs::remove_all(p);  // so that the next kill point starts clean
  }
  const Model m = Model::open(w.target.string(), open_options());
  EXPECT_EQ(m.info().context_length, ctx);
}

// ---------------------------------------------------------------------------------------------------------------------
// Kill points.

enum class Mode { kTimed, kProgress, kSyscall };
constexpr int kModes = 3;
const char* const kModeNames[kModes] = {"timed", "progress", "syscall"};

// Observable progress of a running compile.
enum class Event { kBuildLine, kTempDir, kWeightsFile, kWeightsLine, kExtraFilesLine, kManifestInTemp, kTargetReplaced,
                   kFinalizeLine };
const char* const kEventNames[] = {"'build done' line", "DIR.tmp-* appears",   "weights.bin appears",
                                   "'weights done' line", "'extra_files done' line", "manifest.json in DIR.tmp-*",
                                   "target replaced",   "'finalize done' line"};
constexpr int kEvents = 8;

ino_t target_inode() {
  struct stat st {};
  return ::stat(w.target.c_str(), &st) == 0 ? st.st_ino : 0;
}

bool event_seen(Event ev, ino_t old_inode) {
  auto line = [](const char* stage) {
    const std::string err = slurp(w.err);
    for (size_t at = err.find(stage); at != std::string::npos; at = err.find(stage, at + 1)) {
      if ((at == 0 || err[at - 1] == '\n') && err.find(" done (", at) < err.find('\n', at)) return true;
    }
    return false;
  };
  auto temp = [] {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(w.out, ec))
      if (e.path().filename().string().rfind(std::string(kTargetName) + ".tmp-", 0) == 0) return e.path();
    return fs::path();
  };
  std::error_code ec;
  switch (ev) {
    case Event::kBuildLine: return line("build ");
    case Event::kTempDir: return !temp().empty();
    case Event::kWeightsFile: {
      const fs::path t = temp();
      return !t.empty() && fs::exists(staged(t) / "weights.bin", ec);
    }
    case Event::kWeightsLine: return line("weights ");
    case Event::kExtraFilesLine: return line("extra_files ");
    case Event::kManifestInTemp: {
      const fs::path t = temp();
      return !t.empty() && fs::exists(staged(t) / "manifest.json", ec);
    }
    case Event::kTargetReplaced: {
      const ino_t now = target_inode();
      return now != 0 && now != old_inode;
    }
    case Event::kFinalizeLine: return line("finalize ");
  }
  return false;
}

void spin_for(std::chrono::microseconds d) {
  const auto until = Clock::now() + d;
  while (Clock::now() < until) {
  }
}

struct Tally {
  int counts[kModes][kPhaseCount] = {};
  int total[kModes] = {};
};

class CrashSafety : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::string tmpl = (fs::temp_directory_path() / "edgevl-crash-test-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    w.dir = tmpl;
    w.hf = w.dir / "hf";
    w.out = w.dir / "out";  // holds the target only: every other entry there is a writer's leftover
    w.target = w.out / kTargetName;
    w.err = w.dir / "compile.err";
    fs::create_directories(w.out);
    w.compile = (w.dir / "qwen2vl-compile").string();
    const char* other = std::getenv("EDGEVL_CRASH_COMPILE_BIN");  // to try another build of qwen2vl-compile
    fs::copy_file(other && *other ? other : EDGEVL_COMPILE_BIN, w.compile);
    const CliResult mk = run_cli(std::string(EDGEVL_PYTHON) + " " + EDGEVL_SOURCE_DIR +
                                 "/models/tools/make_random_checkpoint.py " + w.hf.string() +
                                 " --preset tiny --seed 5 --max-pixels 12544");
    ASSERT_EQ(mk.exit_code, 0) << mk.err;
    for (int ctx : {64, 128}) {
      fs::remove_all(w.target);
      compile_ok(ctx);
      w.weights_size[ctx == 128] = fs::file_size(w.target / "weights.bin");
    }
    // D: the median of three complete compiles into a fresh target.
    std::vector<double> ms;
    for (int i = 0; i < 3; ++i) {
      fs::remove_all(w.target);
      const auto t = Clock::now();
      compile_ok(128);
      ms.push_back(ms_since(t));
    }
    std::sort(ms.begin(), ms.end());
    compile_ms_ = ms[1];
    std::printf("[crash] one compile of the tiny model takes %.1f ms (median of 3)\n", compile_ms_);
  }
  static void TearDownTestSuite() {
    std::error_code ec;
    if (!w.dir.empty()) fs::remove_all(w.dir, ec);
  }

  // One kill: a compile of the target (fresh: into nothing; else over the current bundle) killed at the kill point
  // described by (mode, param), checked; then, if the dead writer left anything, a complete compile of the same
  // target, which must leave nothing but the target.
  void trial(bool fresh, Mode mode, long param) {
    const int old_ctx = fresh ? 0 : current_ctx_;
    const int new_ctx = fresh ? 128 : other_ctx(current_ctx_);
    if (fresh) fs::remove_all(w.target);
    const ino_t old_inode = target_inode();
    std::string where = std::string(kModeNames[int(mode)]) + " kill point " + std::to_string(param);
    bool exited_first = false;
    {
      Compile c(new_ctx, mode == Mode::kSyscall);
      ASSERT_TRUE(c.started());
      if (mode == Mode::kTimed) {
        std::this_thread::sleep_for(std::chrono::microseconds(long(compile_ms_ * 1000.0 * double(param) / 20.0)));
        where += " (" + std::to_string(param * 5) + "% of a compile)";
        exited_first = !c.kill();
      } else if (mode == Mode::kProgress) {
        const Event ev = Event(param % kEvents);
        const auto delay = std::chrono::microseconds(param / kEvents == 0 ? 0 : 300);
        where += std::string(" (") + kEventNames[param % kEvents] + " + " + std::to_string(delay.count()) + " us)";
        bool seen = false;
        while (!(seen = event_seen(ev, old_inode)) && c.running()) {
        }
        if (seen) spin_for(delay);
        exited_first = !c.kill();
      } else {
        const TraceResult r = run_traced(c, param);
        ASSERT_TRUE(r.usable);
        where += " (syscall " + std::to_string(r.syscall_nr) + ")";
        exited_first = !r.killed;
      }
      if (exited_first) {
        EXPECT_TRUE(WIFEXITED(c.status()) && WEXITSTATUS(c.status()) == 0)
            << where << ": " << describe_status(c.status()) << "\n" << slurp(w.err);
      }
    }
    SCOPED_TRACE((fresh ? "fresh compile, " : "replacement, ") + where);
    int ctx = 0;
    const Phase p = check_after_kill(old_ctx, new_ctx, exited_first, ctx);
    Tally& t = fresh ? fresh_ : replace_;
    ++t.counts[int(mode)][p];
    ++t.total[int(mode)];
    if (siblings().empty()) {
      // Nothing to clean up: the next kill point starts from this state (the target old or new, or none).
      if (!fresh && ctx != 0) current_ctx_ = ctx;
      return;
    }
    recompile_and_expect_clean(new_ctx);
    current_ctx_ = new_ctx;
  }

  // The system calls the compile makes from its temporary directory's mkdir to its exit, traced once to the end
  // (usable = false where this machine does not let the test trace it).
  TraceResult trace_to_the_end(bool fresh) {
    if (fresh) fs::remove_all(w.target);
    Compile c(fresh ? 128 : other_ctx(current_ctx_), true);
    const TraceResult r = run_traced(c, -1);
    if (!r.usable) return r;
    EXPECT_TRUE(WIFEXITED(c.status()) && WEXITSTATUS(c.status()) == 0) << describe_status(c.status()) << "\n"
                                                                        << slurp(w.err);
    EXPECT_GT(r.nrs.size(), 10u) << "the traced compile never created " << w.target << ".tmp-*";
    current_ctx_ = fresh ? 128 : other_ctx(current_ctx_);
    return r;
  }

  void run_all(bool fresh) {
    const auto t0 = Clock::now();
    if (!fresh) {
      fs::remove_all(w.target);
      compile_ok(current_ctx_);
    }
    // Timed: 5%, 10%, ... 120% of a compile's duration after the start.
    for (long i = 1; i <= 24 && !HasFatalFailure(); ++i) trial(fresh, Mode::kTimed, i);
    // Keyed off observable progress: at each event, and 300 us after it.
    for (long i = 0; i < 2 * kEvents && !HasFatalFailure(); ++i) trial(fresh, Mode::kProgress, i);
    // Syscall-exact: at the system calls from the temporary directory's mkdir to exit that may change the disk.
    const TraceResult traced = trace_to_the_end(fresh);
    const int stride = env_int("EDGEVL_CRASH_SYSCALL_STRIDE", kDefaultSyscallStride);
    if (!traced.usable) {
      std::printf("[crash] ptrace (PTRACE_GET_SYSCALL_INFO) is not available here: no syscall-exact kill points\n");
    } else {
      const std::vector<long> points = syscall_kill_points(traced.nrs, stride);
      for (size_t i = 0; i < points.size() && !HasFatalFailure(); ++i) trial(fresh, Mode::kSyscall, points[i]);
      std::printf("[crash] %s: %zu system calls from the temporary directory's mkdir to exit; killed at the entry of "
                  "%zu of them (those that may change the disk%s)\n",
                  fresh ? "fresh compile" : "replacement", traced.nrs.size(), points.size(),
                  stride == 1 ? "" : (", every " + std::to_string(stride) + "th").c_str());
    }
    const Tally& t = fresh ? fresh_ : replace_;
    std::printf("[crash] %s: %d kill points in %.1f s; where they landed:\n", fresh ? "fresh compile" : "replacement",
                t.total[0] + t.total[1] + t.total[2], ms_since(t0) / 1000.0);
    std::printf("[crash]   %-36s %7s %9s %8s\n", "phase", kModeNames[0], kModeNames[1], kModeNames[2]);
    for (int p = 0; p < kPhaseCount; ++p)
      std::printf("[crash]   %-36s %7d %9d %8d\n", kPhaseNames[p], t.counts[0][p], t.counts[1][p], t.counts[2][p]);
    std::printf("[crash]   %-36s %7d %9d %8d\n", "total", t.total[0], t.total[1], t.total[2]);
    std::fflush(stdout);
  }

  static double compile_ms_;
  int current_ctx_ = 64;
  Tally fresh_, replace_;
};
double CrashSafety::compile_ms_ = 0;

TEST_F(CrashSafety, KilledFreshCompileLeavesNothingOrTheWholeBundle) { run_all(true); }

TEST_F(CrashSafety, KilledReplacementLeavesTheOldOrTheNewBundle) { run_all(false); }

}  // namespace
}  // namespace edgevl::test
