// Test fixture of the C API, Java binding and edgevl-chat tests: compiles the bundled demo model
// models/demo/qwen2vl-shapes into OUT_DIR/shapes.evl (small context so that an over-long prompt is cheap to make), and
// records what the C++ API answers, so that the C and Java tests can check that they give the SAME answers:
//   OUT_DIR/scene4.rgb        models/demo/samples/scene4.png decoded to raw RGB [height, width, 3] (lossless PNG, so a
//                             JVM decoding the PNG gets the same bytes)
//   OUT_DIR/expected.properties   key=value lines (java.util.Properties syntax, plain ASCII):
//       bundle, context_length, scene0.path, scene0.describe (C++ greedy answer for the file), scene4.path,
//       scene4.width, scene4.height, scene4.describe.rgb (C++ answer for the RGB buffer), scene4.describe (file),
//       scene0.followup (C++ answer to "How many shapes are there?" asked after "Describe the image." in the same
//       conversation), scene0.followup.prefill (tokens that follow-up prefilled: the rest came from the KV cache)
//
//   make_demo_bundle MODEL_DIR SAMPLES_DIR OUT_DIR
#include <chrono>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <string>

#include "edgevl/edgevl.h"
#include "edgevl/vision/image.h"

namespace fs = std::filesystem;

namespace {

std::string answer(edgevl::Model& model, const edgevl::Request& request) {
  edgevl::Session session(model);
  edgevl::GenerationConfig config;
  config.max_new_tokens = 24;
  return session.generate(request, config).text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s MODEL_DIR SAMPLES_DIR OUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string model_dir = argv[1], samples = argv[2], out = argv[3];
  try {
    fs::create_directories(out);
    const std::string bundle = (fs::path(out) / "shapes.evl").string();
    edgevl::CompileOptions o;
    o.context_length = 128;          // a system prompt + <= 40 image tokens + a question + an answer
    o.chunk = 64;
    o.vit_buckets = {96, 128, 160};  // 20..40 visual tokens (the model's min/max_pixels)
    const auto t0 = std::chrono::steady_clock::now();
    edgevl::compile_model(model_dir, bundle, o);
    std::fprintf(stderr, "[make_demo_bundle] compiled %s in %.1f s\n", bundle.c_str(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());

    edgevl::Model model = edgevl::Model::open(bundle);
    const std::string scene0 = (fs::path(samples) / "scene0.jpg").string();
    const std::string scene4 = (fs::path(samples) / "scene4.png").string();
    const edgevl::vision::ImageU8 rgb = edgevl::vision::load_image(scene4);
    {
      std::ofstream f(fs::path(out) / "scene4.rgb", std::ios::binary);
      f.write(reinterpret_cast<const char*>(rgb.rgb.data()), static_cast<std::streamsize>(rgb.rgb.size()));
      if (!f) throw std::runtime_error("cannot write " + out + "/scene4.rgb");
    }
    edgevl::Session chat(model);
    edgevl::GenerationConfig c24;
    c24.max_new_tokens = 24;
    chat.generate(edgevl::Request::user("Describe the image.", {scene0}), c24);
    const edgevl::Result followup = chat.generate(edgevl::Request::user("How many shapes are there?"), c24);

    edgevl::Request from_rgb;
    from_rgb.text = "Describe the image.";
    from_rgb.images.push_back(edgevl::Image::from_rgb(rgb.rgb, rgb.width, rgb.height));

    std::ofstream p(fs::path(out) / "expected.properties");
    p << "bundle=" << bundle << "\n"
      << "context_length=" << model.info().context_length << "\n"
      << "scene0.path=" << scene0 << "\n"
      << "scene0.describe=" << answer(model, edgevl::Request::user("Describe the image.", {scene0})) << "\n"
      << "scene4.path=" << scene4 << "\n"
      << "scene4.width=" << rgb.width << "\n"
      << "scene4.height=" << rgb.height << "\n"
      << "scene4.describe=" << answer(model, edgevl::Request::user("Describe the image.", {scene4})) << "\n"
      << "scene4.describe.rgb=" << answer(model, from_rgb) << "\n"
      << "scene0.followup=" << followup.text << "\n"
      << "scene0.followup.prefill=" << followup.stats.prefill_tokens << "\n";
    if (!p) throw std::runtime_error("cannot write " + out + "/expected.properties");
    std::fprintf(stderr, "[make_demo_bundle] wrote %s/expected.properties\n", out.c_str());
    return 0;
  } catch (const edgevl::Error& e) {
    std::fprintf(stderr, "make_demo_bundle: error: %s [%s]\n", e.what(), edgevl::error_code_name(e.code()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "make_demo_bundle: error: %s\n", e.what());
  }
  return 1;
}
