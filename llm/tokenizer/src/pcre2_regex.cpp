#define PCRE2_CODE_UNIT_WIDTH 8
#include "pcre2_regex.h"

#include <pcre2.h>

#include "edgevl/error.h"

namespace edgevl::llm::detail {

struct Pcre2Regex::Impl {
  pcre2_code* code = nullptr;
  bool jit = false;
  ~Impl() { pcre2_code_free(code); }
};

Pcre2Regex::Pcre2Regex(const std::string& pattern, const std::string& source_name) : impl_(std::make_unique<Impl>()) {
  int err = 0;
  PCRE2_SIZE off = 0;
  impl_->code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(), PCRE2_UTF | PCRE2_UCP,
                              &err, &off, nullptr);
  if (!impl_->code) {
    PCRE2_UCHAR msg[256];
    pcre2_get_error_message(err, msg, sizeof msg);
    throw Error(ErrorCode::kUnsupported, "tokenizer file '" + source_name + "': pre-tokenizer regex '" + pattern +
                                             "' does not compile at offset " + std::to_string(off) + ": " +
                                             reinterpret_cast<const char*>(msg));
  }
  impl_->jit = pcre2_jit_compile(impl_->code, PCRE2_JIT_COMPLETE) == 0;
}

Pcre2Regex::~Pcre2Regex() = default;
Pcre2Regex::Pcre2Regex(Pcre2Regex&&) noexcept = default;
Pcre2Regex& Pcre2Regex::operator=(Pcre2Regex&&) noexcept = default;

void Pcre2Regex::split_isolated(std::string_view text, std::vector<std::string_view>& out) const {
  if (text.empty()) return;
  pcre2_match_data* md = pcre2_match_data_create_from_pattern(impl_->code, nullptr);
  if (!md) throw Error(ErrorCode::kInternal, "pcre2_match_data_create failed (out of memory)");
  const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
  size_t pos = 0, gap_start = 0;
  while (pos < text.size()) {
    const int rc = impl_->jit ? pcre2_jit_match(impl_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr)
                              : pcre2_match(impl_->code, subject, text.size(), pos, PCRE2_NO_UTF_CHECK, md, nullptr);
    if (rc == PCRE2_ERROR_NOMATCH) break;
    if (rc < 0) {
      pcre2_match_data_free(md);
      PCRE2_UCHAR msg[256];
      pcre2_get_error_message(rc, msg, sizeof msg);
      throw Error(ErrorCode::kInternal, std::string("pre-tokenizer regex match failed: ") +
                                            reinterpret_cast<const char*>(msg));
    }
    const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(md);
    const size_t s = ov[0], e = ov[1];
    if (e == s) {  // empty match: step over one character
      size_t step = 1;
      while (s + step < text.size() && (static_cast<unsigned char>(text[s + step]) & 0xC0) == 0x80) ++step;
      pos = s + step;
      continue;
    }
    if (s > gap_start) out.push_back(text.substr(gap_start, s - gap_start));
    out.push_back(text.substr(s, e - s));
    pos = gap_start = e;
  }
  if (gap_start < text.size()) out.push_back(text.substr(gap_start));
  pcre2_match_data_free(md);
}

std::string Pcre2Regex::quote(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) r.push_back('\\');
    r.push_back(c);
  }
  return r;
}

}  // namespace edgevl::llm::detail
