// Turns a Request into the token ids of one new conversation turn (chat template continuation, image pads expanded)
// and the preprocessed images, validating everything before any graph runs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "edgevl/request.h"
#include "edgevl/vision/preprocess.h"
#include "model_impl.h"

namespace edgevl::detail {

struct PreparedImage {
  std::string name;             ///< Image::describe(), for messages
  vision::ImageU8 decoded;      ///< the decoded RGB image (resized and patchified only once the prompt is known to fit)
  int64_t num_patches = 0;      ///< t*gh*gw from smart_resize of its size
  int64_t tokens = 0;           ///< num_patches / merge^2 image pads in the prompt
};

struct Turn {
  std::vector<int32_t> ids;             ///< new tokens, image pads expanded, ending with "<|im_start|>assistant\n"
  std::vector<PreparedImage> images;    ///< in the order of their pad runs in `ids`
  double preprocess_ms = 0;             ///< image decoding
};

/// Resizes, normalizes and patchifies a decoded image: pixel_values [num_patches, 1176] + grid_thw.
vision::PixelValues pixel_values(const Model::Impl& model, const PreparedImage& image);

/// Builds the turn for `request`. `continues` = the conversation already holds turns (then the text starts with the
/// next message; the caller has closed the previous assistant turn with "<|im_end|>\n"), otherwise the rendering
/// starts the conversation (default system prompt when the first message is not a system message). The rendering is
/// tokenized as one text; the messages' text is a literal range of it (special-token strings typed there are ordinary
/// text, image pads typed there are neither counted nor expanded) unless request.parse_special_tokens.
/// Throws edgevl::Error kInvalidArgument (empty request, bad message order, text vs image count mismatch), image
/// errors from decoding (kNotFound, kCorruptFile …) and smart_resize, kUnsupported (image larger than the largest ViT bucket).
Turn build_turn(const Model::Impl& model, const Request& request, bool continues);

/// Ends an assistant turn held in `ids` the way the chat template does: a trailing eos other than "<|im_end|>" is
/// dropped, then "<|im_end|>" is appended unless it is already last. `min_size`: ids below it are never dropped.
void close_assistant_turn(const Model::Impl& model, std::vector<int32_t>& ids, size_t min_size);

}  // namespace edgevl::detail
