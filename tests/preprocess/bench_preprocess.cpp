// Speed of the Pillow-exact resize and the full preprocess on a synthetic photo-sized image.
#include <benchmark/benchmark.h>

#include "edgevl/vision/preprocess.h"
#include "edgevl/vision/resize_bicubic.h"

namespace {

edgevl::vision::ImageU8 synthetic(int h, int w) {
  edgevl::vision::ImageU8 img;
  img.height = h;
  img.width = w;
  img.rgb.resize(static_cast<size_t>(h) * w * 3);
  for (size_t i = 0; i < img.rgb.size(); ++i) img.rgb[i] = static_cast<uint8_t>((i * 2654435761u) >> 11);
  return img;
}

void BM_ResizeBicubic(benchmark::State& state) {
  const auto img = synthetic(1080, 1920);
  for (auto _ : state) benchmark::DoNotOptimize(edgevl::vision::resize_bicubic(img, 1092, 1932));
  state.SetLabel("1080x1920 -> 1092x1932");
}
BENCHMARK(BM_ResizeBicubic)->Unit(benchmark::kMillisecond);

void BM_ResizeBicubicDown(benchmark::State& state) {
  const auto img = synthetic(1080, 1920);
  for (auto _ : state) benchmark::DoNotOptimize(edgevl::vision::resize_bicubic(img, 476, 840));
  state.SetLabel("1080x1920 -> 476x840");
}
BENCHMARK(BM_ResizeBicubicDown)->Unit(benchmark::kMillisecond);

void BM_Preprocess(benchmark::State& state) {
  const auto img = synthetic(480, 640);
  const edgevl::vision::PreprocessorConfig config;
  for (auto _ : state) benchmark::DoNotOptimize(edgevl::vision::preprocess(img, config));
  state.SetLabel("480x640 -> 476x644, 1564 patches");
}
BENCHMARK(BM_Preprocess)->Unit(benchmark::kMillisecond);

}  // namespace
