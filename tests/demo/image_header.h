// Width and height of a PNG or JPEG file read from its header (IHDR / SOFn), without decoding it: lets the accuracy
// test check the held-out set's image sizes independently of EdgeVL's decoder.
#pragma once

#include <string>

namespace edgevl::demo_test {

struct ImageSize {
  int width = 0;
  int height = 0;
};

/// Throws std::runtime_error naming the file when it is not a PNG/JPEG or its header is truncated.
ImageSize image_size_from_header(const std::string& path);

}  // namespace edgevl::demo_test
