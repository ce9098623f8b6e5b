#include "json_fields.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <sys/stat.h>

#include "edgevl/error.h"
#include "edgevl/qnn/json_limits.h"

namespace edgevl::models::detail {
namespace {

[[noreturn]] void wrong_type(const std::string& source, const char* key, const char* want, const nlohmann::json& v) {
  throw Error(ErrorCode::kCorruptFile,
              source + ": key \"" + key + "\" must be " + want + ", got " + std::string(v.type_name()) + " " + qnn::json_excerpt(v));
}

}  // namespace

nlohmann::json read_json_file(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw Error(ErrorCode::kNotFound, path + ": file not found");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, path + ": cannot open (" + std::strerror(errno) + ")");
  std::stringstream ss;
  ss << in.rdbuf();
  return qnn::parse_json_bounded(ss.str(), path);  // nesting <= 128, as safetensors
}

const nlohmann::json* field(const nlohmann::json& j, const char* key) {
  if (!j.is_object()) return nullptr;
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return nullptr;
  return &*it;
}

void get_int(const nlohmann::json& j, const char* key, const std::string& source, int64_t& out) {
  const nlohmann::json* v = field(j, key);
  if (!v) return;
  if (v->is_number_integer()) {
    out = v->get<int64_t>();
  } else if (v->is_number_float() && std::isfinite(v->get<double>()) && std::fabs(v->get<double>()) < 9.0e18 &&
             v->get<double>() == std::floor(v->get<double>())) {
    out = static_cast<int64_t>(v->get<double>());  // 4.0 written for an integer
  } else {
    wrong_type(source, key, "an integer", *v);
  }
}

void get_double(const nlohmann::json& j, const char* key, const std::string& source, double& out) {
  const nlohmann::json* v = field(j, key);
  if (!v) return;
  if (!v->is_number()) wrong_type(source, key, "a number", *v);
  out = v->get<double>();
}

void get_bool(const nlohmann::json& j, const char* key, const std::string& source, bool& out) {
  const nlohmann::json* v = field(j, key);
  if (!v) return;
  if (!v->is_boolean()) wrong_type(source, key, "true or false", *v);
  out = v->get<bool>();
}

void get_string(const nlohmann::json& j, const char* key, const std::string& source, std::string& out) {
  const nlohmann::json* v = field(j, key);
  if (!v) return;
  if (!v->is_string()) wrong_type(source, key, "a string", *v);
  out = v->get<std::string>();
}

void get_int_list(const nlohmann::json& j, const char* key, const std::string& source, std::vector<int64_t>& out) {
  const nlohmann::json* v = field(j, key);
  if (!v) return;
  if (!v->is_array()) wrong_type(source, key, "a list of integers", *v);
  std::vector<int64_t> r;
  for (const auto& x : *v) {
    if (!x.is_number_integer()) wrong_type(source, key, "a list of integers", *v);
    r.push_back(x.get<int64_t>());
  }
  out = std::move(r);
}

void get_int_or_list(const nlohmann::json& j, const char* key, const std::string& source, std::vector<int64_t>& out) {
  const nlohmann::json* v = field(j, key);
  if (!v) return;
  if (v->is_number_integer()) {
    out = {v->get<int64_t>()};
    return;
  }
  get_int_list(j, key, source, out);
}

}  // namespace edgevl::models::detail
