// Test helpers: write safetensors files (valid or deliberately malformed) and scratch directories.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ckpt_test {

struct StTensor {
  std::string name;
  std::string dtype;  // "F32", "BF16", ...
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;
};

/// A fresh empty directory `<test tmp>/<name>` (removed first if present).
std::string fresh_dir(const std::string& name);
/// Writes `bytes` to `path` verbatim.
void write_bytes(const std::string& path, const std::string& bytes);
std::string read_bytes(const std::string& path);
/// A well-formed safetensors file holding `tensors` back to back in the given order.
void write_safetensors(const std::string& path, const std::vector<StTensor>& tensors);
/// u64 little-endian `header_len`, then `header` (as given, even if its length differs), then `data`.
void write_raw(const std::string& path, uint64_t header_len, const std::string& header, const std::string& data);
/// The JSON header text write_safetensors would produce.
std::string header_json(const std::vector<StTensor>& tensors);
/// `n` float32 values 0.5 * i as little-endian bytes.
std::vector<uint8_t> f32_bytes(size_t n);

}  // namespace ckpt_test
