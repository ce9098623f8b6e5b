// write_bundle(): streams constants into weights.bin (deduplicated by name + bytes, 64-byte aligned), copies extra files,
// writes manifest.json last, all inside DIR.tmp-XXXXXX/bundle which is fsynced and renamed to DIR (an existing DIR is
// swapped with it in one renameat2 RENAME_EXCHANGE, so DIR always holds a whole bundle).
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <vector>
#include <set>

#include "edgevl/error.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/qnn/verify.h"
#include "graph_json.h"
#include "hash.h"

namespace edgevl::qnn {

namespace fs = std::filesystem;

namespace {

constexpr size_t kChunk = 8u << 20;  // bytes per write() / progress tick

[[noreturn]] void io_fail(const std::string& what) {
  throw Error(ErrorCode::kIo, what + " (" + std::strerror(errno) + ")");
}

// A file written with write(2), hashed as it goes, fsynced on close.
class OutFile {
 public:
  explicit OutFile(const std::string& path) : path_(path) {
    fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd_ < 0) io_fail(path + ": cannot create");
  }
  ~OutFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  void write(const void* data, size_t n) {
    hasher_.update(data, n);
    const auto* p = static_cast<const uint8_t*>(data);
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        io_fail(path_ + ": write failed");
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
  }
  void close_synced() {
    if (::fsync(fd_) != 0) io_fail(path_ + ": fsync failed");
    if (::close(fd_) != 0) {
      fd_ = -1;
      io_fail(path_ + ": close failed");
    }
    fd_ = -1;
  }
  uint64_t hash() const { return hasher_.digest(); }

 private:
  std::string path_;
  int fd_ = -1;
  Hasher64 hasher_;
};

void fsync_dir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) io_fail(dir + ": cannot open directory for fsync");
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) io_fail(dir + ": fsync failed");
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

struct StoredConst {
  const Tensor* tensor;
  uint64_t offset;
};

// The temporary directory DIR.tmp-XXXXXX holds the writer's lock `.writer.lock`, flock()ed for as long as the writer
// lives (the kernel drops the lock when the process dies, however it dies), and the bundle being written, `bundle/`,
// which is what gets renamed to DIR. So the temporary directory itself never holds a manifest (it never opens as a
// bundle, whatever state a killed writer left it in), the lock never enters the published bundle, and the old bundle
// a RENAME_EXCHANGE swaps out lands in `bundle/` under the still-held lock.
constexpr const char* kWriterLock = ".writer.lock";
constexpr const char* kBundleSubdir = "bundle";
constexpr auto kLocklessGrace = std::chrono::seconds(60);

// Removes a temporary directory, its lock file last: until the directory is empty it keeps a lock file, which tells
// other writers whether its writer lives.
void remove_temporary(const fs::path& d) {
  std::error_code ec;
  std::vector<fs::path> entries;
  for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().filename() != kWriterLock) entries.push_back(it->path());
  for (const fs::path& p : entries) fs::remove_all(p, ec);
  fs::remove(d / kWriterLock, ec);
  fs::remove(d, ec);
}

struct WriterLock {
  int fd = -1;
  WriterLock() = default;
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;
  // Creates and locks DIR/.writer.lock. False when another writer's sweep took `dir` for a dead writer's first (it was
  // still empty, or the lock file was not locked yet) and removed it: the caller starts over with a new directory.
  bool acquire(const std::string& dir) {
    const std::string path = dir + "/" + kWriterLock;
    fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0 && errno == ENOENT) return false;
    struct stat st {};
    if (fd < 0 || ::flock(fd, LOCK_EX) != 0 || ::fstat(fd, &st) != 0) io_fail(path + ": cannot create the writer lock");
    if (st.st_nlink == 0) {  // the sweep (which holds the lock while it removes) unlinked it before we got the lock
      ::close(fd);
      fd = -1;
      return false;
    }
    return true;
  }
  ~WriterLock() {
    if (fd >= 0) ::close(fd);
  }
};

// Removes the temporary directory `d` of another writer if that writer is gone: its lock file can be locked (nobody
// holds it; the lock is kept while removing, so a writer that has just created that file and waits for its lock finds
// it unlinked and starts over), or it has none and is empty (rmdir fails once a live writer has created its lock file;
// a writer that comes after finds its directory gone and starts over), or it has none and is older than kLocklessGrace
// (an old bundle a writer without the `bundle/` layout moved aside).
void remove_if_writer_dead(const fs::path& d) {
  const int fd = ::open((d / kWriterLock).c_str(), O_RDWR | O_CLOEXEC);
  if (fd >= 0) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) remove_temporary(d);
    ::close(fd);
    return;
  }
  if (::rmdir(d.c_str()) == 0) return;
  std::error_code ec;
  const auto when = fs::last_write_time(d, ec);
  if (!ec && fs::file_time_type::clock::now() - when > kLocklessGrace) fs::remove_all(d, ec);
}

// Removes DIR.tmp-* and DIR.old-* directories left next to `dir` by writers that died (best effort: errors ignored,
// a directory whose writer lives is never touched).
void remove_stale_temporaries(const fs::path& parent, const std::string& name) {
  std::error_code ec;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string n = it->path().filename().string();
    const bool ours = n.size() == name.size() + 11 && n.compare(0, name.size(), name) == 0 &&
                      (n.compare(name.size(), 5, ".tmp-") == 0 || n.compare(name.size(), 5, ".old-") == 0);
    std::error_code e2;
    if (ours && it->is_directory(e2) && !it->is_symlink(e2)) remove_if_writer_dead(it->path());
  }
}

}  // namespace

struct BundleWorkDir::Impl {
  WriterLock lock;
  std::string path;
};

BundleWorkDir::BundleWorkDir(const std::string& bundle_dir) : impl_(std::make_unique<Impl>()) {
  std::string dir = bundle_dir;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  if (dir.empty()) throw Error(ErrorCode::kInvalidArgument, "bundle work directory: empty bundle path");
  const std::string tmpl = dir + ".tmp-XXXXXX";
  for (int attempt = 0; impl_->path.empty(); ++attempt) {
    std::vector<char> tbuf(tmpl.begin(), tmpl.end());
    tbuf.push_back('\0');
    if (::mkdtemp(tbuf.data()) == nullptr) io_fail(tmpl + ": cannot create temporary directory");
    if (impl_->lock.acquire(tbuf.data())) impl_->path = tbuf.data();
    else if (attempt == 100) throw Error(ErrorCode::kIo, tmpl + ": temporary directories keep being removed");
  }
  const fs::path target(dir);
  remove_stale_temporaries(target.has_parent_path() ? target.parent_path() : fs::path("."), target.filename().string());
}

BundleWorkDir::~BundleWorkDir() { remove_temporary(impl_->path); }  // still locked: its contents, the lock, itself

const std::string& BundleWorkDir::path() const { return impl_->path; }

void write_bundle(const std::string& dir_in, const std::vector<Graph>& graphs, const BundleWriterOptions& options,
                  const BundleProgress& progress) {
  if (dir_in.empty()) throw Error(ErrorCode::kInvalidArgument, "write_bundle: empty bundle path");
  if (graphs.empty()) throw Error(ErrorCode::kInvalidArgument, "write_bundle: no graphs");
  std::string dir = dir_in;
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();

  // ---- validate inputs and lay out weights.bin before touching the disk ----
  std::map<std::string, int> graph_names;
  for (const Graph& g : graphs) {
    verify(g);
    if (graph_names[g.name()]++) throw Error(ErrorCode::kInvalidArgument, "write_bundle: duplicate graph name '" + g.name() + "'");
  }
  std::map<std::string, fs::path> extras;
  for (const std::string& f : options.extra_files) {
    fs::path p(f);
    std::error_code ec;
    if (!fs::is_regular_file(p, ec)) throw Error(ErrorCode::kNotFound, "write_bundle: extra file '" + f + "' not found");
    std::string name = p.filename().string();
    if (name == "manifest.json" || name == "weights.bin" || !extras.emplace(name, p).second) {
      throw Error(ErrorCode::kInvalidArgument, "write_bundle: extra file name '" + name + "' is duplicate or reserved");
    }
  }
  std::map<std::string, StoredConst> stored;  // by constant name
  std::vector<const Tensor*> order;
  uint64_t total = 0;
  for (const Graph& g : graphs) {
    for (const Tensor& t : g.tensors()) {
      if (t.kind != TensorKind::kConstant) continue;
      auto it = stored.find(t.name);
      if (it != stored.end()) {
        const Tensor& s = *it->second.tensor;
        bool same = s.dtype == t.dtype && s.shape == t.shape && s.quant == t.quant && s.data.nbytes == t.data.nbytes &&
                    (s.data.data == t.data.data || std::memcmp(s.data.data, t.data.data, t.data.nbytes) == 0);
        if (!same) {
          throw Error(ErrorCode::kInvalidArgument, "write_bundle: constant '" + t.name + "' (graph '" + g.name() +
                                                       "') has the same name as a constant of another graph but different "
                                                       "contents");
        }
        continue;
      }
      total = (total + kBundleAlignment - 1) / kBundleAlignment * kBundleAlignment;
      stored.emplace(t.name, StoredConst{&t, total});
      order.push_back(&t);
      total += t.data.nbytes;
    }
  }

  // Back-end artifacts follow the constants in weights.bin.
  std::vector<uint64_t> artifact_offsets;
  std::set<std::pair<std::string, std::string>> artifact_keys;
  for (const BackendArtifact& a : options.artifacts) {
    const std::string what = "write_bundle: artifact of back end '" + a.backend + "' for graph '" + a.graph + "'";
    if (!valid_backend_name(a.backend)) throw Error(ErrorCode::kInvalidArgument, what + ": invalid back-end name");
    if (!graph_names.count(a.graph)) throw Error(ErrorCode::kInvalidArgument, what + ": no such graph in the bundle");
    if (a.bytes.empty()) throw Error(ErrorCode::kInvalidArgument, what + ": empty");
    if (!artifact_keys.emplace(a.backend, a.graph).second) throw Error(ErrorCode::kInvalidArgument, what + ": given twice");
    total = (total + kBundleAlignment - 1) / kBundleAlignment * kBundleAlignment;
    artifact_offsets.push_back(total);
    total += a.bytes.size();
  }

  // ---- temporary directory next to the target ----
  fs::path target(dir);
  fs::path parent = target.has_parent_path() ? target.parent_path() : fs::path(".");
  const BundleWorkDir work_dir(dir);  // DIR.tmp-XXXXXX, locked; removed (with the old bundle, if any) however we leave
  const std::string& work = work_dir.path();
  const std::string tmp = work + "/" + kBundleSubdir;  // the bundle being written
  if (::mkdir(tmp.c_str(), 0755) != 0) io_fail(tmp + ": cannot create directory");

  // ---- weights.bin ----
  uint64_t weights_hash;
  {
    OutFile out(tmp + "/weights.bin");
    static const uint8_t zeros[kBundleAlignment] = {};
    uint64_t pos = 0;
    if (progress) progress("weights", 0, total);
    auto put = [&](uint64_t off, const uint8_t* data, size_t nbytes) {
      if (off > pos) out.write(zeros, off - pos);
      pos = off;
      for (size_t done = 0; done < nbytes;) {
        size_t n = std::min(kChunk, nbytes - done);
        out.write(data + done, n);
        done += n;
        pos += n;
        if (progress) progress("weights", pos, total);
      }
    };
    for (const Tensor* t : order) put(stored.at(t->name).offset, t->data.data, t->data.nbytes);
    for (size_t i = 0; i < options.artifacts.size(); ++i)
      put(artifact_offsets[i], options.artifacts[i].bytes.data(), options.artifacts[i].bytes.size());
    out.close_synced();
    weights_hash = out.hash();
  }

  // ---- extra files ----
  nlohmann::json jextra = nlohmann::json::array();
  size_t nfile = 0;
  if (progress) progress("extra_files", 0, extras.size());
  for (const auto& [name, src] : extras) {
    int fd = ::open(src.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) io_fail("write_bundle: cannot read extra file '" + src.string() + "'");
    OutFile out(tmp + "/" + name);
    std::vector<uint8_t> buf(1 << 20);
    uint64_t size = 0;
    for (;;) {
      ssize_t r = ::read(fd, buf.data(), buf.size());
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) {
        ::close(fd);
        io_fail("write_bundle: read failed on '" + src.string() + "'");
      }
      if (r == 0) break;
      out.write(buf.data(), static_cast<size_t>(r));
      size += static_cast<uint64_t>(r);
    }
    ::close(fd);
    out.close_synced();
    jextra.push_back({{"name", name}, {"size", size}, {"hash", hex64(out.hash())}});
    if (progress) progress("extra_files", ++nfile, extras.size());
  }

  // ---- manifest.json (last: a directory without it never opens) ----
  if (progress) progress("finalize", 0, 1);
  nlohmann::json jgraphs = nlohmann::json::array();
  for (const Graph& g : graphs) {
    jgraphs.push_back(graph_to_json(g, [&](TensorId id) { return stored.at(g.tensor(id).name).offset; }));
  }
  nlohmann::json m = {{"format", "edgevl-bundle"},
                      {"format_version", kBundleFormatVersion},
                      {"family", options.family},
                      {"model_metadata", options.model_metadata.is_null() ? nlohmann::json::object() : options.model_metadata},
                      {"weights", {{"file", "weights.bin"}, {"size", total}, {"alignment", kBundleAlignment},
                                   {"hash", hex64(weights_hash)}}},
                      {"extra_files", jextra},
                      {"graphs", jgraphs}};
  if (!options.artifacts.empty()) {
    nlohmann::json ja = nlohmann::json::array();
    for (size_t i = 0; i < options.artifacts.size(); ++i) {
      const BackendArtifact& a = options.artifacts[i];
      ja.push_back({{"backend", a.backend}, {"graph", a.graph}, {"offset", artifact_offsets[i]}, {"size", a.bytes.size()}});
    }
    m["backend_artifacts"] = ja;
  }
  std::string body = m.dump(1);  // "{\n ..."
  std::string text = "{\"manifest_checksum\": \"0000000000000000\"," + body.substr(1);
  const size_t at = std::strlen("{\"manifest_checksum\": \"");
  std::string sum = hex64(bundle_hash64(text.data(), text.size()));
  text.replace(at, 16, sum);
  {
    OutFile out(tmp + "/manifest.json");
    out.write(text.data(), text.size());
    out.close_synced();
  }
  fsync_dir(tmp);

  // ---- publish ----
  std::error_code ec;
  if (fs::exists(target, ec)) {
    if (!fs::is_directory(target) || !fs::exists(target / "manifest.json")) {
      throw Error(ErrorCode::kInvalidArgument, "write_bundle: '" + dir + "' exists and is not a bundle; not replacing it");
    }
    // Swap the two directories in one step (Linux renameat2 RENAME_EXCHANGE), so the target always holds a whole
    // bundle, the old or the new one, even if the process dies here; the old one is left in `tmp` (inside the locked
    // temporary directory) and removed with it.
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) != 0) {
      if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
        io_fail("write_bundle: cannot exchange '" + tmp + "' with '" + dir + "'");
      // A file system without the exchange: move the old bundle aside (into the locked temporary directory), then the
      // new one in (a window without one).
      const std::string old = work + "/old";
      if (::rename(dir.c_str(), old.c_str()) != 0) io_fail("write_bundle: cannot move old bundle '" + dir + "' aside");
      if (::rename(tmp.c_str(), dir.c_str()) != 0) {
        int e = errno;
        ::rename(old.c_str(), dir.c_str());
        errno = e;
        io_fail("write_bundle: cannot rename '" + tmp + "' to '" + dir + "'");
      }
    }
  } else if (::rename(tmp.c_str(), dir.c_str()) != 0) {
    io_fail("write_bundle: cannot rename '" + tmp + "' to '" + dir + "'");
  }
  fsync_dir(parent.string());
  if (progress) progress("finalize", 1, 1);
}

}  // namespace edgevl::qnn
