#include <gtest/gtest.h>

#include "tiny_model.h"

#include <cstdlib>
#include <filesystem>

namespace edgevl::test {
namespace fs = std::filesystem;
namespace {
std::optional<Model> g_model;
std::string g_dir;
}  // namespace

class TinyModelEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    std::string tmpl = (fs::temp_directory_path() / "edgevl-sdk-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(tmpl.data()), nullptr);
    g_dir = tmpl;
    const std::string hf = g_dir + "/hf";
    // max_pixels 28*28*16: images up to 16 merged tokens keep the ViT buckets small.
    const std::string cmd = std::string(EDGEVL_PYTHON) + " " + EDGEVL_SOURCE_DIR +
                            "/models/tools/make_random_checkpoint.py " + hf +
                            " --preset tiny --seed 3 --max-pixels 12544 > " + g_dir + "/make.log 2>&1";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
    CompileOptions o;
    o.context_length = kTinyContext;
    o.chunk = kTinyChunk;
    compile_model(hf, g_dir + "/tiny.evl", o);
    g_model = Model::open(g_dir + "/tiny.evl");
  }
  void TearDown() override {
    g_model.reset();
    std::error_code ec;
    if (!g_dir.empty()) fs::remove_all(g_dir, ec);
  }
};

::testing::Environment* make_tiny_model_environment() { return new TinyModelEnvironment; }

const Model& tiny_model() {
  if (!g_model) {
    ADD_FAILURE() << "tiny model fixture missing";
    std::abort();
  }
  return *g_model;
}

const std::string& tiny_dir() { return g_dir; }

Image synthetic_image(int width, int height, int seed) {
  std::vector<uint8_t> rgb(static_cast<size_t>(width) * height * 3);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      for (int c = 0; c < 3; ++c)
        rgb[(static_cast<size_t>(y) * width + x) * 3 + c] =
            static_cast<uint8_t>((x * (3 + seed) + y * (5 + 2 * seed) + c * 77 + seed * 41) & 0xff);
  return Image::from_rgb(std::move(rgb), width, height);
}

}  // namespace edgevl::test
