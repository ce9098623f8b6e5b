#include "image_spec.h"

#include <cstdint>
#include <filesystem>
#include <regex>
#include <vector>

namespace edgevl::bench {

Image synthetic_image(int width, int height) {
  if (width < 1 || height < 1)
    throw Error(ErrorCode::kInvalidArgument, "synthetic image: size " + std::to_string(width) + "x" +
                                                 std::to_string(height) + " is not positive");
  std::vector<uint8_t> rgb(static_cast<size_t>(width) * static_cast<size_t>(height) * 3);
  const int wx = width > 1 ? width - 1 : 1, hy = height > 1 ? height - 1 : 1;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) {
      uint8_t* p = &rgb[(static_cast<size_t>(y) * static_cast<size_t>(width) + static_cast<size_t>(x)) * 3];
      p[0] = static_cast<uint8_t>(x * 255 / wx);
      p[1] = static_cast<uint8_t>(y * 255 / hy);
      p[2] = ((x / 8 + y / 8) % 2) ? 255 : 0;
    }
  return Image::from_rgb(std::move(rgb), width, height);
}

ImageSpec parse_image_spec(const std::string& spec) {
  static const std::regex kSize("([0-9]{1,9})x([0-9]{1,9})");
  std::smatch m;
  ImageSpec r;
  r.spec = spec;
  if (std::regex_match(spec, m, kSize)) {
    const long w = std::stol(m[1].str()), h = std::stol(m[2].str());
    constexpr long kMaxSide = 16384;
    if (w < 1 || h < 1 || w > kMaxSide || h > kMaxSide)
      throw Error(ErrorCode::kInvalidArgument,
                  "--image " + spec + ": each side must be in [1, " + std::to_string(kMaxSide) + "] pixels");
    r.label = "vit " + spec;
    r.image = synthetic_image(static_cast<int>(w), static_cast<int>(h));
    return r;
  }
  std::error_code ec;
  if (!std::filesystem::is_regular_file(spec, ec))
    throw Error(ErrorCode::kNotFound, "--image " + spec + ": neither WxH (e.g. 448x448) nor an existing image file");
  r.label = "vit " + std::filesystem::path(spec).filename().string();
  r.image = Image::from_file(spec);
  return r;
}

}  // namespace edgevl::bench
