#include "edgevl/generation.h"

#include "edgevl/error.h"
#include "edgevl/model.h"

namespace edgevl {

GenerationConfig GenerationConfig::merged_with(const GenerationConfig& d) const {
  GenerationConfig r;
  r.max_new_tokens = max_new_tokens ? max_new_tokens : d.max_new_tokens;
  r.min_new_tokens = min_new_tokens ? min_new_tokens : d.min_new_tokens;
  r.temperature = temperature ? temperature : d.temperature;
  r.top_k = top_k ? top_k : d.top_k;
  r.top_p = top_p ? top_p : d.top_p;
  r.repetition_penalty = repetition_penalty ? repetition_penalty : d.repetition_penalty;
  r.seed = seed ? seed : d.seed;
  r.stop = stop.empty() ? d.stop : stop;
  return r;
}

const char* stop_reason_name(StopReason reason) {
  switch (reason) {
    case StopReason::kEos: return "eos";
    case StopReason::kMaxTokens: return "max_tokens";
    case StopReason::kContextFull: return "context_full";
    case StopReason::kStopString: return "stop_string";
    case StopReason::kCallback: return "callback";
    case StopReason::kCancelled: return "cancelled";
  }
  return "unknown";
}

const char* precision_name(Precision precision) {
  switch (precision) {
    case Precision::kFp32: return "fp32";
    case Precision::kFp16: return "fp16";
    case Precision::kW8A16: return "w8a16";
    case Precision::kW4A16: return "w4a16";
  }
  return "unknown";
}

Precision precision_from_name(const std::string& name) {
  for (Precision p : {Precision::kFp32, Precision::kFp16, Precision::kW8A16, Precision::kW4A16})
    if (name == precision_name(p)) return p;
  throw Error(ErrorCode::kInvalidArgument, "precision '" + name + "' is not one of fp32, fp16, w8a16, w4a16");
}

}  // namespace edgevl
