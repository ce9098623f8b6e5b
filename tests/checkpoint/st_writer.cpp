#include "st_writer.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace ckpt_test {

std::string fresh_dir(const std::string& name) {
  std::filesystem::path p = std::filesystem::path(EDGEVL_TEST_TMP) / name;
  std::filesystem::remove_all(p);
  std::filesystem::create_directories(p);
  return p.string();
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string header_json(const std::vector<StTensor>& tensors) {
  std::string h = "{";
  size_t off = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const StTensor& t = tensors[i];
    std::string shape;
    for (size_t k = 0; k < t.shape.size(); ++k) shape += (k ? "," : "") + std::to_string(t.shape[k]);
    h += (i ? "," : "") + std::string("\"") + t.name + "\":{\"dtype\":\"" + t.dtype + "\",\"shape\":[" + shape +
         "],\"data_offsets\":[" + std::to_string(off) + "," + std::to_string(off + t.bytes.size()) + "]}";
    off += t.bytes.size();
  }
  return h + "}";
}

void write_raw(const std::string& path, uint64_t header_len, const std::string& header, const std::string& data) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((header_len >> (8 * i)) & 0xFF);
  write_bytes(path, out + header + data);
}

void write_safetensors(const std::string& path, const std::vector<StTensor>& tensors) {
  std::string h = header_json(tensors);
  std::string data;
  for (const StTensor& t : tensors) data.append(reinterpret_cast<const char*>(t.bytes.data()), t.bytes.size());
  write_raw(path, h.size(), h, data);
}

std::vector<uint8_t> f32_bytes(size_t n) {
  std::vector<uint8_t> b(n * 4);
  for (size_t i = 0; i < n; ++i) {
    float f = 0.5f * static_cast<float>(i);
    std::memcpy(b.data() + 4 * i, &f, 4);
  }
  return b;
}

}  // namespace ckpt_test
