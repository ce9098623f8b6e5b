// Graph-to-graph passes run at compile time.
#pragma once

#include <cstddef>
#include <map>
#include <utility>

#include "edgevl/qnn/graph.h"

namespace edgevl::qnn {

/// Rewrites every "FullyConnected" (x [..., In], W [Out, In], b [Out]) into
///   Reshape x → [1, 1, M, In]  →  Conv2d 1×1 with a NEW constant "<W name>.hwio" [1, 1, In, Out] (W transposed at compile
///   time, same dtype)  →  Reshape → [..., Out]
/// as the HTP wants (its matmul engine is the convolution path). M = product of x's leading dims. The transposed weight
/// is made once per source weight even if several ops share it; the old weight is removed if nothing else uses it.
/// A quantized weight (int8 w8 or int4 LPBQ per output channel: axis 0, LPBQ blocks along axis 1) is transposed code
/// by code (int4 repacked, low nibble first) and its encoding moves to the HWIO axes (channel axis 3, block axis 2;
/// scales and block multipliers unchanged); another quantized layout is kUnsupported.
/// Returns the number of ops rewritten. The result passes verify().
/// `cache` (optional) remembers transposed weights by source bytes, so lowering the prefill and the decode graph of one
/// model transposes (and holds) each shared weight once: pass the same cache to both calls.
/// A weight that is not a constant is transposed in the graph instead (Transpose + Reshape ops).
struct TransposeCache {
  std::map<std::pair<const uint8_t*, size_t>, ConstData> entries;  ///< (source data, nbytes) → HWIO bytes
};
int lower_linear_to_conv2d(Graph& graph, TransposeCache* cache = nullptr);

/// Removes ops whose output reaches no graph output, then activations and constants nobody uses (graph inputs are kept,
/// even if unused — they are the graph's calling convention). Returns the number of ops removed.
int eliminate_dead_code(Graph& graph);

}  // namespace edgevl::qnn
