// Test helpers for edgevl::Error: the code a call throws, and "throws this code with a message naming these things".
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "edgevl/error.h"

namespace edgevl::test {

/// Runs `f` and returns the code of the edgevl::Error it throws (its message in *message when given). When `f`
/// throws nothing, records a test failure and returns ErrorCode::kInternal.
inline ErrorCode error_code_of(const std::function<void()>& f, std::string* message = nullptr) {
  try {
    f();
  } catch (const Error& e) {
    if (message) *message = e.what();
    return e.code();
  }
  ADD_FAILURE() << "no edgevl::Error thrown";
  return ErrorCode::kInternal;
}

/// Expects `f` to throw an edgevl::Error with `code` whose message contains every string of `parts`.
inline void expect_error(const std::function<void()>& f, ErrorCode code, const std::vector<std::string>& parts = {}) {
  std::string message;
  const ErrorCode got = error_code_of(f, &message);
  EXPECT_EQ(std::string(error_code_name(got)), error_code_name(code)) << message;
  for (const std::string& p : parts)
    EXPECT_NE(message.find(p), std::string::npos) << "'" << p << "' not in: " << message;
}

}  // namespace edgevl::test
