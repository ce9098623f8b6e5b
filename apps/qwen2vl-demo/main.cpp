// qwen2vl-demo [--model BUNDLE_OR_HF_DIR] --image FILE ... --prompt TEXT [--max-new-tokens N] [--temperature T]
//              [--top-k K] [--top-p P] [--repetition-penalty R] [--seed S] [--stop STR ...] [--stats] [--interactive]
//              [--parse-special-tokens]
// Streams Qwen2-VL's answer about the images to stdout. Without --model it uses the bundled default model; a Hugging
// Face directory is compiled once into a cache. --interactive keeps one conversation going: prompts are read from
// stdin, "/image PATH" attaches an image to the next prompt, "/reset" starts over, "/quit" (or end of input) exits.
// Ctrl-C cancels the answer being generated.
#include <CLI/CLI.hpp>

#include <csignal>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "edgevl/edgevl.h"
#include "edgevl_apps/cli.h"
#include "edgevl_apps/model_source.h"

namespace {

edgevl::Session* volatile g_session = nullptr;

extern "C" void on_sigint(int) {
  edgevl::Session* s = g_session;
  if (s) s->cancel();  // an atomic store: async-signal-safe
  else std::_Exit(130);
}

void print_stats(const edgevl::Result& r) {
  const edgevl::Stats& s = r.stats;
  std::fprintf(stderr,
               "[stats] stop: %s | images: %d, preprocess %.1f ms, ViT %.1f ms | prefill: %lld tokens (prompt %lld) in "
               "%.1f ms, %.1f tok/s | time to first token %.1f ms | decode: %lld tokens, %.1f tok/s | total %.1f ms\n",
               edgevl::stop_reason_name(r.stop_reason), s.images, s.preprocess_ms, s.vit_ms,
               static_cast<long long>(s.prefill_tokens), static_cast<long long>(s.prompt_tokens), s.prefill_ms,
               s.prefill_tokens_per_s, s.ttft_ms, static_cast<long long>(s.decode_tokens), s.decode_tokens_per_s,
               s.total_ms);
}

// One turn: stream the answer to stdout.
edgevl::Result answer(edgevl::Session& session, const edgevl::Request& request, const edgevl::GenerationConfig& config,
                      bool stats) {
  const edgevl::Result r = session.generate(request, config, [](std::string_view piece) {
    std::fwrite(piece.data(), 1, piece.size(), stdout);
    std::fflush(stdout);
    return true;
  });
  std::fputc('\n', stdout);
  std::fflush(stdout);
  if (r.stop_reason == edgevl::StopReason::kCancelled) std::fprintf(stderr, "[cancelled]\n");
  if (r.stop_reason == edgevl::StopReason::kContextFull) std::fprintf(stderr, "[context full]\n");
  if (stats) print_stats(r);
  return r;
}

int interactive(edgevl::Session& session, edgevl::Request first, bool have_first,
                const edgevl::GenerationConfig& config, bool stats, bool parse_special) {
  std::fprintf(stderr,
               "[interactive: each line is a question in the same conversation (earlier turns stay in the KV cache, "
               "only the new turn is prefilled); /image PATH attaches an image to the next question, /reset starts a "
               "new conversation, /quit or end of input exits]\n");
  if (have_first) answer(session, first, config, stats);
  std::vector<std::string> images = have_first ? std::vector<std::string>{} : [&] {
    std::vector<std::string> v;
    for (const auto& im : first.images) v.push_back(im.path());
    return v;
  }();
  std::string line;
  while (true) {
    std::fprintf(stderr, "> ");
    std::fflush(stderr);
    if (!std::getline(std::cin, line)) break;
    if (line == "/quit" || line == "/exit") break;
    if (line == "/reset") {
      session.reset();
      images.clear();
      std::fprintf(stderr, "[conversation reset]\n");
      continue;
    }
    if (line.rfind("/image ", 0) == 0) {
      images.push_back(line.substr(7));
      std::fprintf(stderr, "[image %s attached to the next prompt]\n", images.back().c_str());
      continue;
    }
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    try {
      edgevl::Request turn = edgevl::Request::user(line, images);
      turn.parse_special_tokens = parse_special;
      answer(session, turn, config, stats);
    } catch (const edgevl::Error& e) {  // a bad turn does not end the conversation
      std::fprintf(stderr, "error: %s [%s]\n", e.what(), edgevl::error_code_name(e.code()));
    }
    images.clear();
  }
  return edgevl::apps::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Ask Qwen2-VL about images (EdgeVL, HTP emulator)", "qwen2vl-demo"};
  std::string model_path, prompt;
  std::vector<std::string> images;
  std::optional<int> max_new_tokens, top_k;
  std::optional<float> temperature, top_p, repetition_penalty;
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
  bool stats = false, inter = false, parse_special = false;
  edgevl::CompileOptions compile;
  app.add_option("--model", model_path,
                 "compiled bundle (NAME.evl) or Hugging Face Qwen2-VL directory (compiled once into a cache); "
                 "default: the bundled demo model ($EDGEVL_DEFAULT_MODEL overrides)");
  app.add_option("--image", images, "image file (repeatable)");
  app.add_option("--prompt", prompt, "question or instruction");
  app.add_option("--max-new-tokens", max_new_tokens, "maximum tokens to generate");
  app.add_option("--temperature", temperature, "sampling temperature (0 = greedy)");
  app.add_option("--top-k", top_k, "top-k filter (0 = off)");
  app.add_option("--top-p", top_p, "nucleus filter in (0, 1]");
  app.add_option("--repetition-penalty", repetition_penalty, "repetition penalty (1 = off)");
  app.add_option("--seed", seed, "sampling seed");
  app.add_option("--stop", stop, "stop string (repeatable)");
  app.add_option("--context-length", compile.context_length, "context length when compiling a Hugging Face directory")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_flag("--stats", stats, "print timings to stderr");
  app.add_flag("--parse-special-tokens", parse_special,
               "treat special-token strings typed in the prompt (e.g. <|im_start|>) as control tokens; by default "
               "they are ordinary text, so a prompt cannot forge conversation turns");
  app.add_flag("--interactive", inter,
               "multi-turn conversation on stdin: follow-up questions continue it (earlier turns stay in the KV "
               "cache); '/image PATH' attaches an image to the next question, '/reset' starts over, '/quit' exits");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? edgevl::apps::kExitOk : edgevl::apps::kExitUsage;
  }

  return edgevl::apps::run_guarded("qwen2vl-demo", [&] {
    const bool has_prompt = prompt.find_first_not_of(" \t\r\n") != std::string::npos;
    if (!inter && !has_prompt)
      throw edgevl::Error(edgevl::ErrorCode::kInvalidArgument, "--prompt: empty prompt (give a question, or use --interactive)");
    if (has_prompt && prompt.size() > (1u << 20))
      throw edgevl::Error(edgevl::ErrorCode::kInvalidArgument, "--prompt: longer than 1 MiB");
    for (const auto& im : images) {
      std::FILE* f = std::fopen(im.c_str(), "rb");
      if (!f) throw edgevl::Error(edgevl::ErrorCode::kNotFound, "--image " + im + ": cannot open the file");
      std::fclose(f);
    }
    if (model_path.empty()) {
      model_path = edgevl::apps::default_model_path();
      std::fprintf(stderr, "using the default model %s\n", model_path.c_str());
    }
    const edgevl::Model model = edgevl::apps::open_model(model_path, compile);
    edgevl::Session session(model);
    g_session = &session;
    std::signal(SIGINT, on_sigint);

    edgevl::GenerationConfig config;
    config.max_new_tokens = max_new_tokens;
    config.temperature = temperature;
    config.top_k = top_k;
    config.top_p = top_p;
    config.repetition_penalty = repetition_penalty;
    config.seed = seed;
    config.stop = stop;
    edgevl::Request request = edgevl::Request::user(prompt, images);
    request.parse_special_tokens = parse_special;
    int rc = edgevl::apps::kExitOk;
    if (inter) rc = interactive(session, request, has_prompt, config, stats, parse_special);
    else answer(session, request, config, stats);
    std::signal(SIGINT, SIG_DFL);
    g_session = nullptr;
    return rc;
  });
}
