// The images of qwen2vl-bench's ViT tests: `--image WxH` (a synthetic image of that size) or `--image FILE`.
#pragma once

#include <string>

#include "edgevl/edgevl.h"

namespace edgevl::bench {

struct ImageSpec {
  std::string spec;   ///< the --image value as given
  std::string label;  ///< test name: "vit 448x448", or "vit NAME" for a file (its file name)
  Image image;
};

/// `spec` of the form WxH (decimal, e.g. "448x448"): synthetic_image(W, H); anything else: an image file, which must
/// exist (it is decoded by the session, which reports undecodable files). Throws edgevl::Error kInvalidArgument for a
/// WxH whose sides are not in [1, 16384], kNotFound for a missing file; both name `spec`.
ImageSpec parse_image_spec(const std::string& spec);

/// A deterministic RGB test image of width × height pixels: red grows along x, green along y, blue is an 8-pixel
/// checkerboard (the same bytes on every run and machine). Throws edgevl::Error kInvalidArgument for sides < 1.
Image synthetic_image(int width, int height);

}  // namespace edgevl::bench
