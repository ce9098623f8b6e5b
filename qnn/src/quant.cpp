// Quantization math: weight encodings (w8 per channel, LPBQ), activation and KV encodings, (de)quantize.
#include "edgevl/qnn/quant.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "edgevl/error.h"
#include "kernels/quantize.h"

namespace edgevl::qnn {

namespace {

using Kind = QuantEncoding::Kind;

// Channel/inner decomposition of a row-major shape around `axis`: element (o, c, i) at (o*C + c)*I + i.
struct AxisSplit {
  int64_t outer = 1, channels = 1, inner = 1;
};

AxisSplit split_at(const std::vector<int64_t>& shape, int axis) {
  AxisSplit s;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (int(d) < axis) s.outer *= shape[d];
    else if (int(d) == axis) s.channels = shape[d];
    else s.inner *= shape[d];
  }
  return s;
}

// Branch-free scans over encoding arrays (they vectorize: an LPBQ weight of a 2B model has millions of block
// multipliers, and a bundle's graphs are checked at open and again at prepare).
bool all_finite_positive(const std::vector<float>& v) {
  bool ok = true;
  for (float s : v) ok &= (s > 0.0f) & (s <= std::numeric_limits<float>::max());  // false for NaN, inf, <= 0
  return ok;
}

bool all_zero(const std::vector<int32_t>& v) {
  int32_t any = 0;
  for (int32_t o : v) any |= o;
  return any == 0;
}

bool all_in_range(const std::vector<uint8_t>& v, uint8_t lo, uint8_t hi) {
  uint8_t mn = 255, mx = 0;
  for (uint8_t m : v) {
    mn = std::min(mn, m);
    mx = std::max(mx, m);
  }
  return v.empty() || (mn >= lo && mx <= hi);
}

int check_axis(const std::vector<int64_t>& shape, int axis, const char* what) {
  const int r = int(shape.size());
  if (r == 0 || axis < -r || axis >= r)
    throw Error(ErrorCode::kInvalidArgument, std::string("quantize: ") + what + " " + std::to_string(axis) +
                                                 " out of range for shape " + shape_to_string(shape));
  return axis < 0 ? axis + r : axis;
}

// Channel index of flat element e for a channel axis split.
inline int64_t channel_of(int64_t e, const AxisSplit& s) { return (e / s.inner) % s.channels; }

float qround(float v) { return std::nearbyint(v); }

// Squared error of quantizing values with a symmetric scale to [qmin, qmax].
double sym_error(const std::vector<float>& v, float scale, int qmin, int qmax) {
  if (!(scale > 0)) return 0;
  double e = 0;
  for (float x : v) {
    const float q = std::clamp(qround(x / scale), float(qmin), float(qmax));
    const double d = double(x) - double(scale * q);
    e += d * d;
  }
  return e;
}

// The symmetric scale of one group of values: absmax/qmax, or the MSE-best clipped one.
float group_scale(const std::vector<float>& v, int qmin, int qmax, RangeMethod method) {
  float amax = 0;
  for (float x : v) amax = std::max(amax, std::fabs(x));
  if (!std::isfinite(amax)) throw Error(ErrorCode::kInvalidArgument, "quantize: weight holds a non-finite value");
  if (amax == 0) return 0;
  float best = amax / float(qmax);
  if (method == RangeMethod::kMse) {
    double best_err = sym_error(v, best, qmin, qmax);
    for (int step = 1; step <= 10; ++step) {
      const float s = (1.0f - 0.05f * float(step)) * amax / float(qmax);
      const double err = sym_error(v, s, qmin, qmax);
      if (err < best_err) {
        best_err = err;
        best = s;
      }
    }
  }
  return best;
}

void put_int4(std::vector<uint8_t>& bytes, int64_t i, int q) {
  const uint8_t nib = uint8_t(q & 0xF);
  uint8_t& b = bytes[size_t(i / 2)];
  b = (i % 2 == 0) ? uint8_t((b & 0xF0) | nib) : uint8_t((b & 0x0F) | (nib << 4));
}

inline int get_int4(const uint8_t* data, int64_t i) {
  const int nib = (i % 2 == 0) ? (data[i / 2] & 0xF) : (data[i / 2] >> 4);
  return nib >= 8 ? nib - 16 : nib;
}

int bits_of(DType d) { return int(dtype_size_bits(d)); }

}  // namespace

const char* range_method_name(RangeMethod m) { return m == RangeMethod::kMse ? "mse" : "minmax"; }

RangeMethod range_method_from_name(const std::string& name) {
  if (name == "minmax") return RangeMethod::kMinMax;
  if (name == "mse") return RangeMethod::kMse;
  throw Error(ErrorCode::kInvalidArgument, "weight range method '" + name + "' is not minmax or mse");
}

QuantizedWeight quantize_weight_int8(const float* w, const std::vector<int64_t>& shape, int axis, RangeMethod method) {
  axis = check_axis(shape, axis, "channel axis");
  const AxisSplit s = split_at(shape, axis);
  const int64_t n = num_elements(shape);
  std::vector<std::vector<float>> groups(size_t(s.channels));
  for (int64_t e = 0; e < n; ++e) groups[size_t(channel_of(e, s))].push_back(w[e]);
  QuantizedWeight out;
  out.dtype = DType::kInt8;
  QuantEncoding& enc = out.encoding;
  enc.kind = Kind::kAxisScaleOffset;
  enc.axis = axis;
  enc.bitwidth = 8;
  enc.scales.resize(size_t(s.channels));
  enc.offsets.assign(size_t(s.channels), 0);
  for (int64_t c = 0; c < s.channels; ++c) {
    const float sc = group_scale(groups[size_t(c)], -127, 127, method);
    enc.scales[size_t(c)] = sc > 0 ? sc : 1.0f;
  }
  out.bytes.resize(size_t(n));
  for (int64_t e = 0; e < n; ++e) {
    const float q = std::clamp(qround(w[e] / enc.scales[size_t(channel_of(e, s))]), -127.0f, 127.0f);
    out.bytes[size_t(e)] = uint8_t(int8_t(q));
  }
  return out;
}

bool lpbq_block_fits(int64_t in_channels, int block_size) {
  return (block_size == 16 || block_size == 32 || block_size == 64) && in_channels > 0 && in_channels % block_size == 0;
}

void check_lpbq_block_size(int block_size, const std::string& what) {
  if (block_size != 16 && block_size != 32 && block_size != 64)
    throw Error(ErrorCode::kInvalidArgument,
                what + ": LPBQ block size must be 16, 32 or 64, got " + std::to_string(block_size));
}

QuantizedWeight quantize_weight_lpbq(const float* w, const std::vector<int64_t>& shape, int channel_axis, int block_axis,
                                     int block_size, RangeMethod method) {
  channel_axis = check_axis(shape, channel_axis, "channel axis");
  block_axis = check_axis(shape, block_axis, "block axis");
  if (channel_axis == block_axis)
    throw Error(ErrorCode::kInvalidArgument, "quantize: LPBQ channel and block axes must differ");
  check_lpbq_block_size(block_size, "quantize");
  const int64_t in = shape[size_t(block_axis)];
  if (in % block_size != 0)
    throw Error(ErrorCode::kInvalidArgument, "quantize: LPBQ block size " + std::to_string(block_size) +
                                                 " does not divide the " + std::to_string(in) + " input channels of " +
                                                 shape_to_string(shape));
  const AxisSplit cs = split_at(shape, channel_axis), bs = split_at(shape, block_axis);
  const int64_t C = cs.channels, B = in / block_size, n = num_elements(shape);
  auto block_of = [&](int64_t e) { return channel_of(e, cs) * B + channel_of(e, bs) / block_size; };
  std::vector<std::vector<float>> groups(size_t(C * B));
  for (int64_t e = 0; e < n; ++e) groups[size_t(block_of(e))].push_back(w[e]);

  QuantizedWeight out;
  out.dtype = DType::kInt4;
  QuantEncoding& enc = out.encoding;
  enc.kind = Kind::kBlockwiseExpansion;
  enc.axis = channel_axis;
  enc.block_axis = block_axis;
  enc.bitwidth = 4;
  enc.block_size = block_size;
  enc.block_scale_bitwidth = 4;
  enc.scales.resize(size_t(C));
  enc.offsets.assign(size_t(C), 0);
  enc.block_scales.resize(size_t(C * B));
  std::vector<float> block_scale(size_t(C * B));
  for (size_t g = 0; g < groups.size(); ++g) block_scale[g] = group_scale(groups[g], -8, 7, method);
  for (int64_t c = 0; c < C; ++c) {
    float mx = 0;
    for (int64_t b = 0; b < B; ++b) mx = std::max(mx, block_scale[size_t(c * B + b)]);
    const float S = mx > 0 ? mx / 16.0f : 1.0f / 16.0f;
    enc.scales[size_t(c)] = S;
    for (int64_t b = 0; b < B; ++b) {
      const float m = std::clamp(qround(block_scale[size_t(c * B + b)] / S), 1.0f, 16.0f);
      enc.block_scales[size_t(c * B + b)] = uint8_t(m);
    }
  }
  out.bytes.assign(size_t((n + 1) / 2), 0);
  for (int64_t e = 0; e < n; ++e) {
    const int64_t c = channel_of(e, cs), blk = block_of(e);
    const float expanded = enc.scales[size_t(c)] * float(enc.block_scales[size_t(blk)]);
    const float q = std::clamp(qround(w[e] / expanded), -8.0f, 7.0f);
    put_int4(out.bytes, e, int(q));
  }
  return out;
}

QuantEncoding activation_encoding(float mn, float mx, int bits) {
  if (!std::isfinite(mn) || !std::isfinite(mx))
    throw Error(ErrorCode::kInvalidArgument, "activation encoding: range [" + std::to_string(mn) + ", " +
                                                 std::to_string(mx) + "] is not finite");
  if (bits < 2 || bits > 16) throw Error(ErrorCode::kInvalidArgument, "activation encoding: bits must be 2..16");
  mn = std::min(mn, 0.0f);
  mx = std::max(mx, 0.0f);
  const double qmax = double((1u << bits) - 1);
  QuantEncoding e;
  e.kind = Kind::kScaleOffset;
  e.bitwidth = bits;
  float scale = float((double(mx) - double(mn)) / qmax);
  if (!(scale > 0)) scale = std::ldexp(1.0f, -20);
  const float off = std::clamp(qround(mn / scale), float(-qmax), 0.0f);
  e.scales = {scale};
  e.offsets = {int32_t(off)};
  return e;
}

QuantEncoding symmetric_uint8_encoding(float absmax) {
  if (!std::isfinite(absmax)) throw Error(ErrorCode::kInvalidArgument, "KV encoding: absmax is not finite");
  QuantEncoding e;
  e.kind = Kind::kScaleOffset;
  e.bitwidth = 8;
  e.scales = {absmax > 0 ? std::fabs(absmax) / 127.0f : 1.0f};
  e.offsets = {-128};
  return e;
}

void quantize_values(const float* x, size_t n, const QuantEncoding& enc, DType dtype, void* out) {
  if (dtype != DType::kUInt16 && dtype != DType::kUInt8)
    throw Error(ErrorCode::kUnsupported, std::string("quantize: per-tensor codes of dtype ") + dtype_name(dtype));
  kernels::quantize_codes(x, n, enc.scales.at(0), enc.offsets.at(0), bits_of(dtype), out);
}

void dequantize_values(const void* q, size_t n, const QuantEncoding& enc, DType dtype, float* out) {
  if (dtype != DType::kUInt16 && dtype != DType::kUInt8)
    throw Error(ErrorCode::kUnsupported, std::string("dequantize: per-tensor codes of dtype ") + dtype_name(dtype));
  kernels::dequantize_codes(q, n, enc.scales.at(0), enc.offsets.at(0), bits_of(dtype), out);
}

void dequantize_weight_range(const uint8_t* data, DType dtype, const QuantEncoding& enc,
                             const std::vector<int64_t>& shape, int64_t begin, int64_t count, float* out) {
  const AxisSplit cs = split_at(shape, enc.axis);
  if (enc.kind == Kind::kAxisScaleOffset) {
    for (int64_t i = 0; i < count; ++i) {
      const int64_t e = begin + i;
      const int64_t c = channel_of(e, cs);
      const int q = dtype == DType::kInt4 ? get_int4(data, e) : int(int8_t(data[e]));
      out[i] = enc.scales[size_t(c)] * float(q + enc.offsets[size_t(c)]);
    }
    return;
  }
  const AxisSplit bs = split_at(shape, enc.block_axis);
  const int64_t B = bs.channels / enc.block_size;
  for (int64_t i = 0; i < count; ++i) {
    const int64_t e = begin + i;
    const int64_t c = channel_of(e, cs);
    const int64_t blk = c * B + channel_of(e, bs) / enc.block_size;
    const float expanded = enc.scales[size_t(c)] * float(enc.block_scales[size_t(blk)]);
    const int q = dtype == DType::kInt4 ? get_int4(data, e) : int(int8_t(data[e]));
    out[i] = expanded * float(q);
  }
}

void validate_encoding(const Tensor& t) {
  const QuantEncoding& q = t.quant;
  if (!q.quantized()) return;
  auto bad = [&](const std::string& what) {
    throw Error(ErrorCode::kCorruptFile, "tensor '" + t.name + "': quant encoding " + what);
  };
  const int bits = bits_of(t.dtype);
  const bool int_dtype = t.dtype == DType::kUInt8 || t.dtype == DType::kUInt16 || t.dtype == DType::kInt8 ||
                         t.dtype == DType::kInt4;
  if (!int_dtype) bad(std::string("on a ") + dtype_name(t.dtype) + " tensor");
  if (q.bitwidth != bits) bad("bitwidth " + std::to_string(q.bitwidth) + " differs from its dtype's " + std::to_string(bits));
  auto scales_ok = [&]() {
    if (!all_finite_positive(q.scales)) bad("has a scale that is not finite and positive");
  };
  const int r = int(t.shape.size());
  if (q.kind == Kind::kScaleOffset) {
    if (q.scales.size() != 1 || q.offsets.size() != 1) bad("scale_offset needs exactly one scale and offset");
    if (t.dtype != DType::kUInt8 && t.dtype != DType::kUInt16) bad("scale_offset is only for uint8/uint16 tensors");
    if (q.offsets[0] > 0 || q.offsets[0] < -int32_t((1u << bits) - 1)) bad("offset out of range");
    scales_ok();
    return;
  }
  if (t.dtype != DType::kInt8 && t.dtype != DType::kInt4) bad("per-channel encodings are only for int8/int4 weights");
  if (q.axis < 0 || q.axis >= r) bad("axis " + std::to_string(q.axis) + " out of range");
  const int64_t C = t.shape[size_t(q.axis)];
  if (int64_t(q.scales.size()) != C || int64_t(q.offsets.size()) != C)
    bad("needs " + std::to_string(C) + " scales and offsets");
  scales_ok();
  if (!all_zero(q.offsets)) bad("weight offsets must be 0 (symmetric)");
  if (q.kind == Kind::kBlockwiseExpansion) {
    if (q.block_axis < 0 || q.block_axis >= r || q.block_axis == q.axis) bad("block axis out of range");
    if (!lpbq_block_fits(t.shape[size_t(q.block_axis)], q.block_size)) bad("block size does not divide its axis");
    if (q.block_scale_bitwidth != 4) bad("block scale bitwidth must be 4");
    const int64_t B = t.shape[size_t(q.block_axis)] / q.block_size;
    if (int64_t(q.block_scales.size()) != C * B) bad("needs " + std::to_string(C * B) + " block scales");
    if (!all_in_range(q.block_scales, 1, 16)) bad("block multiplier outside 1..16");
  }
}

std::string encoding_array_tensor(const std::string& tensor, const std::string& field) {
  return tensor + ".q." + field;
}

void attach_encoding_arrays(Graph& g, size_t min_entries) {
  const size_t n = g.tensors().size();
  for (size_t i = 0; i < n; ++i) {
    const Tensor t = g.tensors()[i];
    if (t.quant.kind != Kind::kAxisScaleOffset && t.quant.kind != Kind::kBlockwiseExpansion) continue;
    if (t.quant.scales.size() < min_entries && t.quant.block_scales.size() < min_entries) continue;
    auto add = [&](const char* field, DType dtype, const void* p, size_t count, size_t elem) {
      const std::string name = encoding_array_tensor(t.name, field);
      if (g.find(name) != kNoTensor) return;
      Tensor c;
      c.name = name;
      c.shape = {int64_t(count)};
      c.dtype = dtype;
      c.kind = TensorKind::kConstant;
      c.data = ConstData::copy_of(p, count * elem);
      g.add_tensor(std::move(c));
    };
    add("scales", DType::kFloat32, t.quant.scales.data(), t.quant.scales.size(), sizeof(float));
    add("offsets", DType::kInt32, t.quant.offsets.data(), t.quant.offsets.size(), sizeof(int32_t));
    if (t.quant.kind == Kind::kBlockwiseExpansion)
      add("block_scales", DType::kUInt8, t.quant.block_scales.data(), t.quant.block_scales.size(), 1);
  }
}

double sqnr_db(const float* ref, const float* test, size_t n) {
  double s = 0, e = 0;
  for (size_t i = 0; i < n; ++i) {
    s += double(ref[i]) * ref[i];
    const double d = double(ref[i]) - double(test[i]);
    e += d * d;
  }
  if (e == 0) return std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(s / e);
}

}  // namespace edgevl::qnn
