// EdgeVL's one exception type. Every layer (qnn, models, vision, llm, sdk) throws edgevl::Error, so a user of the
// public API catches one type and can branch on its code. It lives in qnn/, the bottom layer that depends on nothing of
// ours, and is re-exported by the public API (sdk/include/edgevl/edgevl.h).
#pragma once

#include <stdexcept>
#include <string>

namespace edgevl {

/// What went wrong, coarse enough to branch on. The message says which input and what about it.
enum class ErrorCode {
  kInvalidArgument,  ///< a parameter or request is malformed (empty prompt, bad flag value, invalid UTF-8 …)
  kNotFound,         ///< a file, tensor, graph or token that must exist does not
  kCorruptFile,      ///< a file exists but its contents are malformed, truncated or fail a checksum
  kUnsupported,      ///< well-formed input EdgeVL does not handle (format version, dtype, model family …)
  kShapeMismatch,    ///< a tensor or input has the wrong shape or dtype
  kContextOverflow,  ///< the prompt (plus generation) does not fit the compiled context length
  kCancelled,        ///< the operation was cancelled by the caller
  kIo,               ///< the operating system failed a read, write, mmap or rename
  kInternal,         ///< a bug in EdgeVL: please report it
};

/// Short stable name of a code, e.g. "corrupt_file".
inline const char* error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kCorruptFile: return "corrupt_file";
    case ErrorCode::kUnsupported: return "unsupported";
    case ErrorCode::kShapeMismatch: return "shape_mismatch";
    case ErrorCode::kContextOverflow: return "context_overflow";
    case ErrorCode::kCancelled: return "cancelled";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

/// The exception every EdgeVL function throws. what() is the message alone; code() tells the category.
class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

}  // namespace edgevl
