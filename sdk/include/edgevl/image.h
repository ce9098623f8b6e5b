// An image given to a request: a file path (decoded with OpenCV when the session needs it) or an already decoded RGB
// buffer owned by the Image.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace edgevl {

class Image {
 public:
  /// An image file (PNG, JPEG, BMP, WebP, TIFF … whatever OpenCV decodes). Not read until a session uses it; a missing
  /// file then throws edgevl::Error kNotFound, an undecodable one kCorruptFile, both naming the path.
  static Image from_file(std::string path);

  /// A decoded image, interleaved RGB uint8, row-major [height, width, 3] (copied). Throws edgevl::Error
  /// kInvalidArgument if width or height is not positive or `rgb.size() != height * width * 3`.
  static Image from_rgb(std::vector<uint8_t> rgb, int width, int height);

  bool is_file() const { return !path_.empty(); }
  const std::string& path() const { return path_; }        ///< empty for a decoded buffer
  const std::vector<uint8_t>& rgb() const { return rgb_; }  ///< [height, width, 3]; empty for a file
  int width() const { return width_; }                      ///< 0 for a file
  int height() const { return height_; }                    ///< 0 for a file
  /// "FILE" for a file, "rgb buffer WxH" otherwise: how error messages name the image.
  std::string describe() const;

 private:
  std::string path_;
  std::vector<uint8_t> rgb_;
  int width_ = 0;
  int height_ = 0;
};

}  // namespace edgevl
