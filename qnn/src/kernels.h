// Reference CPU kernels of the emulator (internal). Float kernels read and write float32; shapes are row-major.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "edgevl/qnn/dtype.h"

namespace edgevl::qnn::kernels {

using Shape = std::vector<int64_t>;

/// out = a (op) b with numpy broadcasting (out shape given). T = float, int32_t or int64_t.
template <typename T>
void binary(const std::string& type, const T* a, const Shape& as, const T* b, const Shape& bs, T* out, const Shape& os);
/// out[i] = f(x[i]) for the unary op types (ElementWiseNeg, …, Gelu).
void unary(const std::string& type, const float* x, float* out, size_t n);
/// Softmax over the middle dim of [outer, axis, inner].
void softmax(const float* x, float* out, int64_t outer, int64_t axis, int64_t inner);
void rms_norm(const float* x, const float* gamma, float* out, int64_t rows, int64_t c, float eps);
void layer_norm(const float* x, const float* gamma, const float* beta, float* out, int64_t rows, int64_t c, float eps);
/// ReduceSum/Mean/Max of x over `reduced` axes (flags per dim).
void reduce(const std::string& type, const float* x, const Shape& xs, const std::vector<bool>& reduced, float* out);
void argmax(const float* x, int32_t* out, int64_t outer, int64_t axis, int64_t inner);
/// Generic element moves (elem_size bytes per element).
void transpose(const void* x, const Shape& xs, const std::vector<int64_t>& perm, void* out, size_t elem_size);
void strided_slice(const void* x, const Shape& xs, const std::vector<int64_t>& begin, const std::vector<int64_t>& strides,
                   const Shape& os, void* out, size_t elem_size);
/// Copies one concat input ([outer, axis_i, inner]) into out ([outer, axis_total, inner]) at axis offset `at`.
void concat_part(const void* x, int64_t outer, int64_t axis_i, int64_t inner, void* out, int64_t axis_total, int64_t at,
                 size_t elem_size);

}  // namespace edgevl::qnn::kernels
