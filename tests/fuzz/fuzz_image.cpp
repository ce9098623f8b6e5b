// Fuzz target: image decoding (PNG, JPEG, WebP, ... through OpenCV) from bytes, with a small decompression-bomb limit.
#include "edgevl/error.h"
#include "edgevl/vision/image.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    const edgevl::vision::ImageU8 im = edgevl::vision::decode_image(data, size, "fuzz input", 1 << 22);
    (void)im;
  } catch (const edgevl::Error&) {
  }
  return 0;
}
