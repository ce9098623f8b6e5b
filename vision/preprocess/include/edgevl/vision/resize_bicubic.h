// Pillow-exact bicubic resize of RGB8 images.
#pragma once

#include "edgevl/vision/image.h"

namespace edgevl::vision {

/// Resizes to out_height x out_width, bit-identical to Pillow's `Image.resize((out_width, out_height), Image.BICUBIC)`
/// on an "RGB" image (libImaging/Resample.c): separable, horizontal pass first then vertical, a pass skipped when that
/// side is unchanged; cubic kernel a = -0.5 with support 2*max(1, in/out) (antialiased when shrinking); weights
/// normalised per output pixel then stored as 22-bit fixed point; each pass rounds and clips to uint8.
/// This is NOT OpenCV's INTER_CUBIC (a = -0.75, no antialiasing).
/// Throws edgevl::Error(kInvalidArgument) if `image` is empty/inconsistent or the output size is not in [1, kMaxImageSide].
ImageU8 resize_bicubic(const ImageU8& image, int out_height, int out_width);

}  // namespace edgevl::vision
