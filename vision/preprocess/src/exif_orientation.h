// EXIF orientation for containers whose EXIF OpenCV 4.6 ignores (WebP); OpenCV already applies it for JPEG and PNG.
#pragma once

#include <cstddef>
#include <cstdint>

namespace cv {
class Mat;
}

namespace edgevl::vision {

/// The EXIF Orientation tag (1..8) of a WebP file's EXIF chunk, or 1 when absent or unreadable.
int webp_exif_orientation(const uint8_t* data, size_t size);

/// Applies an EXIF orientation (1..8) to a decoded image in place, as Pillow's ImageOps.exif_transpose.
void apply_exif_orientation(int orientation, cv::Mat& image);

}  // namespace edgevl::vision
