// Minimal NumPy .npy (format 1.0 write; 1.x/2.x read) for tools and tests: little-endian, C order, dtypes
// |u1 |i1 <u2 <i2 <i4 <u4 <i8 <f4 <f8. Header-only. Throws edgevl::Error naming the file.
#pragma once

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "edgevl/error.h"

namespace edgevl::npy {

template <typename T> struct Descr;
template <> struct Descr<uint8_t> { static constexpr const char* value = "|u1"; };
template <> struct Descr<int8_t> { static constexpr const char* value = "|i1"; };
template <> struct Descr<uint16_t> { static constexpr const char* value = "<u2"; };
template <> struct Descr<int16_t> { static constexpr const char* value = "<i2"; };
template <> struct Descr<int32_t> { static constexpr const char* value = "<i4"; };
template <> struct Descr<uint32_t> { static constexpr const char* value = "<u4"; };
template <> struct Descr<int64_t> { static constexpr const char* value = "<i8"; };
template <> struct Descr<float> { static constexpr const char* value = "<f4"; };
template <> struct Descr<double> { static constexpr const char* value = "<f8"; };

/// Writes `data` (row-major, product(shape) elements) as a .npy file. Throws kIo on failure.
template <typename T>
void write_npy(const std::string& path, const T* data, const std::vector<int64_t>& shape) {
  std::string dims;
  int64_t count = 1;
  for (size_t i = 0; i < shape.size(); ++i) {
    dims += (i ? ", " : "") + std::to_string(shape[i]);
    count *= shape[i];
  }
  if (shape.size() == 1) dims += ",";  // "(3,)"
  std::string header = std::string("{'descr': '") + Descr<T>::value + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  std::ofstream out(path, std::ios::binary);
  if (!out) throw Error(ErrorCode::kIo, "npy " + path + ": cannot open for writing");
  const uint16_t len = static_cast<uint16_t>(header.size());
  out.write("\x93NUMPY\x01\x00", 8);
  const char len_bytes[2] = {static_cast<char>(len & 0xFF), static_cast<char>(len >> 8)};
  out.write(len_bytes, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(count * sizeof(T)));
  if (!out) throw Error(ErrorCode::kIo, "npy " + path + ": write failed");
}

/// A loaded array: raw little-endian bytes plus dtype descr and shape.
struct Array {
  std::string descr;
  std::vector<int64_t> shape;
  std::vector<uint8_t> bytes;

  int64_t size() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
  }
  /// The elements as T; throws kShapeMismatch if the stored dtype is not T.
  template <typename T>
  std::vector<T> as(const std::string& name = "array") const {
    if (descr != Descr<T>::value) {
      throw Error(ErrorCode::kShapeMismatch, "npy " + name + ": dtype " + descr + ", expected " + Descr<T>::value);
    }
    std::vector<T> out(static_cast<size_t>(size()));
    std::memcpy(out.data(), bytes.data(), out.size() * sizeof(T));
    return out;
  }
};

/// Reads a C-order .npy file. Throws kNotFound (missing), kCorruptFile (malformed header or short data).
inline Array read_npy(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kNotFound, "npy " + path + ": cannot open");
  char magic[8];
  if (!in.read(magic, 8) || std::memcmp(magic, "\x93NUMPY", 6) != 0) {
    throw Error(ErrorCode::kCorruptFile, "npy " + path + ": not a .npy file");
  }
  uint32_t header_len = 0;
  unsigned char lb[4] = {0, 0, 0, 0};
  const int nlen = magic[6] == 1 ? 2 : 4;
  if (!in.read(reinterpret_cast<char*>(lb), nlen)) throw Error(ErrorCode::kCorruptFile, "npy " + path + ": short header");
  header_len = lb[0] | (lb[1] << 8) | (static_cast<uint32_t>(lb[2]) << 16) | (static_cast<uint32_t>(lb[3]) << 24);
  if (header_len > (1u << 20)) throw Error(ErrorCode::kCorruptFile, "npy " + path + ": header too long");
  std::string header(header_len, '\0');
  if (!in.read(&header[0], header_len)) throw Error(ErrorCode::kCorruptFile, "npy " + path + ": short header");
  auto field = [&](const std::string& key) {
    const size_t k = header.find("'" + key + "'");
    if (k == std::string::npos) throw Error(ErrorCode::kCorruptFile, "npy " + path + ": header lacks " + key);
    return header.find(':', k) + 1;
  };
  Array a;
  size_t p = header.find('\'', field("descr"));
  a.descr = header.substr(p + 1, header.find('\'', p + 1) - p - 1);
  if (header.find("True", field("fortran_order")) == header.find_first_not_of(' ', field("fortran_order"))) {
    throw Error(ErrorCode::kCorruptFile, "npy " + path + ": fortran_order arrays are not supported");
  }
  p = header.find('(', field("shape"));
  const size_t e = header.find(')', p);
  if (p == std::string::npos || e == std::string::npos) throw Error(ErrorCode::kCorruptFile, "npy " + path + ": bad shape");
  std::string dims = header.substr(p + 1, e - p - 1);
  size_t pos = 0;
  while (pos < dims.size()) {
    const size_t comma = dims.find(',', pos);
    const std::string tok = dims.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    if (tok.find_first_of("0123456789") != std::string::npos) a.shape.push_back(std::stoll(tok));
    if (comma == std::string::npos) break;
    pos = comma + 1;
  }
  size_t itemsize = 0;
  if (a.descr.size() == 3) itemsize = static_cast<size_t>(a.descr[2] - '0');
  if (itemsize == 0 || itemsize > 8 || (a.descr[0] != '<' && a.descr[0] != '|')) {
    throw Error(ErrorCode::kCorruptFile, "npy " + path + ": unsupported dtype " + a.descr);
  }
  for (int64_t d : a.shape) {
    if (d < 0) throw Error(ErrorCode::kCorruptFile, "npy " + path + ": negative dimension");
  }
  a.bytes.resize(static_cast<size_t>(a.size()) * itemsize);
  if (!in.read(reinterpret_cast<char*>(a.bytes.data()), static_cast<std::streamsize>(a.bytes.size()))) {
    throw Error(ErrorCode::kCorruptFile, "npy " + path + ": data shorter than its shape");
  }
  return a;
}

}  // namespace edgevl::npy
