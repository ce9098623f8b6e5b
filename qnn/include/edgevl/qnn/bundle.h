// The compiled bundle: a directory NAME.evl/ holding
//   manifest.json  — format version, family, caller's model metadata, graphs (ops, params, tensors with shapes, dtypes,
//                    quant encodings, constant offsets into weights.bin, constant ids), extra files, checksums;
//   weights.bin    — every constant once, each 64-byte aligned; a constant shared by several graphs (same name, same
//                    bytes) is stored ONCE and every graph references the same offset; after the constants, the
//                    back ends' artifacts (Backend::build_artifact), 64-byte aligned too, listed in the manifest's
//                    "backend_artifacts" by back end and graph;
//   extra files    — copied in verbatim (tokenizer.json, preprocessor_config.json, …).
// Full format: docs/graph-ir.md.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgevl/qnn/backend.h"
#include "edgevl/qnn/graph.h"

namespace edgevl::qnn {

/// Format version written by this build; open() rejects any other (newer: kUnsupported, older: kUnsupported too).
constexpr int kBundleFormatVersion = 1;
/// Alignment of every constant in weights.bin, bytes.
constexpr size_t kBundleAlignment = 64;

/// One back end's compiled form of one graph of the bundle (Backend::build_artifact), stored opaque.
struct BackendArtifact {
  std::string backend;         ///< Backend::name(), valid_backend_name()
  std::string graph;           ///< name of a graph written into the same bundle
  std::vector<uint8_t> bytes;  ///< non-empty
};

struct BundleWriterOptions {
  std::string family;                     ///< model family, e.g. "qwen2vl" (opaque to qnn)
  nlohmann::json model_metadata;          ///< any JSON the caller wants back at open (config, buckets, …)
  std::vector<std::string> extra_files;   ///< paths copied into the bundle under their file name (must be unique)
  std::vector<BackendArtifact> artifacts; ///< at most one per (back end, graph)
};

/// Progress callback: stage ("weights", "extra_files", "finalize"), work done and total in bytes (or files). Throwing
/// from it aborts the write (the exception propagates; nothing openable is left behind).
using BundleProgress = std::function<void(const std::string& stage, size_t done, size_t total)>;

/// Writes `graphs` (each must pass verify(); names unique) to the bundle directory `dir` (conventionally NAME.evl).
/// Streams constants straight from the graphs' ConstData into weights.bin (no second copy in memory). Atomic: writes into
/// DIR.tmp-XXXXXX/bundle next to `dir`, fsyncs the files, then renames it to `dir` (an existing bundle at `dir` is
/// swapped out in one RENAME_EXCHANGE and removed; any other existing file/dir there is an error); DIR.tmp-XXXXXX itself
/// never opens as a bundle. On failure the temporary directory is removed. It holds a flock()ed `.writer.lock` while its
/// writer lives; each write first removes DIR.tmp-* / DIR.old-* directories whose writer died (lock free, or no lock and
/// empty or older than 60 s). Throws
/// kInvalidArgument (two constants with the same name but different bytes/shape/dtype across graphs, duplicate graph or
/// extra-file names, invalid graph, an artifact for an unknown graph, an invalid back-end name, an empty or duplicate
/// artifact), kNotFound (missing extra file), kIo (write/fsync/rename failures).
void write_bundle(const std::string& dir, const std::vector<Graph>& graphs, const BundleWriterOptions& options,
                  const BundleProgress& progress = {});

/// A locked working directory beside the bundle path `bundle_dir`: `DIR.tmp-XXXXXX` (mkdtemp), holding an flock()ed
/// `.writer.lock` for as long as this object lives — the kind of directory write_bundle writes in. It never opens as a
/// bundle itself; while its owner lives no other writer touches it; once the owner died (however it died: the kernel
/// drops the lock) the next write_bundle or BundleWorkDir beside the same path removes it; the destructor removes it
/// and everything in it. For scratch files of a long job on a bundle path, e.g. the float bundle a quantized compile
/// calibrates on (path() + "/calibration.evl"). Creating one first removes the dead writers' temporaries. Throws kIo
/// (cannot create or lock it), kInvalidArgument (empty path).
class BundleWorkDir {
 public:
  explicit BundleWorkDir(const std::string& bundle_dir);
  ~BundleWorkDir();
  BundleWorkDir(const BundleWorkDir&) = delete;
  BundleWorkDir& operator=(const BundleWorkDir&) = delete;
  /// The directory, e.g. "out/model.evl.tmp-a1B2c3".
  const std::string& path() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// An opened bundle: weights.bin is memory-mapped and every graph's constants are views into the mapping (no copy, and a
/// constant shared by several graphs has the SAME address in all of them). Immutable; thread-safe to share.
class Bundle {
 public:
  /// Opens and validates: manifest parse, manifest checksum, format version (≠ kBundleFormatVersion → kUnsupported),
  /// every tensor's dtype × shape = byte count, offsets in range and 64-byte aligned, weights.bin size as recorded, every
  /// graph passes verify(), every back-end artifact inside weights.bin, aligned, for a graph of the bundle, once per
  /// (back end, graph). Cheap: does NOT hash the weights (see verify_checksums()).
  /// Throws kNotFound (no directory / manifest.json / weights.bin), kCorruptFile (malformed or inconsistent contents,
  /// truncated weights), kUnsupported (format version).
  static std::shared_ptr<const Bundle> open(const std::string& dir);

  /// Hashes all of weights.bin (64-bit, several GB/s) and every extra file and compares with the manifest; throws
  /// kCorruptFile naming the file on mismatch (kNotFound / kIo if an extra file vanished).
  /// Separate from open() because hashing gigabytes at every open would dominate load time.
  void verify_checksums() const;

  /// verify_checksums() at most once per change of weights.bin: after a pass it writes `.verified` into the bundle
  /// (weights.bin's size, inode, modification and status-change times in ns, and the recorded hash); when that stamp
  /// still matches, only the extra files (small) are hashed. Any write to weights.bin changes its status-change time
  /// (ctime, which no user call can set back), so corrupt or replaced weights are hashed again. A bundle whose
  /// directory is not writable is hashed at every call. Returns true when weights.bin was hashed. Throws as
  /// verify_checksums().
  bool verify_checksums_once() const;

  const std::string& dir() const { return dir_; }
  const std::string& family() const { return family_; }
  int format_version() const { return format_version_; }
  const nlohmann::json& model_metadata() const { return metadata_; }
  std::vector<std::string> graph_names() const;
  /// Throws kNotFound naming the graph.
  const Graph& graph(const std::string& name) const;
  bool has_graph(const std::string& name) const { return graphs_.count(name) != 0; }
  /// Full path of an extra file copied in at write time (by its file name). Throws kNotFound.
  std::string file_path(const std::string& extra_file) const;
  std::vector<std::string> extra_files() const { return extra_files_; }
  /// Size of weights.bin, bytes.
  size_t weights_size() const;
  /// The artifact `backend` stored for `graph` (BundleWriterOptions::artifacts), or an empty view when there is none.
  /// Open checked that it lies inside weights.bin, aligned, for a graph of this bundle; its bytes are covered by the
  /// weights checksum (verify_checksums), not interpreted: the back end validates them.
  ArtifactView artifact(const std::string& backend, const std::string& graph) const;

  Bundle(const Bundle&) = delete;
  Bundle& operator=(const Bundle&) = delete;
  ~Bundle();

 private:
  Bundle() = default;
  struct Impl;
  void verify_extra_files() const;

  std::string dir_;
  std::string family_;
  int format_version_ = 0;
  nlohmann::json metadata_;
  std::map<std::string, Graph> graphs_;
  std::vector<std::string> extra_files_;
  std::shared_ptr<const void> weights_;   // the MappedFile
  uint64_t weights_hash_ = 0;
  std::map<std::string, uint64_t> extra_hashes_;
  std::map<std::pair<std::string, std::string>, ArtifactView> artifacts_;  // by (back end, graph)
};

/// The 64-bit hash used for bundle checksums (FNV-1a–style mixing over 8-byte words, with a length finalizer). Exposed for
/// tests and tools. Hashes `n` bytes at `data`; `seed` chains calls.
uint64_t bundle_hash64(const void* data, size_t n, uint64_t seed = 0);

}  // namespace edgevl::qnn
