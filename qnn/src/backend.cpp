// Back-end registry and the shared IoBuffer.
#include "edgevl/qnn/backend.h"

#include <cstring>

#include "edgevl/error.h"
#include "edgevl/qnn/emulator.h"

namespace edgevl::qnn {

const char* float_mode_name(FloatMode m) { return m == FloatMode::kFp16 ? "fp16" : "fp32"; }

FloatMode float_mode_from_name(const std::string& name) {
  if (name == "fp32") return FloatMode::kFp32;
  if (name == "fp16") return FloatMode::kFp16;
  throw Error(ErrorCode::kCorruptFile, "float mode '" + name + "' is not fp32 or fp16");
}

IoBuffer::IoBuffer(size_t nbytes) : ptr_(new uint8_t[nbytes + 64]()), nbytes_(nbytes) {
  const auto p = reinterpret_cast<uintptr_t>(ptr_.get());
  offset_ = (64 - p % 64) % 64;
}

std::vector<std::string> available_backends() { return {emulator_backend().name()}; }

const Backend& backend_by_name(const std::string& name) {
  if (name == emulator_backend().name()) return emulator_backend();
  std::string list;
  for (const auto& n : available_backends()) list += (list.empty() ? "" : ", ") + n;
  throw Error(ErrorCode::kUnsupported, "back end '" + name + "' is not built into this EdgeVL (available: " + list +
                                           "; a QNN HTP back end needs Qualcomm's QAIRT SDK)");
}

}  // namespace edgevl::qnn
