// The back-end seam: a Backend prepares graphs of the IR into Executables and owns the I/O buffers a run binds, so a
// device back end (QNN HTP, later) can hand out shared, registered memory. Chosen by name when a bundle is opened.
// Today's only back end is "emulator" (the CPU back end, emulator.h). Modelled on ExecuTorch's BackendInterface
// (init → execute) with errors thrown as edgevl::Error.
#pragma once

#include <cstddef>
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

class Backend {
 public:
  virtual ~Backend() = default;
  /// Stable name stored in bundles and given to backend_by_name(), e.g. "emulator".
  virtual const char* name() const = 0;
  /// Prepares `graph` (verified first). Throws kUnsupported for an op, dtype or encoding this back end has no kernel
  /// for (naming the op and the tensor), plus whatever verify() throws.
  virtual std::unique_ptr<Executable> prepare(const Graph& graph, const PrepareOptions& options) const = 0;
  /// A buffer for the graph tensor `t` (an input or output): t.nbytes() bytes, zero-filled.
  virtual IoBuffer allocate(const Tensor& t) const = 0;
};

/// The back end called `name`. Throws kUnsupported naming it and listing the available ones.
const Backend& backend_by_name(const std::string& name);
/// Names of the back ends built into this library, e.g. {"emulator"}.
std::vector<std::string> available_backends();

}  // namespace edgevl::qnn
