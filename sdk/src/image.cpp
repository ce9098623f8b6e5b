#include "edgevl/image.h"

#include <string>

#include "edgevl/error.h"

namespace edgevl {

Image Image::from_file(std::string path) {
  if (path.empty()) throw Error(ErrorCode::kInvalidArgument, "image: empty file path");
  Image im;
  im.path_ = std::move(path);
  return im;
}

Image Image::from_rgb(std::vector<uint8_t> rgb, int width, int height) {
  if (width <= 0 || height <= 0)
    throw Error(ErrorCode::kInvalidArgument,
                "image: rgb buffer size " + std::to_string(width) + "x" + std::to_string(height) + " must be positive");
  const size_t expected = static_cast<size_t>(width) * static_cast<size_t>(height) * 3;
  if (rgb.size() != expected)
    throw Error(ErrorCode::kInvalidArgument, "image: rgb buffer " + std::to_string(width) + "x" + std::to_string(height) +
                                                 " needs " + std::to_string(expected) + " bytes, got " +
                                                 std::to_string(rgb.size()));
  Image im;
  im.rgb_ = std::move(rgb);
  im.width_ = width;
  im.height_ = height;
  return im;
}

std::string Image::describe() const {
  if (is_file()) return path_;
  return "rgb buffer " + std::to_string(width_) + "x" + std::to_string(height_);
}

}  // namespace edgevl
