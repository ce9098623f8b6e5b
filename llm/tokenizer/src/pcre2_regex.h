// A compiled PCRE2 pattern (UTF + UCP, JIT when available) used to split text into pre-tokens (internal).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace edgevl::llm::detail {

class Pcre2Regex {
 public:
  /// Compiles `pattern`. Throws edgevl::Error kUnsupported naming `source_name`, the pattern and PCRE2's message.
  Pcre2Regex(const std::string& pattern, const std::string& source_name);
  ~Pcre2Regex();
  Pcre2Regex(Pcre2Regex&&) noexcept;
  Pcre2Regex& operator=(Pcre2Regex&&) noexcept;

  /// HF Split with behavior "Isolated": every match and every non-empty gap between matches becomes a piece, in
  /// order, appended to `out` (views into `text`, which must be valid UTF-8). Thread-safe.
  void split_isolated(std::string_view text, std::vector<std::string_view>& out) const;

  /// `s` with every regex metacharacter escaped (for literal String patterns).
  static std::string quote(const std::string& s);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace edgevl::llm::detail
