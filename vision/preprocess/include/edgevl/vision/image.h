// Decoded RGB8 images and how EdgeVL gets them: from a file, from encoded bytes in memory, or from a caller's buffer.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace edgevl::vision {

/// An 8-bit RGB image, row-major HWC: `rgb` holds height*width*3 bytes, pixel (y, x) channel c at (y*width + x)*3 + c.
struct ImageU8 {
  int height = 0;
  int width = 0;
  std::vector<uint8_t> rgb;  ///< [height, width, 3], channel order R, G, B
};

/// Largest accepted side and area (pixels) of a decoded or supplied image.
inline constexpr int kMaxImageSide = 1 << 16;
inline constexpr int64_t kMaxImagePixels = int64_t{1} << 30;
/// Default decompression-bomb limit of load_image/decode_image: an encoded image whose header (PNG IHDR, JPEG SOF,
/// WebP VP8/VP8L/VP8X, BMP, TIFF first IFD) declares more pixels than this is refused BEFORE decoding (kInvalidArgument naming the file), as Pillow's
/// Image.MAX_IMAGE_PIXELS (89,478,485 = 1024*1024*1024 / 4 / 3) refuses it. Pass another `max_pixels` to raise or lower it.
inline constexpr int64_t kDefaultMaxDecodePixels = 89478485;

/// Reads and decodes an image file (JPEG, PNG, WebP, BMP, TIFF) with OpenCV into RGB8, matching Pillow's
/// `Image.open(path)` + `ImageOps.exif_transpose` + `convert("RGB")` as used by the Hugging Face Qwen2-VL processor:
///  - grey is replicated to R=G=B, a palette image is looked up, an alpha channel is DROPPED (not composited);
///  - the EXIF orientation tag is applied for JPEG, PNG (by OpenCV) and WebP (by EdgeVL: OpenCV 4.6 ignores it), all
///    tested against Pillow; TIFF orientation is left to OpenCV (not compared with Pillow);
///  - deliberate deviation: 16-bit images are scaled to 8 bits by keeping the high byte (v >> 8). Pillow does the same
///    for 16-bit RGB PNGs but CLIPS 16-bit grey (mode "I") to 255; EdgeVL scales instead.
/// CMYK JPEGs are converted by OpenCV's formula, which differs from Pillow's (not matched).
/// Only these five formats are handed to the decoder, and only when their header gives the image size: other files
/// (also formats OpenCV could decode, e.g. PNM or Radiance HDR, whose headers are not bomb-checked) are kCorruptFile.
/// Throws edgevl::Error naming the file: kNotFound (missing), kIo (unreadable), kCorruptFile (empty, not an image of
/// the five formats, no size in its header, truncated JPEG/PNG, undecodable), kUnsupported (a recognised format or
/// variant OpenCV cannot decode: GIF, animated WebP),
/// kInvalidArgument (larger than kMaxImageSide / kMaxImagePixels, or a header declaring more than `max_pixels` pixels:
/// checked before any pixel is decoded, so a small file that would decode to gigabytes costs nothing).
ImageU8 load_image(const std::string& path, int64_t max_pixels = kDefaultMaxDecodePixels);

/// As load_image, from encoded bytes in memory; `name` is used in error messages only.
ImageU8 decode_image(const uint8_t* data, size_t size, const std::string& name,
                     int64_t max_pixels = kDefaultMaxDecodePixels);

/// Copies a caller-owned RGB8 buffer ([height, width, 3], HWC, tightly packed) into an ImageU8.
/// Throws kInvalidArgument if `rgb` is null or height/width is not in [1, kMaxImageSide] or the area exceeds kMaxImagePixels.
ImageU8 image_from_rgb(const uint8_t* rgb, int height, int width);

}  // namespace edgevl::vision
