#include "edgevl/qnn/json_limits.h"

#include "edgevl/error.h"

namespace edgevl::qnn {

void check_json_depth(std::string_view text, const std::string& source, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;  // skip the escaped character (\" and \\ included)
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    switch (c) {
      case '"': in_string = true; break;
      case '[':
      case '{':
        if (++depth > max_depth)
          throw Error(ErrorCode::kCorruptFile, source + ": JSON nesting deeper than " + std::to_string(max_depth) +
                                                   " levels at byte " + std::to_string(i) +
                                                   " (refused, as safetensors' depth limit of 128)");
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;  // unbalanced input is the parser's to report
        break;
      default: break;
    }
  }
}

nlohmann::json parse_json_bounded(std::string_view text, const std::string& source) {
  check_json_depth(text, source);
  try {
    return nlohmann::json::parse(text.data(), text.data() + text.size());
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorCode::kCorruptFile, source + ": not valid JSON (" + e.what() + ")");
  }
}

namespace {

constexpr int kExcerptDepth = 4;

std::string dump_scalar(const nlohmann::json& v, size_t limit) {
  constexpr auto kReplace = nlohmann::json::error_handler_t::replace;  // invalid UTF-8 never throws here
  if (v.is_string()) {
    const std::string& s = v.get_ref<const std::string&>();
    if (s.size() > limit) return nlohmann::json(s.substr(0, limit)).dump(-1, ' ', false, kReplace);
  }
  return v.dump(-1, ' ', false, kReplace);
}

// Appends a rendering of v to out until out holds more than `limit` characters; returns false if it stopped early.
bool excerpt(const nlohmann::json& v, std::string& out, size_t limit, int depth) {
  if (!v.is_array() && !v.is_object()) {
    out += dump_scalar(v, limit);
    return out.size() <= limit;
  }
  const bool arr = v.is_array();
  if (v.empty() || depth >= kExcerptDepth) {
    out += v.empty() ? (arr ? "[]" : "{}") : (arr ? "[...]" : "{...}");
    return out.size() <= limit;
  }
  out += arr ? '[' : '{';
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!first) out += ",";
    first = false;
    if (!arr) out += dump_scalar(nlohmann::json(it.key()), limit) + ":";
    if (out.size() > limit || !excerpt(it.value(), out, limit, depth + 1)) return false;
  }
  out += arr ? ']' : '}';
  return out.size() <= limit;
}

}  // namespace

std::string json_excerpt(const nlohmann::json& v, size_t max_chars) {
  std::string out;
  if (!excerpt(v, out, max_chars, 0)) {
    size_t n = max_chars;
    while (n > 0 && (static_cast<unsigned char>(out[n]) & 0xC0) == 0x80) --n;  // never cut a UTF-8 sequence
    out.resize(n);
    out += "...";
  }
  return out;
}

}  // namespace edgevl::qnn
