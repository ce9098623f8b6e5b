// Cheap structural checks on encoded image bytes, done before OpenCV decodes them: OpenCV (libjpeg) silently decodes a
// truncated JPEG, filling the missing part with grey, so truncation has to be detected from the container itself.
#pragma once

#include <cstddef>
#include <cstdint>

namespace edgevl::vision {

enum class ContainerKind { kJpeg, kPng, kGif, kWebp, kOther };

/// Recognises the format from its magic bytes.
ContainerKind sniff_container(const uint8_t* data, size_t size);

/// Walks the JPEG marker segments (and the entropy-coded data after each SOS) and returns true iff an EOI marker
/// (FF D9) is reached before the end of the data.
bool jpeg_is_complete(const uint8_t* data, size_t size);

/// Walks the PNG chunks; returns false iff a chunk header or body runs past the end of the data. Reaching IEND or
/// ending exactly on a chunk boundary is complete (the decoder then judges the image data itself).
bool png_is_complete(const uint8_t* data, size_t size);

/// Width and height recorded in the container header (PNG IHDR, JPEG SOFn, WebP VP8/VP8L/VP8X, BMP info header), read
/// without decoding. Returns false if the format is not one of these or its header is too short to say.
bool header_dimensions(const uint8_t* data, size_t size, int64_t& width, int64_t& height);

}  // namespace edgevl::vision
