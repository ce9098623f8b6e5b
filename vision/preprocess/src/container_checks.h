// Cheap structural checks on encoded image bytes, done before OpenCV decodes them: OpenCV (libjpeg) silently decodes a
// truncated JPEG, filling the missing part with grey, so truncation has to be detected from the container itself.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgevl::vision {

enum class ContainerKind { kJpeg, kPng, kGif, kWebp, kBmp, kTiff, kOther };

/// Recognises the format from its magic bytes. The five formats EdgeVL decodes (JPEG, PNG, WebP, BMP, TIFF) and GIF
/// (refused); kOther for anything else, which is never handed to a decoder: OpenCV's other decoders (PNM, Sun raster,
/// Radiance HDR, PFM, JPEG 2000 ...) are undocumented here and their headers are not checked for decompression bombs.
ContainerKind sniff_container(const uint8_t* data, size_t size);

/// Walks the JPEG marker segments (and the entropy-coded data after each SOS) and returns true iff an EOI marker
/// (FF D9) is reached before the end of the data.
bool jpeg_is_complete(const uint8_t* data, size_t size);

/// Walks the PNG chunks; returns false iff a chunk header or body runs past the end of the data. Reaching IEND or
/// ending exactly on a chunk boundary is complete (the decoder then judges the image data itself).
bool png_is_complete(const uint8_t* data, size_t size);

/// Width and height recorded in the container header (PNG IHDR, JPEG SOFn, WebP VP8/VP8L/VP8X, BMP core or info
/// header, TIFF/BigTIFF first IFD's ImageWidth/ImageLength), read without decoding. Returns false if the format is not
/// one of these or its header is too short or malformed to say.
bool header_dimensions(const uint8_t* data, size_t size, int64_t& width, int64_t& height);

/// True for an extended WebP (VP8X chunk) whose animation flag is set: OpenCV decodes only still WebP images.
bool webp_is_animated(const uint8_t* data, size_t size);

}  // namespace edgevl::vision
