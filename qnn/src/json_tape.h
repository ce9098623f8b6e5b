// JsonTape (internal): a parsed JSON document held as one array of nodes and one string arena, for large untrusted JSON
// that is read once, front to back: the bundle manifest (megabytes of graph tensors and ops). Against a nlohmann::json
// tree it saves the allocation of every value and key on parse and their release after (a 2B model's manifest: ~40 ms).
// Parsed by nlohmann's SAX parser, which stops at the first array/object nested deeper than kMaxJsonDepth: it accepts and
// refuses what parse_json_bounded() does, without that function's separate pre-scan of the text (the message gives no
// byte offset).
#pragma once

#include <cmath>
#include <cstdio>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <nlohmann/json.hpp>

#include "edgevl/error.h"

namespace edgevl::qnn {

class JsonTape;

/// What JsonRef throws when a value is absent or of another type (kCorruptFile); callers add which file and entry.
class JsonAccessError : public Error {
 public:
  explicit JsonAccessError(const std::string& message) : Error(ErrorCode::kCorruptFile, message) {}
};

/// One value of a JsonTape (valid while the tape lives).
class JsonRef {
 public:
  enum class Type : uint8_t { kNull, kBool, kInt, kUInt, kFloat, kString, kObject, kArray };

  Type type() const;
  bool is_object() const { return type() == Type::kObject; }
  bool is_array() const { return type() == Type::kArray; }
  bool is_string() const { return type() == Type::kString; }
  bool is_number_integer() const { return type() == Type::kInt || type() == Type::kUInt; }
  /// Members of an object, elements of an array; 0 for a scalar.
  size_t size() const;
  /// This value's key in the object holding it ("" elsewhere).
  std::string_view key() const;

  /// The member called `key` (the last one, as nlohmann::json keeps, if the text repeats it); nullopt if there is none
  /// or this is not an object.
  std::optional<JsonRef> find(std::string_view key) const;
  bool contains(std::string_view key) const { return find(key).has_value(); }
  /// As find(); throws JsonAccessError if there is no such member.
  JsonRef at(std::string_view key) const;

  /// Children (members or elements) in text order.
  class Iterator {
   public:
    JsonRef operator*() const { return JsonRef(tape_, i_); }
    Iterator& operator++();
    bool operator!=(const Iterator& o) const { return i_ != o.i_; }

   private:
    friend class JsonRef;
    Iterator(const JsonTape* t, uint32_t i) : tape_(t), i_(i) {}
    const JsonTape* tape_;
    uint32_t i_;
  };
  Iterator begin() const;
  Iterator end() const;

  /// The value as T: std::string, bool, an arithmetic type (any JSON number, converted as nlohmann::json does; a float
  /// outside an integer T's range throws) or a std::vector of one (a JSON array). Throws JsonAccessError otherwise.
  template <typename T>
  T get() const;
  std::string_view string_view() const;  ///< a string's text; throws JsonAccessError for another type

  /// A nlohmann::json copy of this value (for small parts kept after parsing, e.g. a bundle's model_metadata).
  nlohmann::json to_json() const;

 private:
  friend class JsonTape;
  JsonRef(const JsonTape* t, uint32_t i) : tape_(t), i_(i) {}
  double number() const;  // any number as double; throws for another type
  [[noreturn]] void wrong_type(const char* wanted) const;
  template <typename T>
  T arithmetic() const;

  const JsonTape* tape_;
  uint32_t i_;
};

class JsonTape {
 public:
  /// Parses `text`; errors as parse_json_bounded(): kCorruptFile starting with `source`, "JSON nesting deeper than 128
  /// levels ..." or "not valid JSON (<parser message>)".
  static JsonTape parse(std::string_view text, const std::string& source);
  JsonRef root() const { return JsonRef(this, 0); }

 private:
  friend class JsonRef;
  struct Builder;
  struct Node {
    JsonRef::Type type;
    uint32_t next;   // index just past this value's subtree: its next sibling
    uint32_t count;  // children of an object/array
    uint32_t key_off, key_len;
    union {
      bool b;
      int64_t i;
      uint64_t u;
      double d;
      struct {
        uint32_t off, len;
      } s;
    } v;
  };
  std::vector<Node> nodes_;
  std::string strings_;  // keys and string values, back to back
};

template <typename T>
T JsonRef::arithmetic() const {
  const JsonTape::Node& n = tape_->nodes_[i_];
  if constexpr (std::is_integral_v<T>) {
    // A signed T: an integer beyond its range is an error, never a narrowed value (e.g. a tensor id 2^32 + 5 read as
    // 5). An unsigned T takes a negative integer modulo 2^N, as C++ defines, and its callers' range checks refuse the
    // huge result (offsets, sizes: "lies outside weights.bin").
    if (n.type == Type::kInt) {
      const int64_t i = n.v.i;
      if (std::is_signed_v<T> && (i < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
                                  i > static_cast<int64_t>(std::numeric_limits<T>::max())))
        throw JsonAccessError("number " + std::to_string(i) + " out of range");
      if (!std::is_signed_v<T> && i >= 0 && static_cast<uint64_t>(i) > static_cast<uint64_t>(std::numeric_limits<T>::max()))
        throw JsonAccessError("number " + std::to_string(i) + " out of range");
      return static_cast<T>(i);
    }
    if (n.type == Type::kUInt) {
      if (n.v.u > static_cast<uint64_t>(std::numeric_limits<T>::max()))
        throw JsonAccessError("number " + std::to_string(n.v.u) + " out of range");
      return static_cast<T>(n.v.u);
    }
  } else {
    if (n.type == Type::kInt) return static_cast<T>(n.v.i);
    if (n.type == Type::kUInt) return static_cast<T>(n.v.u);
  }
  const double d = number();
  if constexpr (std::is_floating_point_v<T>) {
    // Beyond float's range the conversion is undefined behaviour in C++: give the infinity the value rounds to.
    if (d > std::numeric_limits<T>::max()) return std::numeric_limits<T>::infinity();
    if (d < std::numeric_limits<T>::lowest()) return -std::numeric_limits<T>::infinity();
    return static_cast<T>(d);
  } else {
    // Likewise for an integer T: NaN or beyond its range is an error, not a wrapped or undefined value. The bounds
    // -2^digits (signed) or 0 and 2^digits are exact doubles.
    const double hi = std::ldexp(1.0, std::numeric_limits<T>::digits), lo = std::is_signed_v<T> ? -hi : 0.0;
    if (!(d >= lo && d < hi)) {
      char buf[32];
      std::snprintf(buf, sizeof buf, "%.6g", d);
      throw JsonAccessError(std::string("number ") + buf + " out of range");
    }
    return static_cast<T>(d);
  }
}

template <typename T>
T JsonRef::get() const {
  if constexpr (std::is_same_v<T, std::string>) {
    return std::string(string_view());
  } else if constexpr (std::is_same_v<T, bool>) {
    if (type() != Type::kBool) wrong_type("boolean");
    return tape_->nodes_[i_].v.b;
  } else if constexpr (std::is_arithmetic_v<T>) {
    return arithmetic<T>();
  } else {
    using E = typename T::value_type;
    if (!is_array()) wrong_type("array");
    T out;
    out.reserve(size());
    for (JsonRef e : *this) out.push_back(e.get<E>());
    return out;
  }
}

}  // namespace edgevl::qnn
