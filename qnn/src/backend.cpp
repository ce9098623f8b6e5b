// Back-end registry and the shared IoBuffer.
#include "edgevl/qnn/backend.h"

#include <cstring>
#include <mutex>

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

std::vector<uint8_t> Backend::build_artifact(const Graph&, const PrepareOptions&) const { return {}; }

namespace {

struct Registry {
  std::mutex mu;
  std::vector<const Backend*> backends{&emulator_backend()};
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

bool valid_backend_name(const std::string& name) {
  if (name.empty() || name.size() > 64) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-')) return false;
  return true;
}

void register_backend(const Backend& backend) {
  const std::string name = backend.name();
  if (!valid_backend_name(name))
    throw Error(ErrorCode::kInvalidArgument, "register_backend: name '" + name + "' is not 1-64 characters of [a-z0-9_-]");
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  for (const Backend* b : r.backends)
    if (name == b->name()) throw Error(ErrorCode::kInvalidArgument, "register_backend: back end '" + name + "' exists");
  r.backends.push_back(&backend);
}

std::vector<std::string> available_backends() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mu);
  std::vector<std::string> names;
  for (const Backend* b : r.backends) names.emplace_back(b->name());
  return names;
}

const Backend& backend_by_name(const std::string& name) {
  {
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mu);
    for (const Backend* b : r.backends)
      if (name == b->name()) return *b;
  }
  std::string list;
  for (const auto& n : available_backends()) list += (list.empty() ? "" : ", ") + n;
  throw Error(ErrorCode::kUnsupported, "back end '" + name + "' is not built into this EdgeVL (available: " + list +
                                           "; a QNN HTP back end needs Qualcomm's QAIRT SDK)");
}

}  // namespace edgevl::qnn
