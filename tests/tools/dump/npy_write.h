// Minimal .npy (format 1.0) writer for edgevl-dump: little-endian, C order, dtypes <f4, <i4, <i8.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "edgevl/error.h"

namespace edgevl::tools {

template <typename T> constexpr const char* npy_descr();
template <> constexpr const char* npy_descr<float>() { return "<f4"; }
template <> constexpr const char* npy_descr<int32_t>() { return "<i4"; }
template <> constexpr const char* npy_descr<int64_t>() { return "<i8"; }

/// Writes `data` (product of `shape` elements) to `path`. Throws edgevl::Error kIo naming the file on failure.
template <typename T>
void write_npy(const std::string& path, const T* data, const std::vector<int64_t>& shape) {
  std::string dims;
  int64_t n = 1;
  for (int64_t d : shape) {
    dims += std::to_string(d) + ",";
    n *= d;
  }
  if (shape.size() > 1) dims.pop_back();  // "(3,)" for rank 1, "(2,3)" otherwise
  std::string header = std::string("{'descr': '") + npy_descr<T>() + "', 'fortran_order': False, 'shape': (" + dims + "), }";
  const size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorCode::kIo, "cannot open " + path + " for writing");
  const uint16_t hlen = uint16_t(header.size());
  f.write("\x93NUMPY\x01\x00", 8);
  f.put(char(hlen & 0xff));
  f.put(char(hlen >> 8));
  f << header;
  if (n > 0) f.write(reinterpret_cast<const char*>(data), std::streamsize(sizeof(T) * size_t(n)));
  if (!f) throw Error(ErrorCode::kIo, "failed writing " + path);
}

}  // namespace edgevl::tools
