#include "kernels.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "edgevl/error.h"
#include "edgevl/qnn/ops.h"

namespace edgevl::qnn::kernels {

namespace {
// Strides of `s` aligned right to rank r, 0 where the dim broadcasts.
std::vector<int64_t> bstrides(const Shape& s, size_t r, const Shape& os) {
  std::vector<int64_t> st(r, 0);
  int64_t acc = 1;
  for (size_t i = 0; i < s.size(); ++i) {
    size_t d = s.size() - 1 - i;
    size_t o = r - 1 - i;
    st[o] = (s[d] == 1 && os[o] != 1) ? 0 : acc;
    acc *= s[d];
  }
  return st;
}

template <typename T, typename F>
void bloop(const T* a, const Shape& as, const T* b, const Shape& bs, T* out, const Shape& os, F f) {
  const size_t r = os.size();
  int64_t n = 1;
  for (int64_t d : os) n *= d;
  if (n == 0) return;
  if (as == os && bs == os) {
    for (int64_t i = 0; i < n; ++i) out[i] = f(a[i], b[i]);
    return;
  }
  if (r == 0) {
    out[0] = f(a[0], b[0]);
    return;
  }
  auto sa = bstrides(as, r, os), sb = bstrides(bs, r, os);
  const int64_t inner = os[r - 1];
  const int64_t ia = sa[r - 1], ib = sb[r - 1];
  std::vector<int64_t> idx(r, 0);
  int64_t oa = 0, ob = 0;
  for (int64_t row = 0; row < n / inner; ++row) {
    T* o = out + row * inner;
    const T* pa = a + oa;
    const T* pb = b + ob;
    if (ia == 1 && ib == 1) {
      for (int64_t j = 0; j < inner; ++j) o[j] = f(pa[j], pb[j]);
    } else if (ia == 1 && ib == 0) {
      const T vb = *pb;
      for (int64_t j = 0; j < inner; ++j) o[j] = f(pa[j], vb);
    } else if (ia == 0 && ib == 1) {
      const T va = *pa;
      for (int64_t j = 0; j < inner; ++j) o[j] = f(va, pb[j]);
    } else {
      for (int64_t j = 0; j < inner; ++j) o[j] = f(pa[j * ia], pb[j * ib]);
    }
    // advance the multi-index over dims [0, r-1)
    for (size_t d = r - 1; d-- > 0;) {
      ++idx[d];
      oa += sa[d];
      ob += sb[d];
      if (idx[d] < os[d]) break;
      oa -= sa[d] * idx[d];
      ob -= sb[d] * idx[d];
      idx[d] = 0;
    }
  }
}
}  // namespace

template <typename T>
void binary(const std::string& type, const T* a, const Shape& as, const T* b, const Shape& bs, T* out, const Shape& os) {
  if (type == op::kAdd) return bloop(a, as, b, bs, out, os, [](T x, T y) { return x + y; });
  if (type == op::kSubtract) return bloop(a, as, b, bs, out, os, [](T x, T y) { return x - y; });
  if (type == op::kMultiply) return bloop(a, as, b, bs, out, os, [](T x, T y) { return x * y; });
  if (type == op::kDivide) return bloop(a, as, b, bs, out, os, [](T x, T y) { return x / y; });
  if (type == op::kMaximum) return bloop(a, as, b, bs, out, os, [](T x, T y) { return std::max(x, y); });
  if (type == op::kMinimum) return bloop(a, as, b, bs, out, os, [](T x, T y) { return std::min(x, y); });
  throw Error(ErrorCode::kInternal, "binary kernel: unknown op " + type);
}
template void binary<float>(const std::string&, const float*, const Shape&, const float*, const Shape&, float*, const Shape&);
template void binary<int32_t>(const std::string&, const int32_t*, const Shape&, const int32_t*, const Shape&, int32_t*,
                              const Shape&);
template void binary<int64_t>(const std::string&, const int64_t*, const Shape&, const int64_t*, const Shape&, int64_t*,
                              const Shape&);

void unary(const std::string& type, const float* x, float* out, size_t n) {
  auto each = [&](auto f) {
    for (size_t i = 0; i < n; ++i) out[i] = f(x[i]);
  };
  if (type == op::kNeg) return each([](float v) { return -v; });
  if (type == op::kExp) return each([](float v) { return std::exp(v); });
  if (type == op::kSqrt) return each([](float v) { return std::sqrt(v); });
  if (type == op::kRsqrt) return each([](float v) { return 1.0f / std::sqrt(v); });
  if (type == op::kSin) return each([](float v) { return std::sin(v); });
  if (type == op::kCos) return each([](float v) { return std::cos(v); });
  if (type == op::kAbs) return each([](float v) { return std::fabs(v); });
  if (type == op::kTanh) return each([](float v) { return std::tanh(v); });
  if (type == op::kSigmoid) return each([](float v) { return 1.0f / (1.0f + std::exp(-v)); });
  if (type == op::kRelu) return each([](float v) { return v > 0.0f ? v : 0.0f; });
  if (type == op::kGelu) {
    return each([](float v) { return 0.5f * v * (1.0f + std::erf(v * 0.70710678118654752f)); });
  }
  throw Error(ErrorCode::kInternal, "unary kernel: unknown op " + type);
}

void softmax(const float* x, float* out, int64_t outer, int64_t axis, int64_t inner) {
  const float ninf = -std::numeric_limits<float>::infinity();
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t in = 0; in < inner; ++in) {
      const float* px = x + o * axis * inner + in;
      float* po = out + o * axis * inner + in;
      float m = ninf;
      for (int64_t i = 0; i < axis; ++i) m = std::max(m, px[i * inner]);
      if (m == ninf) {  // fully masked: zeros, not NaN
        for (int64_t i = 0; i < axis; ++i) po[i * inner] = 0.0f;
        continue;
      }
      float sum = 0.0f;
      for (int64_t i = 0; i < axis; ++i) {
        float e = std::exp(px[i * inner] - m);
        po[i * inner] = e;
        sum += e;
      }
      const float inv = 1.0f / sum;
      for (int64_t i = 0; i < axis; ++i) po[i * inner] *= inv;
    }
  }
}

void rms_norm(const float* x, const float* gamma, float* out, int64_t rows, int64_t c, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* px = x + r * c;
    float* po = out + r * c;
    float ss = 0.0f;
    for (int64_t i = 0; i < c; ++i) ss += px[i] * px[i];
    const float inv = 1.0f / std::sqrt(ss / static_cast<float>(c) + eps);
    for (int64_t i = 0; i < c; ++i) po[i] = gamma[i] * (px[i] * inv);
  }
}

void layer_norm(const float* x, const float* gamma, const float* beta, float* out, int64_t rows, int64_t c, float eps) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* px = x + r * c;
    float* po = out + r * c;
    float mean = 0.0f;
    for (int64_t i = 0; i < c; ++i) mean += px[i];
    mean /= static_cast<float>(c);
    float var = 0.0f;
    for (int64_t i = 0; i < c; ++i) var += (px[i] - mean) * (px[i] - mean);
    var /= static_cast<float>(c);
    const float inv = 1.0f / std::sqrt(var + eps);
    for (int64_t i = 0; i < c; ++i) po[i] = (px[i] - mean) * inv * gamma[i] + beta[i];
  }
}

void reduce(const std::string& type, const float* x, const Shape& xs, const std::vector<bool>& reduced, float* out) {
  const size_t r = xs.size();
  // output strides over the input's index space (0 on reduced dims)
  std::vector<int64_t> ost(r, 0);
  int64_t acc = 1, count = 1, n = 1;
  for (size_t i = r; i-- > 0;) {
    if (!reduced[i]) {
      ost[i] = acc;
      acc *= xs[i];
    } else {
      count *= xs[i];
    }
    n *= xs[i];
  }
  const bool is_max = type == op::kReduceMax;
  std::fill(out, out + acc, is_max ? -std::numeric_limits<float>::infinity() : 0.0f);
  std::vector<int64_t> idx(r, 0);
  int64_t o = 0;
  for (int64_t i = 0; i < n; ++i) {
    out[o] = is_max ? std::max(out[o], x[i]) : out[o] + x[i];
    for (size_t d = r; d-- > 0;) {
      ++idx[d];
      o += ost[d];
      if (idx[d] < xs[d]) break;
      o -= ost[d] * idx[d];
      idx[d] = 0;
    }
  }
  if (type == op::kReduceMean && count > 0) {
    for (int64_t i = 0; i < acc; ++i) out[i] /= static_cast<float>(count);
  }
}

void argmax(const float* x, int32_t* out, int64_t outer, int64_t axis, int64_t inner) {
  for (int64_t o = 0; o < outer; ++o) {
    for (int64_t in = 0; in < inner; ++in) {
      const float* p = x + o * axis * inner + in;
      int64_t best = 0;
      for (int64_t i = 1; i < axis; ++i) {
        if (p[i * inner] > p[best * inner]) best = i;
      }
      out[o * inner + in] = static_cast<int32_t>(best);
    }
  }
}

namespace {
// Copies out[...] = x[offset(idx)] for every output index, with per-output-dim input strides; innermost run memcpy'd
// when contiguous.
void strided_copy(const uint8_t* x, const std::vector<int64_t>& in_strides, int64_t base, const Shape& os, uint8_t* out,
                  size_t es) {
  const size_t r = os.size();
  int64_t n = 1;
  for (int64_t d : os) n *= d;
  if (n == 0) return;
  if (r == 0) {
    std::memcpy(out, x + base * static_cast<int64_t>(es), es);
    return;
  }
  const int64_t inner = os[r - 1];
  const int64_t is = in_strides[r - 1];
  std::vector<int64_t> idx(r, 0);
  int64_t off = base;
  for (int64_t row = 0; row < n / inner; ++row) {
    uint8_t* o = out + row * inner * static_cast<int64_t>(es);
    if (is == 1) {
      std::memcpy(o, x + off * static_cast<int64_t>(es), static_cast<size_t>(inner) * es);
    } else if (es == 4) {
      const uint32_t* px = reinterpret_cast<const uint32_t*>(x) + off;
      uint32_t* po = reinterpret_cast<uint32_t*>(o);
      for (int64_t j = 0; j < inner; ++j) po[j] = px[j * is];
    } else {
      for (int64_t j = 0; j < inner; ++j) std::memcpy(o + j * static_cast<int64_t>(es), x + (off + j * is) * static_cast<int64_t>(es), es);
    }
    for (size_t d = r - 1; d-- > 0;) {
      ++idx[d];
      off += in_strides[d];
      if (idx[d] < os[d]) break;
      off -= in_strides[d] * idx[d];
      idx[d] = 0;
    }
  }
}

std::vector<int64_t> contiguous_strides(const Shape& s) {
  std::vector<int64_t> st(s.size(), 1);
  for (size_t i = s.size(); i-- > 1;) st[i - 1] = st[i] * s[i];
  return st;
}
}  // namespace

void transpose(const void* x, const Shape& xs, const std::vector<int64_t>& perm, void* out, size_t es) {
  auto st = contiguous_strides(xs);
  Shape os(xs.size());
  std::vector<int64_t> ist(xs.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    os[i] = xs[static_cast<size_t>(perm[i])];
    ist[i] = st[static_cast<size_t>(perm[i])];
  }
  strided_copy(static_cast<const uint8_t*>(x), ist, 0, os, static_cast<uint8_t*>(out), es);
}

void strided_slice(const void* x, const Shape& xs, const std::vector<int64_t>& begin, const std::vector<int64_t>& strides,
                   const Shape& os, void* out, size_t es) {
  auto st = contiguous_strides(xs);
  int64_t base = 0;
  std::vector<int64_t> ist(xs.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    base += begin[i] * st[i];
    ist[i] = st[i] * strides[i];
  }
  strided_copy(static_cast<const uint8_t*>(x), ist, base, os, static_cast<uint8_t*>(out), es);
}

void concat_part(const void* x, int64_t outer, int64_t axis_i, int64_t inner, void* out, int64_t axis_total, int64_t at,
                 size_t es) {
  const size_t run = static_cast<size_t>(axis_i * inner) * es;
  for (int64_t o = 0; o < outer; ++o) {
    std::memcpy(static_cast<uint8_t*>(out) + static_cast<size_t>((o * axis_total + at) * inner) * es,
                static_cast<const uint8_t*>(x) + static_cast<size_t>(o) * run, run);
  }
}

}  // namespace edgevl::qnn::kernels
