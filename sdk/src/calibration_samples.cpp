#include "calibration_samples.h"

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "edgevl/error.h"
#include "edgevl/qnn/json_limits.h"
#include "edgevl/session.h"
#include "edgevl/vision/image.h"
#include "model_impl.h"

namespace edgevl {
namespace fs = std::filesystem;

namespace {

constexpr size_t kMaxSamples = 100000;
constexpr size_t kMaxLineBytes = 1 << 20;

std::string image_path(const fs::path& base, const nlohmann::json& v, const std::string& where) {
  if (!v.is_string() || v.get<std::string>().empty())
    throw Error(ErrorCode::kCorruptFile, where + ": an image must be a non-empty path string");
  fs::path p(v.get<std::string>());
  if (p.is_relative()) p = base / p;
  std::error_code ec;
  if (!fs::is_regular_file(p, ec)) throw Error(ErrorCode::kNotFound, where + ": image " + p.string() + " not found");
  // Decoded once now (and dropped), as the session will decode it: an image that does not decode is an error before
  // any long work, not after the float graphs are built and written.
  try {
    (void)vision::load_image(p.string());
  } catch (const Error& e) {
    throw Error(e.code(), where + ": " + e.what());
  }
  return p.string();
}

// A seeded synthetic RGB image: a few content kinds so that the ViT sees flat areas, edges, colour and texture.
Image synthetic_image(int kind, int w, int h) {
  std::vector<uint8_t> rgb(size_t(w) * size_t(h) * 3);
  uint32_t state = 0x9e3779b9u * uint32_t(kind + 1);
  auto rnd = [&] {
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  };
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      uint8_t* p = &rgb[(size_t(y) * size_t(w) + size_t(x)) * 3];
      switch (kind % 4) {
        case 0:  // colour gradients
          p[0] = uint8_t(255 * x / std::max(1, w - 1));
          p[1] = uint8_t(255 * y / std::max(1, h - 1));
          p[2] = uint8_t(255 - p[0] / 2);
          break;
        case 1: {  // stripes and a checkerboard
          const bool c = ((x / 16) + (y / 16)) % 2 == 0;
          p[0] = c ? 230 : 20;
          p[1] = uint8_t((x / 8) % 2 ? 200 : 40);
          p[2] = c ? 60 : 180;
          break;
        }
        case 2: {  // shapes on a light background
          p[0] = p[1] = p[2] = 235;
          const float cx = float(w) * 0.3f, cy = float(h) * 0.4f, r = float(std::min(w, h)) * 0.2f;
          if (std::hypot(float(x) - cx, float(y) - cy) < r) { p[0] = 220; p[1] = 30; p[2] = 30; }
          if (x > w * 6 / 10 && x < w * 9 / 10 && y > h / 2 && y < h * 8 / 10) { p[0] = 30; p[1] = 60; p[2] = 210; }
          break;
        }
        default:  // noise
          p[0] = uint8_t(rnd());
          p[1] = uint8_t(rnd());
          p[2] = uint8_t(rnd());
      }
    }
  return Image::from_rgb(std::move(rgb), w, h);
}

}  // namespace

std::vector<CalibrationSample> load_calibration_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::error_code ec;
  if (!fs::is_regular_file(path, ec) || !f) throw Error(ErrorCode::kNotFound, "calibration file " + path + " not found");
  const fs::path base = fs::path(path).parent_path();
  std::vector<CalibrationSample> out;
  std::string line;
  size_t lineno = 0;
  while (std::getline(f, line)) {
    ++lineno;
    const std::string where = path + ":" + std::to_string(lineno);
    if (line.size() > kMaxLineBytes) throw Error(ErrorCode::kCorruptFile, where + ": line longer than 1 MiB");
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    if (out.size() >= kMaxSamples)
      throw Error(ErrorCode::kCorruptFile, where + ": more than " + std::to_string(kMaxSamples) + " samples");
    const nlohmann::json j = qnn::parse_json_bounded(line, where);
    if (!j.is_object()) throw Error(ErrorCode::kCorruptFile, where + ": not a JSON object");
    CalibrationSample s;
    auto pr = j.find("prompt");
    if (pr == j.end() || !pr->is_string() || pr->get<std::string>().empty())
      throw Error(ErrorCode::kCorruptFile, where + ": no \"prompt\" string");
    s.prompt = pr->get<std::string>();
    if (auto im = j.find("image"); im != j.end()) s.images.push_back(Image::from_file(image_path(base, *im, where)));
    if (auto ims = j.find("images"); ims != j.end()) {
      if (!ims->is_array()) throw Error(ErrorCode::kCorruptFile, where + ": \"images\" must be a list of paths");
      for (const auto& v : *ims) s.images.push_back(Image::from_file(image_path(base, v, where)));
    }
    out.push_back(std::move(s));
  }
  if (out.empty()) throw Error(ErrorCode::kInvalidArgument, "calibration file " + path + " holds no sample");
  return out;
}

std::vector<CalibrationSample> default_calibration_samples() {
  const char* questions[] = {"Describe the image.", "What colours do you see?", "How many shapes are there?",
                             "What is in the picture?"};
  const int sizes[][2] = {{224, 224}, {320, 240}, {256, 384}, {448, 336}};
  std::vector<CalibrationSample> out;
  for (int k = 0; k < 8; ++k) {
    CalibrationSample s;
    s.prompt = questions[k % 4];
    s.images.push_back(synthetic_image(k, sizes[k % 4][0], sizes[k % 4][1]));
    out.push_back(std::move(s));
  }
  for (const char* t : {"Hello! Who are you?", "Write one sentence about the sea.", "What is 12 plus 30?"})
    out.push_back({t, {}});
  return out;
}

engine::CalibrationRanges run_calibration(const std::string& float_bundle_dir,
                                          const std::vector<CalibrationSample>& samples, int new_tokens,
                                          const std::function<void(size_t, size_t)>& progress) {
  qnn::RangeObserver vit, llm;
  engine::EngineOptions eo;
  eo.float_mode = qnn::FloatMode::kFp32;
  eo.vit_observer = vit.hook();
  eo.llm_observer = llm.hook();
  {
    Model model = Model::from_impl(open_model_impl(float_bundle_dir, eo));
    GenerationConfig gc;
    gc.temperature = 0.0f;
    gc.max_new_tokens = std::max(1, new_tokens);
    for (size_t i = 0; i < samples.size(); ++i) {
      Session session(model);
      Request r;
      r.text = samples[i].prompt;
      r.images = samples[i].images;
      try {
        session.generate(r, gc);
      } catch (const Error& e) {
        throw Error(e.code(), "calibration sample " + std::to_string(i + 1) + ": " + e.what());
      }
      if (progress) progress(i + 1, samples.size());
    }
  }
  return {vit.ranges(), llm.ranges()};
}

}  // namespace edgevl
