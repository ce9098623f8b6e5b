// Token embedding lookup on the host and fusion of the vision tower's image embeddings into the image-pad rows.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgevl::llm {

/// Element type of an embedding table as stored (checkpoint bf16, bundle f16/f32, or int8 per row in quantized bundles:
/// real = row_scales[id] · q, the w8 encoding of the table with channel axis 0).
enum class EmbeddingDType { kFloat32, kFloat16, kBFloat16, kInt8 };

/// Read-only view of an embedding table [vocab, hidden] row-major (e.g. "model.embed_tokens.weight" in a mapped file).
struct EmbeddingTable {
  const void* data = nullptr;
  EmbeddingDType dtype = EmbeddingDType::kFloat32;
  int64_t vocab = 0;
  int64_t hidden = 0;
  const float* row_scales = nullptr;  ///< kInt8 only: [vocab] per-row scales
};

/// out[i, :] = table[ids[i], :] converted to float32 (exact for f16/bf16; int8: scale·q), i < n; out is [n, hidden].
/// Throws edgevl::Error kInvalidArgument naming the position and id if an id is outside [0, vocab), if the table is
/// empty/null, or ids/out are null with n > 0.
void embed_tokens(const EmbeddingTable& table, const int32_t* ids, int64_t n, float* out);

/// Replaces, in order, every row i of embeds [n, hidden] with ids[i] == image_token_id by the next row of
/// image_embeds [num_image_rows, hidden] (the vision outputs of all images, concatenated), as the reference does.
/// Throws edgevl::Error kInvalidArgument if the number of image-pad ids differs from num_image_rows (nothing is written
/// then) or a pointer is null where data is needed.
void fuse_image_embeddings(const int32_t* ids, int64_t n, int32_t image_token_id, const float* image_embeds,
                           int64_t num_image_rows, int64_t hidden, float* embeds);

}  // namespace edgevl::llm
