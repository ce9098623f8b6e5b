// Typed, error-checked reads of optional JSON fields (private to edgevl_models).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace edgevl::models::detail {

/// Reads and parses a JSON file. Throws kNotFound if absent, kIo if unreadable, kCorruptFile if not valid JSON.
nlohmann::json read_json_file(const std::string& path);

/// The value of `key` in `j` (an object), or nullptr if absent or null. Never throws.
const nlohmann::json* field(const nlohmann::json& j, const char* key);

/// Each getter leaves `out` unchanged if the key is absent (or null) and throws kCorruptFile naming `source` and `key`
/// if the value has the wrong JSON type.
void get_int(const nlohmann::json& j, const char* key, const std::string& source, int64_t& out);
void get_double(const nlohmann::json& j, const char* key, const std::string& source, double& out);
void get_bool(const nlohmann::json& j, const char* key, const std::string& source, bool& out);
void get_string(const nlohmann::json& j, const char* key, const std::string& source, std::string& out);
void get_int_list(const nlohmann::json& j, const char* key, const std::string& source, std::vector<int64_t>& out);
/// An int or a list of ints (e.g. eos_token_id).
void get_int_or_list(const nlohmann::json& j, const char* key, const std::string& source, std::vector<int64_t>& out);

}  // namespace edgevl::models::detail
