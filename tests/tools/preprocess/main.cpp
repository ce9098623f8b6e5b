// edgevl-preprocess --model DIR --image FILE --out PREFIX
// Reads DIR/preprocessor_config.json (Qwen2-VL-2B-Instruct defaults if the file is absent), preprocesses FILE and writes
// PREFIX.pixel_values.npy (float32 [N, 1176]) and PREFIX.grid_thw.npy (int64 [1, 3]); prints "resized HxW grid T,H,W".
#include <cstdio>
#include <filesystem>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "edgevl/error.h"
#include "edgevl/vision/image.h"
#include "edgevl/vision/preprocess.h"
#include "edgevl/vision/preprocessor_config.h"
#include "edgevl/vision/smart_resize.h"
#include "npy.h"

int main(int argc, char** argv) {
  CLI::App app{"Qwen2-VL image preprocessing (HF Qwen2VLImageProcessor, Pillow-exact) to .npy"};
  std::string model_dir, image_path, prefix;
  app.add_option("--model", model_dir, "model directory holding preprocessor_config.json")->required();
  app.add_option("--image", image_path, "image file (JPEG, PNG, WebP, BMP, TIFF)")->required();
  app.add_option("--out", prefix, "output prefix: PREFIX.pixel_values.npy, PREFIX.grid_thw.npy")->required();
  CLI11_PARSE(app, argc, argv);

  try {
    namespace vision = edgevl::vision;
    const std::filesystem::path config_path = std::filesystem::path(model_dir) / "preprocessor_config.json";
    vision::PreprocessorConfig config;
    if (std::filesystem::exists(config_path)) {
      config = vision::load_preprocessor_config(config_path.string());
    } else {
      fmt::print(stderr, "note: {} not found, using Qwen2-VL-2B-Instruct defaults\n", config_path.string());
    }
    const vision::ImageU8 image = vision::load_image(image_path);
    const vision::PixelValues pv = vision::preprocess(image, config);
    edgevl::npy::write_npy(prefix + ".pixel_values.npy", pv.data.data(), {pv.num_patches, pv.patch_dim});
    const int64_t grid[3] = {pv.grid_thw[0], pv.grid_thw[1], pv.grid_thw[2]};
    edgevl::npy::write_npy(prefix + ".grid_thw.npy", grid, {1, 3});
    fmt::print("input {}x{} resized {}x{} grid_thw {},{},{} patches {} tokens {}\n", image.height, image.width,
               pv.grid_thw[1] * config.patch_size, pv.grid_thw[2] * config.patch_size, pv.grid_thw[0], pv.grid_thw[1],
               pv.grid_thw[2], pv.num_patches, pv.num_patches / (config.merge_size * config.merge_size));
  } catch (const edgevl::Error& e) {
    fmt::print(stderr, "edgevl-preprocess: error [{}]: {}\n", edgevl::error_code_name(e.code()), e.what());
    return 1;
  }
  return 0;
}
