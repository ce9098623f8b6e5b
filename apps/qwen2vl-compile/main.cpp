// qwen2vl-compile --model HF_DIR --out NAME.evl [--precision fp32|fp16|w8a16|w4a16] [--block-size 16|32|64]
//                 [--vit-precision fp32|fp16|w8a16] [--recipe FILE.json] [--calibration FILE.jsonl] [--calibration-tokens N]
//                 [--report FILE.json [--report-samples FILE.jsonl]] [--context-length N] [--chunk N] [--max-pixels N]
// Compiles a Hugging Face Qwen2-VL checkpoint into an EdgeVL bundle (static graphs + mmappable weights), showing a
// progress bar and a summary on stderr. The bundle is written atomically (a temporary directory renamed at the end).
#include <CLI/CLI.hpp>

#include <cstdio>
#include <string>

#include "edgevl/edgevl.h"
#include "edgevl_apps/cli.h"
#include "edgevl_apps/progress_bar.h"

int main(int argc, char** argv) {
  CLI::App app{"Compile a Hugging Face Qwen2-VL model directory into an EdgeVL bundle", "qwen2vl-compile"};
  std::string model, out, precision = "fp32";
  edgevl::CompileOptions opt;
  app.add_option("--model", model, "Hugging Face model directory (config.json, *.safetensors, tokenizer.json, ...)")
      ->required();
  app.add_option("--out", out, "output bundle directory, e.g. qwen2vl.evl")->required();
  app.add_option("--precision", precision,
                 "fp32 (reference), fp16, w8a16 or w4a16 (LPBQ int4 weights, uint16 activations, uint8 KV cache)")
      ->check(CLI::IsMember({"fp32", "fp16", "w8a16", "w4a16"}))
      ->capture_default_str();
  app.add_option("--block-size", opt.block_size, "LPBQ block of input channels (w4a16)")
      ->check(CLI::IsMember({16, 32, 64}))
      ->capture_default_str();
  app.add_option("--vit-precision", opt.vit_precision, "vision tower: fp32, fp16 or w8a16 (default: the preset's)")
      ->check(CLI::IsMember({"fp32", "fp16", "w8a16"}));
  app.add_option("--recipe", opt.recipe_file,
                 "recipe file (JSON) over the preset, e.g. {\"weights\": {\"TENSOR\": \"w8\"}} (docs/quantization.md)");
  app.add_option("--calibration", opt.calibration_file,
                 "calibration samples, JSONL {\"prompt\": ..., \"image\": PATH} per line (default: built-in samples)");
  app.add_option("--report", opt.report_file,
                 "after compiling, compare the quantized bundle with the float model and write the report (JSON) here");
  app.add_option("--report-samples", opt.report_samples_file,
                 "held-out samples for --report, same JSONL format (default: built-in held-out samples)");
  app.add_option("--calibration-tokens", opt.calibration_new_tokens, "tokens generated per calibration sample")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--context-length", opt.context_length, "tokens per conversation (prompt + generated)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--chunk", opt.chunk, "tokens per prefill graph run")->check(CLI::PositiveNumber)->capture_default_str();
  app.add_option("--backend", opt.backend,
                 "back end the bundle is compiled for (built in: emulator, the CPU back end; a QNN HTP back end needs "
                 "Qualcomm's QAIRT SDK)")
      ->capture_default_str();
  app.add_option("--max-pixels", opt.max_pixels, "image size cap for smart_resize (0 = the model's preprocessor_config)")
      ->check(CLI::NonNegativeNumber)
      ->capture_default_str();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? edgevl::apps::kExitOk : edgevl::apps::kExitUsage;
  }

  return edgevl::apps::run_guarded("qwen2vl-compile", [&] {
    opt.precision = edgevl::precision_from_name(precision);
    edgevl::apps::ProgressBar bar;
    opt.progress = [&](const std::string& stage, size_t done, size_t total) { bar.update(stage, done, total); };
    std::fprintf(stderr, "compiling %s -> %s (%s, context %lld, chunk %lld, back end %s)\n", model.c_str(), out.c_str(),
                 precision.c_str(), static_cast<long long>(opt.context_length), static_cast<long long>(opt.chunk),
                 opt.backend.c_str());
    edgevl::CompileSummary s;
    try {
      s = edgevl::compile_model(model, out, opt);
    } catch (...) {
      bar.finish();
      throw;
    }
    bar.finish();
    std::string graphs, buckets;
    for (const auto& g : s.graphs) graphs += (graphs.empty() ? "" : ", ") + g;
    for (auto b : s.vit_buckets) buckets += (buckets.empty() ? "" : ", ") + std::to_string(b);
    std::fprintf(stderr,
                 "done: %s\n  graphs (%zu): %s\n  ViT buckets (patches): %s\n  weights: %s, bundle: %s\n"
                 "  recipe: %s\n  time: %.1f s",
                 out.c_str(), s.graphs.size(), graphs.c_str(), buckets.c_str(),
                 edgevl::apps::format_bytes(s.weights_bytes).c_str(), edgevl::apps::format_bytes(s.bundle_bytes).c_str(),
                 s.recipe.c_str(), s.seconds);
    if (s.calibration_samples)
      std::fprintf(stderr, " (calibration: %zu samples, %.1f s)", s.calibration_samples, s.calibration_seconds);
    std::fprintf(stderr, "\n");
    for (const auto& n : s.notes) std::fprintf(stderr, "  note: %s\n", n.c_str());
    if (!s.report.empty()) std::fprintf(stderr, "%s  report written to %s\n", s.report.c_str(), opt.report_file.c_str());
    return edgevl::apps::kExitOk;
  });
}
