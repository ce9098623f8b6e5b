// How many constant bytes one run of a graph reads: the weight traffic of an LLM decode step (ModelInfo's
// decode_weight_bytes), the numerator of a memory-bandwidth roofline.
#pragma once

#include <cstdint>

#include "edgevl/qnn/graph.h"

namespace edgevl::engine {

/// Bytes (Tensor::nbytes(), the stored element data; quantization scales not counted) of the distinct constant tensors
/// that `graph`'s ops read. A constant read only as the table of Gather ops (input 0: an embedding table of which a
/// run reads a few rows) is excluded; one that is also read by another op counts in full. Constants no op reads are
/// not counted. Never throws for a graph whose ops reference valid tensor ids (throws edgevl::Error kInvalidArgument
/// from Graph::tensor otherwise).
int64_t constant_bytes_read_per_run(const qnn::Graph& graph);

}  // namespace edgevl::engine
