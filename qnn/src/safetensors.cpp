#include "edgevl/qnn/safetensors.h"

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "edgevl/error.h"
#include "edgevl/qnn/json_limits.h"

namespace edgevl::qnn {
namespace {

constexpr uint64_t kMaxHeaderBytes = 100ull * 1024 * 1024;  // the format's own limit

struct DTypeInfo {
  const char* name;
  SafetensorsDType dtype;
  size_t size;
};
constexpr DTypeInfo kDTypes[] = {
    {"BOOL", SafetensorsDType::kBool, 1}, {"U8", SafetensorsDType::kU8, 1},     {"I8", SafetensorsDType::kI8, 1},
    {"I16", SafetensorsDType::kI16, 2},   {"U16", SafetensorsDType::kU16, 2},   {"I32", SafetensorsDType::kI32, 4},
    {"U32", SafetensorsDType::kU32, 4},   {"I64", SafetensorsDType::kI64, 8},   {"U64", SafetensorsDType::kU64, 8},
    {"F16", SafetensorsDType::kF16, 2},   {"BF16", SafetensorsDType::kBF16, 2}, {"F32", SafetensorsDType::kF32, 4},
    {"F64", SafetensorsDType::kF64, 8},
};

[[noreturn]] void corrupt(const std::string& path, const std::string& what) {
  throw Error(ErrorCode::kCorruptFile, path + ": " + what);
}
[[noreturn]] void corrupt_tensor(const std::string& path, const std::string& name, const std::string& what) {
  throw Error(ErrorCode::kCorruptFile, path + ": tensor '" + name + "': " + what);
}

uint64_t read_u64_le(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// A JSON value as a non-negative integer that fits in uint64, or throw.
uint64_t as_count(const nlohmann::json& v, const std::string& path, const std::string& name, const char* field) {
  if (v.is_number_unsigned()) return v.get<uint64_t>();
  if (v.is_number_integer()) {
    int64_t x = v.get<int64_t>();
    if (x >= 0) return static_cast<uint64_t>(x);
    corrupt_tensor(path, name, std::string(field) + " has a negative value " + std::to_string(x));
  }
  corrupt_tensor(path, name, std::string(field) + " must hold non-negative integers, got " + json_excerpt(v));
}

bool is_dir(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}
bool exists(const std::string& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0;
}

}  // namespace

const char* safetensors_dtype_name(SafetensorsDType dtype) {
  for (const auto& d : kDTypes)
    if (d.dtype == dtype) return d.name;
  return "?";
}

size_t safetensors_dtype_size(SafetensorsDType dtype) {
  for (const auto& d : kDTypes)
    if (d.dtype == dtype) return d.size;
  return 0;
}

int64_t TensorView::numel() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

std::string TensorView::shape_str(const std::vector<int64_t>& shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

float bf16_to_f32(uint16_t bits) {
  uint32_t u = static_cast<uint32_t>(bits) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

float f16_to_f32(uint16_t bits) {
  uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  uint32_t exp = (bits >> 10) & 0x1Fu;
  uint32_t mant = bits & 0x3FFu;
  uint32_t u;
  if (exp == 0x1F) {
    u = sign | 0x7F800000u | (mant << 13);  // inf / NaN (payload kept)
  } else if (exp != 0) {
    u = sign | ((exp + 112u) << 23) | (mant << 13);  // normal: rebias 15 -> 127
  } else if (mant == 0) {
    u = sign;  // +-0
  } else {
    // Subnormal: value = mant * 2^-24; normalise.
    int e = -1;
    do {
      mant <<= 1;
      ++e;
    } while ((mant & 0x400u) == 0);
    mant &= 0x3FFu;
    u = sign | (static_cast<uint32_t>(112 - e) << 23) | (mant << 13);
  }
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

void convert_to_f32(const TensorView& t, float* out, size_t out_count) {
  if (out_count != static_cast<size_t>(t.numel()))
    throw Error(ErrorCode::kShapeMismatch, t.file + ": tensor '" + t.name + "': conversion to f32 needs " +
                                               std::to_string(t.numel()) + " floats, the buffer holds " +
                                               std::to_string(out_count));
  const uint8_t* p = t.data;
  const size_t n = out_count;
  switch (t.dtype) {
    case SafetensorsDType::kF32:
      if (n) std::memcpy(out, p, n * 4);
      return;
    case SafetensorsDType::kBF16:
      for (size_t i = 0; i < n; ++i) out[i] = bf16_to_f32(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)));
      return;
    case SafetensorsDType::kF16:
      for (size_t i = 0; i < n; ++i) out[i] = f16_to_f32(static_cast<uint16_t>(p[2 * i] | (p[2 * i + 1] << 8)));
      return;
    case SafetensorsDType::kF64:
      for (size_t i = 0; i < n; ++i) {
        double d;
        std::memcpy(&d, p + 8 * i, 8);
        out[i] = static_cast<float>(d);
      }
      return;
    default:
      throw Error(ErrorCode::kUnsupported, t.file + ": tensor '" + t.name + "': dtype " +
                                               safetensors_dtype_name(t.dtype) + " is not a floating-point type");
  }
}

std::vector<float> to_f32(const TensorView& t) {
  std::vector<float> v(static_cast<size_t>(t.numel()));
  convert_to_f32(t, v.data(), v.size());
  return v;
}

// ---------------------------------------------------------------------------------------------------------------------
// SafetensorsFile

std::shared_ptr<const SafetensorsFile> SafetensorsFile::open(const std::string& path) {
  std::shared_ptr<SafetensorsFile> f(new SafetensorsFile(MappedFile::open(path)));
  f->parse();
  return f;
}

void SafetensorsFile::parse() {
  const std::string& path = file_->path();
  const uint8_t* base = file_->data();
  const uint64_t size = file_->size();
  if (size < 8)
    corrupt(path, "file is " + std::to_string(size) + " bytes, shorter than the 8-byte safetensors header length");
  const uint64_t header_len = read_u64_le(base);
  if (header_len > kMaxHeaderBytes)
    corrupt(path, "header length " + std::to_string(header_len) + " is larger than the format's 100 MB limit");
  if (header_len > size - 8)
    corrupt(path, "header length " + std::to_string(header_len) + " runs past the end of the file (" +
                      std::to_string(size) + " bytes)");

  const nlohmann::json header = parse_json_bounded(
      std::string_view(reinterpret_cast<const char*>(base + 8), static_cast<size_t>(header_len)), path + ": header");
  if (!header.is_object()) corrupt(path, "header is not a JSON object");

  const uint8_t* data_begin = base + 8 + header_len;
  const uint64_t data_size = size - 8 - header_len;

  struct Range {
    uint64_t begin, end;
    const std::string* name;
  };
  std::vector<Range> ranges;
  for (auto it = header.begin(); it != header.end(); ++it) {
    const std::string& name = it.key();
    const nlohmann::json& v = it.value();
    if (name == "__metadata__") {
      if (!v.is_object()) corrupt(path, "__metadata__ is not a JSON object");
      for (auto m = v.begin(); m != v.end(); ++m)
        if (m.value().is_string()) metadata_[m.key()] = m.value().get<std::string>();
      continue;
    }
    if (!v.is_object()) corrupt_tensor(path, name, "entry is not a JSON object");
    auto dt = v.find("dtype");
    auto sh = v.find("shape");
    auto off = v.find("data_offsets");
    if (dt == v.end() || !dt->is_string()) corrupt_tensor(path, name, "missing or non-string \"dtype\"");
    if (sh == v.end() || !sh->is_array()) corrupt_tensor(path, name, "missing or non-array \"shape\"");
    if (off == v.end() || !off->is_array() || off->size() != 2)
      corrupt_tensor(path, name, "\"data_offsets\" must be an array [begin, end]");

    TensorView t;
    t.name = name;
    t.file = path;
    const std::string dname = dt->get<std::string>();
    const DTypeInfo* info = nullptr;
    for (const auto& d : kDTypes)
      if (dname == d.name) info = &d;
    if (!info) corrupt_tensor(path, name, "unknown dtype \"" + dname + "\"");
    t.dtype = info->dtype;

    // numel * element size, with overflow checks.
    uint64_t bytes = info->size;
    bool overflow = false;
    for (const auto& d : *sh) {
      uint64_t dim = as_count(d, path, name, "shape");
      if (dim > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) overflow = true;
      t.shape.push_back(static_cast<int64_t>(dim));
      if (dim != 0 && bytes > std::numeric_limits<uint64_t>::max() / dim) overflow = true;
      bytes *= dim;
    }
    if (overflow) corrupt_tensor(path, name, "shape " + TensorView::shape_str(t.shape) + " is too large");
    const uint64_t begin = as_count((*off)[0], path, name, "data_offsets");
    const uint64_t end = as_count((*off)[1], path, name, "data_offsets");
    const std::string offs = "data_offsets [" + std::to_string(begin) + ", " + std::to_string(end) + "]";
    if (end < begin) corrupt_tensor(path, name, offs + " end before begin");
    if (end > data_size)
      corrupt_tensor(path, name, offs + " out of range: the data region holds " + std::to_string(data_size) +
                                     " bytes (file truncated?)");
    if (end - begin != bytes)
      corrupt_tensor(path, name, offs + " span " + std::to_string(end - begin) + " bytes but dtype " + dname +
                                     " x shape " + TensorView::shape_str(t.shape) + " needs " + std::to_string(bytes));
    t.data = data_begin + begin;
    t.nbytes = static_cast<size_t>(bytes);
    auto ins = tensors_.emplace(name, std::move(t));
    ranges.push_back({begin, end, &ins.first->first});
  }

  std::sort(ranges.begin(), ranges.end(),
            [](const Range& a, const Range& b) { return a.begin != b.begin ? a.begin < b.begin : a.end < b.end; });
  const Range* widest = nullptr;  // the non-empty range seen so far reaching furthest
  for (const Range& b : ranges) {
    if (b.end == b.begin) continue;
    if (widest && b.begin < widest->end)
      corrupt_tensor(path, *b.name, "bytes [" + std::to_string(b.begin) + ", " + std::to_string(b.end) +
                                        ") overlap tensor '" + *widest->name + "' [" + std::to_string(widest->begin) +
                                        ", " + std::to_string(widest->end) + ")");
    if (!widest || b.end > widest->end) widest = &b;
  }
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::string> out;
  out.reserve(tensors_.size());
  for (const auto& kv : tensors_) out.push_back(kv.first);
  return out;
}

const TensorView* SafetensorsFile::find(const std::string& name) const {
  auto it = tensors_.find(name);
  return it == tensors_.end() ? nullptr : &it->second;
}

const TensorView& SafetensorsFile::at(const std::string& name) const {
  const TensorView* t = find(name);
  if (!t) throw Error(ErrorCode::kNotFound, path() + ": no tensor '" + name + "'");
  return *t;
}

// ---------------------------------------------------------------------------------------------------------------------
// SafetensorsCheckpoint

void SafetensorsCheckpoint::add_file(std::shared_ptr<const SafetensorsFile> f) {
  for (const std::string& name : f->names()) {
    const TensorView* t = f->find(name);
    auto ins = index_.emplace(name, t);
    if (!ins.second)
      throw Error(ErrorCode::kCorruptFile, source_ + ": tensor '" + name + "' is stored twice, in " +
                                               ins.first->second->file + " and " + f->path());
  }
  files_.push_back(std::move(f));
}

SafetensorsCheckpoint SafetensorsCheckpoint::open_file(const std::string& path) {
  SafetensorsCheckpoint c;
  c.source_ = path;
  c.add_file(SafetensorsFile::open(path));
  return c;
}

SafetensorsCheckpoint SafetensorsCheckpoint::open_dir(const std::string& dir) {
  if (!is_dir(dir)) throw Error(ErrorCode::kNotFound, dir + ": not a directory");
  const std::string index_path = dir + "/model.safetensors.index.json";
  const std::string single_path = dir + "/model.safetensors";
  if (!exists(index_path)) {
    if (!exists(single_path))
      throw Error(ErrorCode::kNotFound,
                  dir + ": neither model.safetensors nor model.safetensors.index.json is present");
    SafetensorsCheckpoint c = open_file(single_path);
    c.source_ = dir;
    return c;
  }

  std::ifstream in(index_path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, index_path + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  const nlohmann::json index = parse_json_bounded(ss.str(), index_path);
  if (!index.is_object() || !index.contains("weight_map") || !index["weight_map"].is_object())
    throw Error(ErrorCode::kCorruptFile, index_path + ": no \"weight_map\" object");
  const nlohmann::json& wm = index["weight_map"];

  SafetensorsCheckpoint c;
  c.source_ = dir;
  std::vector<std::string> shard_order;  // first-seen order, each shard once
  std::set<std::string> seen;
  for (auto it = wm.begin(); it != wm.end(); ++it) {
    if (!it.value().is_string())
      throw Error(ErrorCode::kCorruptFile, index_path + ": tensor '" + it.key() + "': shard name is not a string");
    const std::string shard = it.value().get<std::string>();
    if (shard.empty() || shard.find('/') != std::string::npos || shard.find('\\') != std::string::npos ||
        shard == "." || shard == "..")
      throw Error(ErrorCode::kCorruptFile,
                  index_path + ": tensor '" + it.key() + "': shard \"" + shard + "\" is not a file name in " + dir);
    if (seen.insert(shard).second) shard_order.push_back(shard);
  }
  for (const std::string& shard : shard_order) c.add_file(SafetensorsFile::open(dir + "/" + shard));
  for (auto it = wm.begin(); it != wm.end(); ++it) {
    const TensorView* t = c.find(it.key());
    const std::string shard_path = dir + "/" + it.value().get<std::string>();
    if (!t || t->file != shard_path)
      throw Error(ErrorCode::kCorruptFile, index_path + ": tensor '" + it.key() + "' is mapped to " + shard_path +
                                               ", which does not hold it");
  }
  return c;
}

std::vector<std::string> SafetensorsCheckpoint::names() const {
  std::vector<std::string> out;
  out.reserve(index_.size());
  for (const auto& kv : index_) out.push_back(kv.first);
  std::sort(out.begin(), out.end());
  return out;
}

const TensorView* SafetensorsCheckpoint::find(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? nullptr : it->second;
}

const TensorView& SafetensorsCheckpoint::at(const std::string& name) const {
  const TensorView* t = find(name);
  if (!t) throw Error(ErrorCode::kNotFound, source_ + ": no tensor '" + name + "'");
  return *t;
}

}  // namespace edgevl::qnn
