#include "json_tape.h"

#include "edgevl/qnn/json_limits.h"

namespace edgevl::qnn {

namespace {

const char* type_name(JsonRef::Type t) {
  switch (t) {
    case JsonRef::Type::kNull: return "null";
    case JsonRef::Type::kBool: return "boolean";
    case JsonRef::Type::kInt:
    case JsonRef::Type::kUInt:
    case JsonRef::Type::kFloat: return "number";
    case JsonRef::Type::kString: return "string";
    case JsonRef::Type::kObject: return "object";
    case JsonRef::Type::kArray: return "array";
  }
  return "?";
}

}  // namespace

// nlohmann SAX events to nodes: a value is appended where it starts; a container's `next` is set when it ends.
struct JsonTape::Builder : nlohmann::json_sax<nlohmann::json> {
  JsonTape& tape;
  std::vector<uint32_t> open;  // containers not yet ended
  uint32_t key_off = 0, key_len = 0;
  bool too_deep = false;
  std::string error;

  explicit Builder(JsonTape& t) : tape(t) {}

  Node& add(JsonRef::Type type) {
    if (!open.empty()) ++tape.nodes_[open.back()].count;
    const bool member = !open.empty() && tape.nodes_[open.back()].type == JsonRef::Type::kObject;
    Node n{};
    n.type = type;
    n.next = static_cast<uint32_t>(tape.nodes_.size() + 1);
    n.key_off = member ? key_off : 0;
    n.key_len = member ? key_len : 0;
    tape.nodes_.push_back(n);
    return tape.nodes_.back();
  }
  uint32_t store(const std::string& s) {
    const auto off = static_cast<uint32_t>(tape.strings_.size());
    tape.strings_ += s;
    return off;
  }
  bool start(JsonRef::Type type) {
    if (open.size() >= static_cast<size_t>(kMaxJsonDepth)) {  // nlohmann's parser is iterative: stopping here is safe
      too_deep = true;
      return false;
    }
    add(type);
    open.push_back(static_cast<uint32_t>(tape.nodes_.size() - 1));
    return true;
  }
  bool end() {
    tape.nodes_[open.back()].next = static_cast<uint32_t>(tape.nodes_.size());
    open.pop_back();
    return true;
  }

  bool null() override { return add(JsonRef::Type::kNull), true; }
  bool boolean(bool b) override { return add(JsonRef::Type::kBool).v.b = b, true; }
  bool number_integer(number_integer_t x) override { return add(JsonRef::Type::kInt).v.i = x, true; }
  bool number_unsigned(number_unsigned_t x) override { return add(JsonRef::Type::kUInt).v.u = x, true; }
  bool number_float(number_float_t x, const string_t&) override { return add(JsonRef::Type::kFloat).v.d = x, true; }
  bool string(string_t& s) override {
    const uint32_t off = store(s);
    Node& n = add(JsonRef::Type::kString);
    n.v.s.off = off;
    n.v.s.len = static_cast<uint32_t>(s.size());
    return true;
  }
  bool binary(binary_t&) override { return false; }  // not produced by the JSON input format
  bool start_object(std::size_t) override { return start(JsonRef::Type::kObject); }
  bool key(string_t& k) override {
    key_off = store(k);
    key_len = static_cast<uint32_t>(k.size());
    return true;
  }
  bool end_object() override { return end(); }
  bool start_array(std::size_t) override { return start(JsonRef::Type::kArray); }
  bool end_array() override { return end(); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    error = e.what();
    return false;
  }
};

JsonTape JsonTape::parse(std::string_view text, const std::string& source) {
  // Offsets are 32-bit: refuse what could overflow them (callers bound their files far below this).
  if (text.size() >= (size_t{1} << 32))
    throw Error(ErrorCode::kCorruptFile,
                source + ": JSON text of " + std::to_string(text.size()) + " bytes is too large");
  JsonTape t;
  Builder b(t);
  const bool ok = nlohmann::json::sax_parse(text.data(), text.data() + text.size(), &b);
  if (b.too_deep)
    throw Error(ErrorCode::kCorruptFile, source + ": JSON nesting deeper than " + std::to_string(kMaxJsonDepth) +
                                             " levels (refused, as safetensors' depth limit of 128)");
  if (!ok || t.nodes_.empty())
    throw Error(ErrorCode::kCorruptFile,
                source + ": not valid JSON (" + (b.error.empty() ? "no value" : b.error) + ")");
  return t;
}

JsonRef::Type JsonRef::type() const { return tape_->nodes_[i_].type; }

size_t JsonRef::size() const { return tape_->nodes_[i_].count; }

std::string_view JsonRef::key() const {
  const JsonTape::Node& n = tape_->nodes_[i_];
  return std::string_view(tape_->strings_).substr(n.key_off, n.key_len);
}

std::string_view JsonRef::string_view() const {
  const JsonTape::Node& n = tape_->nodes_[i_];
  if (n.type != Type::kString) wrong_type("string");
  return std::string_view(tape_->strings_).substr(n.v.s.off, n.v.s.len);
}

std::optional<JsonRef> JsonRef::find(std::string_view k) const {
  if (!is_object()) return std::nullopt;
  std::optional<JsonRef> found;
  for (JsonRef m : *this)
    if (m.key() == k) found = m;
  return found;
}

JsonRef JsonRef::at(std::string_view k) const {
  if (!is_object()) wrong_type("object");
  if (auto m = find(k)) return *m;
  throw JsonAccessError("key '" + std::string(k) + "' not found");
}

JsonRef::Iterator& JsonRef::Iterator::operator++() {
  i_ = tape_->nodes_[i_].next;
  return *this;
}

JsonRef::Iterator JsonRef::begin() const {
  const bool container = is_object() || is_array();
  return Iterator(tape_, container ? i_ + 1 : tape_->nodes_[i_].next);
}

JsonRef::Iterator JsonRef::end() const { return Iterator(tape_, tape_->nodes_[i_].next); }

double JsonRef::number() const {
  const JsonTape::Node& n = tape_->nodes_[i_];
  switch (n.type) {
    case Type::kInt: return static_cast<double>(n.v.i);
    case Type::kUInt: return static_cast<double>(n.v.u);
    case Type::kFloat: return n.v.d;
    default: wrong_type("number");
  }
}

void JsonRef::wrong_type(const char* wanted) const {
  throw JsonAccessError(std::string("type must be ") + wanted + ", but is " + type_name(type()));
}

nlohmann::json JsonRef::to_json() const {  // recursion bounded by check_json_depth()
  const JsonTape::Node& n = tape_->nodes_[i_];
  switch (n.type) {
    case Type::kNull: return nullptr;
    case Type::kBool: return n.v.b;
    case Type::kInt: return n.v.i;
    case Type::kUInt: return n.v.u;
    case Type::kFloat: return n.v.d;
    case Type::kString: return std::string(string_view());
    case Type::kObject: {
      nlohmann::json o = nlohmann::json::object();
      for (JsonRef m : *this) o[std::string(m.key())] = m.to_json();
      return o;
    }
    case Type::kArray: {
      nlohmann::json a = nlohmann::json::array();
      for (JsonRef e : *this) a.push_back(e.to_json());
      return a;
    }
  }
  return nullptr;
}

}  // namespace edgevl::qnn
