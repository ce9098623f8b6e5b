#include "edgevl/llm/embedding.h"

#include <cstring>
#include <string>

#include "edgevl/error.h"
#include "edgevl/qnn/half.h"

namespace edgevl::llm {

void embed_tokens(const EmbeddingTable& table, const int32_t* ids, int64_t n, float* out) {
  if (!table.data || table.vocab < 1 || table.hidden < 1)
    throw Error(ErrorCode::kInvalidArgument, "embed_tokens: embedding table is empty");
  if (table.dtype == EmbeddingDType::kInt8 && !table.row_scales)
    throw Error(ErrorCode::kInvalidArgument, "embed_tokens: int8 embedding table without row scales");
  if (n < 0 || (n > 0 && (!ids || !out))) throw Error(ErrorCode::kInvalidArgument, "embed_tokens: null ids or output");
  const size_t hidden = static_cast<size_t>(table.hidden);
  for (int64_t i = 0; i < n; ++i) {
    const int32_t id = ids[i];
    if (id < 0 || id >= table.vocab)
      throw Error(ErrorCode::kInvalidArgument, "embed_tokens: token id " + std::to_string(id) + " at position " +
                                                   std::to_string(i) + " is outside the vocabulary [0, " +
                                                   std::to_string(table.vocab) + ")");
    float* dst = out + static_cast<size_t>(i) * hidden;
    const size_t offset = static_cast<size_t>(id) * hidden;
    switch (table.dtype) {
      case EmbeddingDType::kFloat32:
        std::memcpy(dst, static_cast<const float*>(table.data) + offset, hidden * sizeof(float));
        break;
      case EmbeddingDType::kFloat16:
        qnn::half_to_float_n(static_cast<const uint16_t*>(table.data) + offset, dst, hidden);
        break;
      case EmbeddingDType::kBFloat16: {
        const uint16_t* src = static_cast<const uint16_t*>(table.data) + offset;
        for (size_t c = 0; c < hidden; ++c) {
          const uint32_t bits = static_cast<uint32_t>(src[c]) << 16;
          std::memcpy(dst + c, &bits, sizeof(float));
        }
        break;
      }
      case EmbeddingDType::kInt8: {
        const int8_t* src = static_cast<const int8_t*>(table.data) + offset;
        const float scale = table.row_scales[id];
        for (size_t c = 0; c < hidden; ++c) dst[c] = scale * static_cast<float>(src[c]);
        break;
      }
    }
  }
}

void fuse_image_embeddings(const int32_t* ids, int64_t n, int32_t image_token_id, const float* image_embeds,
                           int64_t num_image_rows, int64_t hidden, float* embeds) {
  if (n < 0 || num_image_rows < 0 || hidden < 1)
    throw Error(ErrorCode::kInvalidArgument, "fuse_image_embeddings: negative count or hidden < 1");
  if (n > 0 && (!ids || !embeds)) throw Error(ErrorCode::kInvalidArgument, "fuse_image_embeddings: null ids or embeds");
  int64_t count = 0;
  for (int64_t i = 0; i < n; ++i) count += ids[i] == image_token_id;
  if (count != num_image_rows)
    throw Error(ErrorCode::kInvalidArgument, "image features and image tokens do not match: the prompt has " +
                                                 std::to_string(count) + " image-pad tokens (id " +
                                                 std::to_string(image_token_id) + ") but the images give " +
                                                 std::to_string(num_image_rows) + " embedding rows");
  if (count > 0 && !image_embeds) throw Error(ErrorCode::kInvalidArgument, "fuse_image_embeddings: null image_embeds");
  const size_t row = static_cast<size_t>(hidden);
  int64_t next = 0;
  for (int64_t i = 0; i < n; ++i)
    if (ids[i] == image_token_id) {
      std::memcpy(embeds + static_cast<size_t>(i) * row, image_embeds + static_cast<size_t>(next) * row,
                  row * sizeof(float));
      ++next;
    }
}

}  // namespace edgevl::llm
