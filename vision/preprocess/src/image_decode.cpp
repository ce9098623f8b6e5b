// Image decoding with OpenCV, shaped to Pillow's convert("RGB") semantics (see image.h).
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>

#include <fmt/format.h>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "edgevl/error.h"
#include "edgevl/vision/image.h"
#include "container_checks.h"
#include "exif_orientation.h"

namespace edgevl::vision {
namespace {

[[noreturn]] void fail(ErrorCode code, const std::string& name, const std::string& what) {
  throw Error(code, fmt::format("image {}: {}", name, what));
}

void check_size(int height, int width, const std::string& name) {
  if (height < 1 || width < 1 || height > kMaxImageSide || width > kMaxImageSide ||
      static_cast<int64_t>(height) * width > kMaxImagePixels) {
    fail(ErrorCode::kInvalidArgument, name,
         fmt::format("size {}x{} (HxW) is outside [1, {}] per side / {} pixels", height, width, kMaxImageSide,
                     kMaxImagePixels));
  }
}

// BGR (8- or 16-bit, 3 channels) -> RGB8; 16-bit keeps the high byte.
template <typename T, int Shift>
void bgr_to_rgb8(const cv::Mat& m, ImageU8& out) {
  for (int y = 0; y < m.rows; ++y) {
    const T* src = m.ptr<T>(y);
    uint8_t* dst = out.rgb.data() + static_cast<size_t>(y) * m.cols * 3;
    for (int x = 0; x < m.cols; ++x) {
      dst[x * 3 + 0] = static_cast<uint8_t>(src[x * 3 + 2] >> Shift);
      dst[x * 3 + 1] = static_cast<uint8_t>(src[x * 3 + 1] >> Shift);
      dst[x * 3 + 2] = static_cast<uint8_t>(src[x * 3 + 0] >> Shift);
    }
  }
}

}  // namespace

ImageU8 decode_image(const uint8_t* data, size_t size, const std::string& name, int64_t max_pixels) {
  if (data == nullptr || size == 0) fail(ErrorCode::kCorruptFile, name, "empty file (0 bytes)");
  const ContainerKind kind = sniff_container(data, size);
  if (kind == ContainerKind::kGif) fail(ErrorCode::kUnsupported, name, "GIF is not supported (use JPEG, PNG, WebP, BMP, TIFF)");
  // Only the documented formats reach a decoder (OpenCV's others are neither documented nor bomb-checked).
  if (kind == ContainerKind::kOther)
    fail(ErrorCode::kCorruptFile, name, "not a decodable image (supported: JPEG, PNG, WebP, BMP, TIFF) or corrupt");
  if (webp_is_animated(data, size))
    fail(ErrorCode::kUnsupported, name, "animated WebP is not supported (OpenCV decodes still images only; save one "
                                        "frame as a still image)");
  if (kind == ContainerKind::kJpeg && !jpeg_is_complete(data, size)) {
    fail(ErrorCode::kCorruptFile, name, fmt::format("truncated JPEG: no end-of-image marker in its {} bytes", size));
  }
  if (kind == ContainerKind::kPng && !png_is_complete(data, size)) {
    fail(ErrorCode::kCorruptFile, name, fmt::format("truncated PNG: a chunk runs past the end of its {} bytes", size));
  }
  if (size > static_cast<size_t>(std::numeric_limits<int>::max())) {
    fail(ErrorCode::kInvalidArgument, name, fmt::format("file of {} bytes is too large", size));
  }

  // Decompression bombs: refuse from the header, before the decoder allocates anything (as Pillow's MAX_IMAGE_PIXELS).
  // Every format reaching the decoder must say its size in its header (compression lets a small file declare a huge
  // image in each of them).
  int64_t w = 0, h = 0;
  if (!header_dimensions(data, size, w, h)) {
    const char* format = kind == ContainerKind::kJpeg  ? "JPEG"
                         : kind == ContainerKind::kPng  ? "PNG"
                         : kind == ContainerKind::kWebp ? "WebP"
                         : kind == ContainerKind::kBmp  ? "BMP"
                                                        : "TIFF";
    fail(ErrorCode::kCorruptFile, name, fmt::format("{} header is malformed or gives no image size", format));
  }
  // Every header gives sides below 2^32, so their product fits uint64 (as int64 it could overflow).
  const uint64_t pixels = static_cast<uint64_t>(w) * static_cast<uint64_t>(h);
  if (max_pixels < 0 || pixels > static_cast<uint64_t>(max_pixels)) {
    fail(ErrorCode::kInvalidArgument, name,
         fmt::format("header declares {}x{} (WxH) = {} pixels, more than the limit of {} (decompression bomb?)", w, h,
                     pixels, max_pixels));
  }
  cv::Mat decoded;
  try {
    // IMREAD_COLOR: grey replicated, palette looked up, alpha dropped, EXIF orientation applied.
    // IMREAD_ANYDEPTH keeps 16-bit samples so that we choose the 16 -> 8 bit mapping ourselves.
    const cv::Mat buffer(1, static_cast<int>(size), CV_8UC1, const_cast<uint8_t*>(data));
    decoded = cv::imdecode(buffer, cv::IMREAD_COLOR | cv::IMREAD_ANYDEPTH);
  } catch (const cv::Exception& e) {
    fail(ErrorCode::kCorruptFile, name, fmt::format("cannot be decoded ({})", e.what()));
  }
  if (decoded.empty()) {
    fail(ErrorCode::kCorruptFile, name, "not a decodable image (supported: JPEG, PNG, WebP, BMP, TIFF) or corrupt");
  }
  // OpenCV 4.6 applies the EXIF orientation of JPEG and PNG itself, but not of WebP.
  if (kind == ContainerKind::kWebp) apply_exif_orientation(webp_exif_orientation(data, size), decoded);
  if (decoded.channels() != 3) {
    fail(ErrorCode::kUnsupported, name, fmt::format("decoder returned {} channels, expected 3", decoded.channels()));
  }
  check_size(decoded.rows, decoded.cols, name);

  ImageU8 out;
  out.height = decoded.rows;
  out.width = decoded.cols;
  out.rgb.resize(static_cast<size_t>(out.height) * out.width * 3);
  switch (decoded.depth()) {
    case CV_8U: bgr_to_rgb8<uint8_t, 0>(decoded, out); break;
    case CV_16U: bgr_to_rgb8<uint16_t, 8>(decoded, out); break;
    default:
      fail(ErrorCode::kUnsupported, name,
           fmt::format("sample type with OpenCV depth {} is not supported (8- or 16-bit integer only)", decoded.depth()));
  }
  return out;
}

ImageU8 load_image(const std::string& path, int64_t max_pixels) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) fail(ErrorCode::kNotFound, path, "file not found");
  if (std::filesystem::is_directory(status)) fail(ErrorCode::kInvalidArgument, path, "is a directory, not an image file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorCode::kIo, path, "cannot open file for reading");
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail(ErrorCode::kIo, path, "read failed");
  return decode_image(bytes.data(), bytes.size(), path, max_pixels);
}

ImageU8 image_from_rgb(const uint8_t* rgb, int height, int width) {
  if (rgb == nullptr) throw Error(ErrorCode::kInvalidArgument, "image_from_rgb: rgb buffer is null");
  check_size(height, width, "image_from_rgb buffer");
  ImageU8 out;
  out.height = height;
  out.width = width;
  out.rgb.assign(rgb, rgb + static_cast<size_t>(height) * width * 3);
  return out;
}

}  // namespace edgevl::vision
