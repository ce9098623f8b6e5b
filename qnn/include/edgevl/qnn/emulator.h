// The HTP emulator: EdgeVL's CPU back end ("emulator", backend.h). Executes any graph of the IR on the CPU with the
// HTP's numerics (docs/graph-ir.md, docs/quantization.md):
//  - float tensors per FloatMode (fp32 reference; fp16 = outputs rounded to float16 at every tensor boundary);
//  - quantized tensors stored as their integer codes: each op dequantizes its per-tensor-quantized inputs, computes in
//    float32 and requantizes its output to the output's encoding (round half to even, saturate); int8/int4 weights
//    (w8 per channel, LPBQ) are dequantized block by block inside the GEMM — no float copy of a weight is kept;
//    data-movement ops (Reshape, Transpose, Concat, StridedSlice) move codes unchanged.
// Each op is resolved once, at prepare time, to a kernel from a table keyed by op type and by whether its tensors are
// float, index or quantized (emulator_kernels.h); an op or encoding without a kernel is kUnsupported at prepare.
#pragma once

#include <memory>

#include "edgevl/qnn/backend.h"

namespace edgevl::qnn {


/// The emulator back end (also reachable as backend_by_name("emulator")).
const Backend& emulator_backend();

/// Prepares `graph` for the emulator: emulator_backend().prepare(graph, {float_mode, num_threads}).
std::unique_ptr<Executable> prepare_emulator(const Graph& graph, FloatMode float_mode, int num_threads = 0);

}  // namespace edgevl::qnn
