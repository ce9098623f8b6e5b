// The back-end seam: a Backend prepares graphs of the IR into Executables and owns the I/O buffers a run binds, so a
// device back end (QNN HTP, later) can hand out shared, registered memory. It may also compile a graph ahead of time
// into an artifact of its own (build_artifact), which the bundle stores beside the IR and hands back to prepare() at
// open. Chosen by name when a bundle is opened. Built in: "emulator" (the CPU back end, emulator.h); others are
// registered at run time (register_backend). Modelled on ExecuTorch's BackendInterface (init → execute) and
// register_backend, with errors thrown as edgevl::Error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "edgevl/qnn/executable.h"

namespace edgevl::qnn {

/// How float tensors of a graph are computed (the emulator's float mode): kFp32 = float32 (the reference); kFp16 =
/// every float op output rounded to float16 and float constants/inputs rounded to float16, as the HTP's FP16 mode.
/// Quantized tensors follow their encodings whatever the mode.
enum class FloatMode { kFp32, kFp16 };
const char* float_mode_name(FloatMode m);           ///< "fp32" / "fp16"
FloatMode float_mode_from_name(const std::string& name);  ///< throws kCorruptFile for another name

struct PrepareOptions {
  FloatMode float_mode = FloatMode::kFp32;
  int num_threads = 0;  ///< CPU threads (≤ 0: hardware_concurrency); ignored by device back ends
};

/// A host buffer for one graph input or output, allocated by the back end (64-byte aligned; a device back end may
/// return memory registered with the accelerator). Owns its bytes.
class IoBuffer {
 public:
  IoBuffer() = default;
  explicit IoBuffer(size_t nbytes);
  void* data() { return nbytes_ ? ptr_.get() + offset_ : nullptr; }
  const void* data() const { return nbytes_ ? ptr_.get() + offset_ : nullptr; }
  size_t nbytes() const { return nbytes_; }

 private:
  std::unique_ptr<uint8_t[]> ptr_;
  size_t offset_ = 0, nbytes_ = 0;
};

/// A back end's artifact for one graph as stored in a bundle (Bundle::artifact): a view into the bundle's mapping of
/// weights.bin, 64-byte aligned, covered by its checksum. Empty when the bundle holds none.
struct ArtifactView {
  const uint8_t* data = nullptr;
  size_t size = 0;  ///< bytes
  bool empty() const { return size == 0; }
};

class Backend {
 public:
  virtual ~Backend() = default;
  /// Stable name stored in bundles and given to backend_by_name(), e.g. "emulator".
  virtual const char* name() const = 0;
  /// Ahead-of-time step, run by the compiler once per graph of a bundle: this back end's own compiled form of `graph`
  /// (e.g. a QNN HTP back end returns the context binary of QnnContext_getBinary, so a phone skips graph
  /// finalization at open). The bundle stores it under this back end's name and hands it back to prepare(). Empty:
  /// nothing to store — the default, and the emulator's (it prepares from the IR alone). Throws as prepare().
  virtual std::vector<uint8_t> build_artifact(const Graph& graph, const PrepareOptions& options) const;
  /// Prepares `graph` (verified first), with the artifact build_artifact() made for it if the bundle holds one (empty
  /// otherwise: a back end that needs one throws kUnsupported saying the bundle was compiled for another back end).
  /// The artifact is untrusted input like the rest of the bundle: a back end validates it (kCorruptFile). Throws
  /// kUnsupported for an op, dtype or encoding this back end has no kernel for (naming the op and the tensor), plus
  /// whatever verify() throws.
  virtual std::unique_ptr<Executable> prepare(const Graph& graph, const PrepareOptions& options,
                                              ArtifactView artifact) const = 0;
  /// prepare() without an artifact.
  std::unique_ptr<Executable> prepare(const Graph& graph, const PrepareOptions& options) const {
    return prepare(graph, options, ArtifactView{});
  }
  /// A buffer for the graph tensor `t` (an input or output): t.nbytes() bytes, zero-filled.
  virtual IoBuffer allocate(const Tensor& t) const = 0;
};

/// The back end called `name`. Throws kUnsupported naming it and listing the available ones.
const Backend& backend_by_name(const std::string& name);
/// Names of the back ends available: the built-in ones ({"emulator"}) and those registered, in that order.
std::vector<std::string> available_backends();
/// Makes `backend` available by its name() (e.g. a back end living in a library of its own). `backend` must outlive
/// every use (a static object, as ExecuTorch's register_backend asks). Thread-safe. Throws kInvalidArgument when the
/// name is taken or is not 1-64 characters of [a-z0-9_-].
void register_backend(const Backend& backend);
/// True when `name` is a valid back-end name (1-64 characters of [a-z0-9_-]); bundles store artifacts under it.
bool valid_backend_name(const std::string& name);

}  // namespace edgevl::qnn
