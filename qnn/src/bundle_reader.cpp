// Bundle::open(): manifest parse (into a JsonTape, not a tree of nlohmann values) + validation, weights.bin mapped,
// constants as views into the mapping.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <utility>
#include <vector>
#include <sstream>

#include "edgevl/error.h"
#include "edgevl/qnn/bundle.h"
#include "edgevl/qnn/mapped_file.h"
#include "edgevl/qnn/verify.h"
#include "graph_json.h"
#include "hash.h"
#include "json_tape.h"

namespace edgevl::qnn {

namespace {

constexpr size_t kMaxManifestBytes = size_t{1} << 30;
const char kChecksumPrefix[] = "{\"manifest_checksum\": \"";

[[noreturn]] void corrupt(const std::string& dir, const std::string& what) {
  throw Error(ErrorCode::kCorruptFile, "bundle '" + dir + "': " + what);
}

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

Bundle::~Bundle() = default;

std::shared_ptr<const Bundle> Bundle::open(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    throw Error(ErrorCode::kNotFound, "bundle '" + dir + "': no such directory");
  }
  const std::string mpath = dir + "/manifest.json";
  std::ifstream in(mpath, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "bundle '" + dir + "': manifest.json missing");
  std::string text;
  {
    in.seekg(0, std::ios::end);
    auto size = static_cast<std::streamoff>(in.tellg());
    if (size < 0 || static_cast<size_t>(size) > kMaxManifestBytes) corrupt(dir, "manifest.json has an invalid size");
    in.seekg(0);
    text.resize(static_cast<size_t>(size));
    in.read(text.data(), size);
    if (!in) throw Error(ErrorCode::kIo, "bundle '" + dir + "': cannot read manifest.json");
  }
  const JsonTape doc = JsonTape::parse(text, "bundle '" + dir + "': manifest.json");  // as parse_json_bounded()
  const JsonRef m = doc.root();
  const auto format = m.find("format");
  if (!format || !format->is_string() || format->string_view() != "edgevl-bundle") {
    corrupt(dir, "manifest.json is not an EdgeVL bundle manifest");
  }
  const auto format_version = m.find("format_version");
  if (!format_version || !format_version->is_number_integer()) {
    corrupt(dir, "manifest.json has no integer format_version");
  }
  const int64_t version = format_version->get<int64_t>();
  if (version != kBundleFormatVersion) {
    throw Error(ErrorCode::kUnsupported, "bundle '" + dir + "': format version " + std::to_string(version) + " is " +
                                             (version > kBundleFormatVersion ? "newer than" : "not") +
                                             " the supported version " + std::to_string(kBundleFormatVersion) +
                                             (version > kBundleFormatVersion ? " (recompile it or update EdgeVL)" : ""));
  }
  // Manifest checksum: over the exact text with the 16 hex digits zeroed.
  const size_t plen = std::strlen(kChecksumPrefix);
  if (text.size() < plen + 16 || text.compare(0, plen, kChecksumPrefix) != 0) {
    corrupt(dir, "manifest.json does not start with its checksum");
  }
  const std::string recorded = text.substr(plen, 16);
  std::string zeroed = text;
  zeroed.replace(plen, 16, "0000000000000000");
  if (hex64(bundle_hash64(zeroed.data(), zeroed.size())) != recorded) {
    corrupt(dir, "manifest.json checksum mismatch (the file was modified or damaged)");
  }

  std::shared_ptr<Bundle> b(new Bundle());
  b->dir_ = dir;
  b->format_version_ = static_cast<int>(version);
  try {
    b->family_ = m.at("family").get<std::string>();
    b->metadata_ = m.at("model_metadata").to_json();
    const JsonRef w = m.at("weights");
    const uint64_t wsize = w.at("size").get<uint64_t>();
    const std::string whash = w.at("hash").get<std::string>();
    if (whash.size() != 16) corrupt(dir, "weights hash malformed");
    b->weights_hash_ = std::stoull(whash, nullptr, 16);
    if (w.at("alignment").get<uint64_t>() != kBundleAlignment) corrupt(dir, "unexpected weights alignment");
    std::shared_ptr<const MappedFile> file;
    try {
      file = MappedFile::open(dir + "/weights.bin");
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kNotFound) throw Error(ErrorCode::kNotFound, "bundle '" + dir + "': weights.bin missing");
      throw;
    }
    if (file->size() != wsize) {
      corrupt(dir, "weights.bin is " + std::to_string(file->size()) + " bytes, manifest records " + std::to_string(wsize) +
                       (file->size() < wsize ? " (truncated)" : ""));
    }
    b->weights_ = file;
    const JsonRef extra_files = m.at("extra_files"), graphs = m.at("graphs");
    if (!extra_files.is_array() || !graphs.is_array()) corrupt(dir, "manifest.json: extra_files and graphs must be arrays");
    for (const JsonRef jf : extra_files) {
      std::string name = jf.at("name").get<std::string>();
      if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..") {
        corrupt(dir, "invalid extra file name '" + name + "'");
      }
      const std::string h = jf.at("hash").get<std::string>();
      if (h.size() != 16) corrupt(dir, "extra file '" + name + "' hash malformed");
      b->extra_hashes_[name] = std::stoull(h, nullptr, 16);
      b->extra_files_.push_back(name);
    }
    auto resolve = [&](uint64_t off, uint64_t nbytes, const std::string& tname) -> ConstData {
      if (off % kBundleAlignment != 0) corrupt(dir, "constant '" + tname + "' offset " + std::to_string(off) + " not aligned");
      if (off > wsize || nbytes > wsize - off) {
        corrupt(dir, "constant '" + tname + "' [" + std::to_string(off) + ", +" + std::to_string(nbytes) +
                         ") lies outside weights.bin (" + std::to_string(wsize) + " bytes)");
      }
      return ConstData::view(file, file->data() + off, static_cast<size_t>(nbytes));
    };
    // Where each named constant lies in weights.bin: a name shared by several graphs (weights stored once) must
    // point at the same bytes in each, and different constants never overlap (no constant aliases another's bytes).
    std::map<std::string, std::pair<uint64_t, uint64_t>> ranges;  // name -> [offset, offset + nbytes)
    for (const JsonRef jg : graphs) {
      Graph g;
      try {
        g = graph_from_json(jg, resolve);
      } catch (const Error& e) {
        if (e.code() != ErrorCode::kCorruptFile) throw;
        corrupt(dir, e.what());  // "graph '<name>': ..."
      }
      try {
        verify(g);
      } catch (const Error& e) {
        const std::string what = e.what(), prefix = "graph '" + g.name() + "': ";
        corrupt(dir, "invalid graph '" + g.name() + "': " + (what.rfind(prefix, 0) == 0 ? what.substr(prefix.size()) : what));
      }
      for (const Tensor& t : g.tensors()) {
        if (t.kind != TensorKind::kConstant) continue;
        const uint64_t off = static_cast<uint64_t>(t.data.data - file->data());
        const auto [it, fresh] = ranges.emplace(t.name, std::make_pair(off, off + t.data.nbytes));
        if (!fresh && it->second != std::make_pair(off, off + t.data.nbytes))
          corrupt(dir, "constant '" + t.name + "' of graph '" + g.name() + "' lies at [" + std::to_string(off) + ", +" +
                           std::to_string(t.data.nbytes) + ") but at [" + std::to_string(it->second.first) + ", +" +
                           std::to_string(it->second.second - it->second.first) + ") in another graph");
      }
      std::string name = g.name();
      if (!b->graphs_.emplace(name, std::move(g)).second) corrupt(dir, "duplicate graph '" + name + "'");
    }
    // Back-end artifacts: opaque bytes in weights.bin after the constants (absent in bundles without any).
    std::vector<std::pair<std::pair<uint64_t, uint64_t>, std::string>> artifact_ranges;
    if (const auto artifacts = m.find("backend_artifacts")) {
      if (!artifacts->is_array()) corrupt(dir, "manifest.json: backend_artifacts must be an array");
      for (const JsonRef ja : *artifacts) {
        const std::string backend = ja.at("backend").get<std::string>(), graph = ja.at("graph").get<std::string>();
        const uint64_t off = ja.at("offset").get<uint64_t>(), nbytes = ja.at("size").get<uint64_t>();
        const std::string what = "artifact of back end '" + backend + "' for graph '" + graph + "'";
        if (!valid_backend_name(backend)) corrupt(dir, what + ": invalid back-end name");
        if (!b->graphs_.count(graph)) corrupt(dir, what + ": no such graph");
        if (nbytes == 0) corrupt(dir, what + ": empty");
        if (off % kBundleAlignment != 0 || off > wsize || nbytes > wsize - off)
          corrupt(dir, what + ": [" + std::to_string(off) + ", +" + std::to_string(nbytes) +
                           ") is not an aligned range of weights.bin (" + std::to_string(wsize) + " bytes)");
        const ArtifactView view{file->data() + off, static_cast<size_t>(nbytes)};
        if (!b->artifacts_.emplace(std::make_pair(backend, graph), view).second) corrupt(dir, what + ": listed twice");
        artifact_ranges.push_back({{off, off + nbytes}, what});
      }
    }
    // No two byte ranges of weights.bin (constants, artifacts) overlap.
    std::vector<std::pair<std::pair<uint64_t, uint64_t>, std::string>> sorted;
    sorted.reserve(ranges.size() + artifact_ranges.size());
    for (const auto& [name, range] : ranges)
      if (range.second > range.first) sorted.push_back({range, "constant '" + name + "'"});  // empty ones own no bytes
    sorted.insert(sorted.end(), artifact_ranges.begin(), artifact_ranges.end());
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 1; i < sorted.size(); ++i)
      if (sorted[i].first.first < sorted[i - 1].first.second)
        corrupt(dir, sorted[i - 1].second + " and " + sorted[i].second + " overlap in weights.bin (bytes " +
                         std::to_string(sorted[i].first.first) + " to " +
                         std::to_string(std::min(sorted[i].first.second, sorted[i - 1].first.second)) + ")");
  } catch (const JsonAccessError& e) {
    corrupt(dir, std::string("malformed manifest (") + e.what() + ")");
  } catch (const std::invalid_argument&) {
    corrupt(dir, "malformed weights hash");
  } catch (const std::out_of_range&) {
    corrupt(dir, "malformed weights hash");
  }
  return b;
}

void Bundle::verify_checksums() const {
  auto file = std::static_pointer_cast<const MappedFile>(weights_);
  uint64_t h = bundle_hash64(file->data(), file->size());
  if (h != weights_hash_) {
    throw Error(ErrorCode::kCorruptFile, "bundle '" + dir_ + "': weights.bin checksum mismatch (recorded " +
                                             hex64(weights_hash_) + ", computed " + hex64(h) + ")");
  }
  verify_extra_files();
}

void Bundle::verify_extra_files() const {
  for (const auto& [name, want] : extra_hashes_) {
    auto f = MappedFile::open(dir_ + "/" + name);
    if (bundle_hash64(f->data(), f->size()) != want) {
      throw Error(ErrorCode::kCorruptFile, "bundle '" + dir_ + "': " + name + " checksum mismatch");
    }
  }
}

namespace {

// The identity of weights.bin's current contents as far as the file system tells: "" when it cannot be read.
std::string weights_stamp(const std::string& path, uint64_t hash) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "";
  char buf[192];
  std::snprintf(buf, sizeof buf, "edgevl-verified 1 size %lld ino %llu mtime %lld.%09ld ctime %lld.%09ld hash %016llx\n",
                static_cast<long long>(st.st_size), static_cast<unsigned long long>(st.st_ino),
                static_cast<long long>(st.st_mtim.tv_sec), st.st_mtim.tv_nsec,
                static_cast<long long>(st.st_ctim.tv_sec), st.st_ctim.tv_nsec,
                static_cast<unsigned long long>(hash));
  return buf;
}

}  // namespace

bool Bundle::verify_checksums_once() const {
  const std::string weights = dir_ + "/weights.bin", stamp_path = dir_ + "/.verified";
  const std::string stamp = weights_stamp(weights, weights_hash_);
  if (!stamp.empty()) {
    std::ifstream in(stamp_path, std::ios::binary);
    std::string have(256, '\0');
    in.read(have.data(), static_cast<std::streamsize>(have.size()));
    have.resize(static_cast<size_t>(in.gcount()));
    if (have == stamp) {
      verify_extra_files();
      return false;
    }
  }
  verify_checksums();
  if (!stamp.empty()) {  // best effort: a read-only bundle is simply verified again next time
    const std::string tmp = stamp_path + ".tmp-" + std::to_string(::getpid());  // concurrent opens each write their own
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << stamp;
    out.close();
    if (!out || ::rename(tmp.c_str(), stamp_path.c_str()) != 0) ::unlink(tmp.c_str());
  }
  return true;
}

std::vector<std::string> Bundle::graph_names() const {
  std::vector<std::string> v;
  for (const auto& [k, g] : graphs_) v.push_back(k);
  return v;
}

const Graph& Bundle::graph(const std::string& name) const {
  auto it = graphs_.find(name);
  if (it == graphs_.end()) throw Error(ErrorCode::kNotFound, "bundle '" + dir_ + "' has no graph '" + name + "'");
  return it->second;
}

std::string Bundle::file_path(const std::string& extra_file) const {
  for (const auto& f : extra_files_) {
    if (f == extra_file) return dir_ + "/" + f;
  }
  throw Error(ErrorCode::kNotFound, "bundle '" + dir_ + "' has no file '" + extra_file + "'");
}

ArtifactView Bundle::artifact(const std::string& backend, const std::string& graph) const {
  const auto it = artifacts_.find({backend, graph});
  return it == artifacts_.end() ? ArtifactView{} : it->second;
}

size_t Bundle::weights_size() const { return std::static_pointer_cast<const MappedFile>(weights_)->size(); }

}  // namespace edgevl::qnn
