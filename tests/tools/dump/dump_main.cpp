// edgevl-dump: runs one image+prompt request through EdgeVL's Qwen2-VL engine and writes every intermediate a second
// implementation needs to check it, as .npy files:
//   PREFIX.input_ids.npy       [L] int32        prompt ids (chat template unless --raw-prompt, image pads expanded)
//   PREFIX.pixel_values.<i>.npy [N_i, 1176] f32 preprocessed patches of image i
//   PREFIX.grid_thw.npy        [n, 3] int64     image_grid_thw
//   PREFIX.vision_embeds.npy   [sum N_i/4, hidden] f32  vision tower output (all images, in order)
//   PREFIX.prefill_logits.npy  [L, vocab] f32   logits of every prompt position
//   PREFIX.decode_tokens.npy   [N] int32        greedy tokens; token i is fed at decode step i
//   PREFIX.decode_logits.npy   [N, vocab] f32   logits after feeding token i (token 0 = argmax of the last prompt row)
// --model takes a compiled bundle or a Hugging Face directory (compiled first into a temporary bundle).
// tests/reference/qwen2vl_ref.py --model HF_DIR --dump PREFIX --compare checks these against the NumPy reference.
#include <CLI/CLI.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "edgevl/error.h"
#include "edgevl/llm/chat_template.h"
#include "edgevl/llm/sampler.h"
#include "edgevl/llm/tokenizer.h"
#include "edgevl/vision/image.h"
#include "edgevl/vision/preprocess.h"
#include "edgevl/vision/preprocessor_config.h"
#include "engine/engine.h"
#include "npy.h"

namespace fs = std::filesystem;
using namespace edgevl;

namespace {

double ms_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t).count();
}

std::vector<int64_t> parse_int_list(const std::string& s, const std::string& flag) {
  std::vector<int64_t> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    try {
      size_t pos = 0;
      out.push_back(std::stoll(item, &pos));
      if (pos != item.size()) throw std::invalid_argument(item);
    } catch (const std::exception&) {
      throw Error(ErrorCode::kInvalidArgument, flag + ": '" + item + "' is not an integer");
    }
  }
  return out;
}

/// A temporary directory removed when it goes out of scope.
struct TempDir {
  fs::path path;
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "edgevl-dump-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw Error(ErrorCode::kIo, "cannot create a temporary directory in " + tmpl);
    path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

int run(int argc, char** argv) {
  CLI::App app{"edgevl-dump: run a Qwen2-VL request through EdgeVL and dump ids, pixel values, vision embeddings and "
               "logits as .npy files"};
  std::string model, prompt, out, precision = "fp32", buckets_arg, bundle_out;
  std::vector<std::string> images;
  int decode_steps = 16;
  int64_t chunk = 32, context_length = 1024;
  bool joint_vit = false, raw_prompt = false;
  app.add_option("--model", model, "compiled bundle or Hugging Face model directory")->required();
  app.add_option("--image", images, "image file (repeatable; images come before the text in the user turn)");
  app.add_option("--prompt", prompt, "user text")->required();
  app.add_option("--out", out, "output prefix")->required();
  app.add_option("--precision", precision, "fp32 | fp16 (when compiling an HF directory)")
      ->check(CLI::IsMember({"fp32", "fp16"}));
  app.add_option("--decode-steps", decode_steps, "greedy decode steps")->check(CLI::Range(0, 1 << 20));
  app.add_option("--chunk", chunk, "prefill chunk (when compiling)")->check(CLI::Range(int64_t{1}, int64_t{1} << 20));
  app.add_option("--context-length", context_length, "context length (when compiling)")
      ->check(CLI::Range(int64_t{1}, int64_t{1} << 24));
  app.add_option("--vit-buckets", buckets_arg, "comma-separated ViT patch buckets (when compiling)");
  app.add_option("--save-bundle", bundle_out, "compile into this bundle directory and keep it (when compiling)");
  app.add_flag("--joint-vit", joint_vit, "run all images through the ViT in one call (one segment per image)");
  app.add_flag("--raw-prompt", raw_prompt,
               "tokenize --prompt verbatim (no chat template); its i-th <|image_pad|> stands for image i");
  CLI11_PARSE(app, argc, argv);

  nlohmann::json report;
  std::unique_ptr<TempDir> tmp;
  std::string bundle = model;
  if (!fs::exists(fs::path(model) / "manifest.json")) {
    engine::CompileOptions co;
    co.recipe = models::recipe_preset(precision);
    co.chunk = chunk;
    co.context_length = context_length;
    if (!buckets_arg.empty()) co.vit_buckets = parse_int_list(buckets_arg, "--vit-buckets");
    if (bundle_out.empty()) {
      tmp = std::make_unique<TempDir>();
      bundle = (tmp->path / "model.evl").string();
    } else {
      bundle = bundle_out;
    }
    engine::CompileSummary s = engine::compile_qwen2vl(model, bundle, co);
    report["compile_seconds"] = s.seconds;
    report["weights_bytes"] = s.weights_bytes;
  }
  auto eng = engine::Qwen2VLEngine::open(bundle);
  const engine::BundleInfo& info = eng->info();
  auto tok = llm::Tokenizer::from_file(eng->tokenizer_path());

  vision::PreprocessorConfig pre;
  const std::string pre_path = eng->preprocessor_config_path();
  if (!pre_path.empty()) pre = vision::load_preprocessor_config(pre_path);
  pre.max_pixels = std::min(pre.max_pixels, info.max_pixels);
  pre.min_pixels = std::min(pre.min_pixels, pre.max_pixels);

  // Images -> pixel values -> vision embeddings.
  std::vector<vision::PixelValues> pvs;
  std::vector<engine::ImageInput> inputs;
  std::vector<int64_t> tokens_per_image, grid_flat;
  std::vector<float> all_embeds;
  auto t_vit = std::chrono::steady_clock::now();
  for (const std::string& path : images) {
    pvs.push_back(vision::preprocess(vision::load_image(path), pre));
    const auto& g = pvs.back().grid_thw;
    grid_flat.insert(grid_flat.end(), g.begin(), g.end());
    tokens_per_image.push_back(g[0] * g[1] * g[2] / 4);
  }
  if (joint_vit && !pvs.empty()) {
    std::vector<float> joint;
    std::vector<std::array<int64_t, 3>> grids;
    int64_t n = 0;
    for (const auto& pv : pvs) {
      joint.insert(joint.end(), pv.data.begin(), pv.data.end());
      grids.push_back(pv.grid_thw);
      n += pv.num_patches;
    }
    all_embeds = eng->encode_image(joint.data(), n, grids);
    size_t off = 0;
    for (const auto& pv : pvs) {
      engine::ImageInput in;
      in.grid_thw = pv.grid_thw;
      const size_t cnt = size_t(in.num_tokens() * info.llm.hidden);
      in.embeds.assign(all_embeds.begin() + long(off), all_embeds.begin() + long(off + cnt));
      off += cnt;
      inputs.push_back(std::move(in));
    }
  } else {
    for (const auto& pv : pvs) {
      engine::ImageInput in;
      in.grid_thw = pv.grid_thw;
      in.embeds = eng->encode_image(pv.data.data(), pv.num_patches, {pv.grid_thw});
      all_embeds.insert(all_embeds.end(), in.embeds.begin(), in.embeds.end());
      inputs.push_back(std::move(in));
    }
  }
  report["vit_ms"] = ms_since(t_vit);

  // Prompt -> ids.
  std::string templated = prompt;
  if (!raw_prompt) {
    llm::ChatMessage user{"user", {}};
    for (size_t i = 0; i < images.size(); ++i) user.content.push_back(llm::ContentPart::Image());
    user.content.push_back(llm::ContentPart::Text(prompt));
    templated = llm::render_chat({user}, true);
  }
  const std::string text = llm::expand_image_pads(templated, tokens_per_image);
  const std::vector<int32_t> ids = tok->encode(text);

  // Prefill (every position) and greedy decode.
  auto seq = eng->new_sequence();
  auto t_pre = std::chrono::steady_clock::now();
  std::vector<float> prefill_logits = eng->prefill(*seq, ids, inputs, /*all_logits=*/true);
  report["prefill_ms"] = ms_since(t_pre);
  const int64_t V = info.llm.vocab_size;
  std::vector<float> last(prefill_logits.end() - V, prefill_logits.end());
  std::vector<int32_t> dec_tokens;
  std::vector<float> dec_logits;
  auto t_dec = std::chrono::steady_clock::now();
  for (int s = 0; s < decode_steps && seq->length() < seq->capacity(); ++s) {
    const int32_t t = llm::argmax(last);
    dec_tokens.push_back(t);
    last = eng->decode(*seq, t);
    dec_logits.insert(dec_logits.end(), last.begin(), last.end());
  }
  report["decode_ms"] = ms_since(t_dec);

  const int64_t L = int64_t(ids.size()), n_img = int64_t(images.size());
  npy::write_npy(out + ".input_ids.npy", ids.data(), {L});
  for (size_t i = 0; i < pvs.size(); ++i)
    npy::write_npy(out + ".pixel_values." + std::to_string(i) + ".npy", pvs[i].data.data(),
                     {pvs[i].num_patches, pvs[i].patch_dim});
  npy::write_npy(out + ".grid_thw.npy", grid_flat.data(), {n_img, 3});
  npy::write_npy(out + ".vision_embeds.npy", all_embeds.data(),
                   {int64_t(all_embeds.size()) / info.llm.hidden, int64_t(info.llm.hidden)});
  npy::write_npy(out + ".prefill_logits.npy", prefill_logits.data(), {L, V});
  npy::write_npy(out + ".decode_tokens.npy", dec_tokens.data(), {int64_t(dec_tokens.size())});
  npy::write_npy(out + ".decode_logits.npy", dec_logits.data(), {int64_t(dec_tokens.size()), V});
  report["tokens"] = L;
  report["images"] = n_img;
  report["decode_tokens"] = dec_tokens;
  report["bundle"] = tmp ? "" : bundle;
  std::cout << report.dump() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const Error& e) {
    std::cerr << "edgevl-dump: error (" << error_code_name(e.code()) << "): " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "edgevl-dump: error: " << e.what() << "\n";
    return 1;
  }
}
