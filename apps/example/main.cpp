// EdgeVL example: open a compiled model, ask one question about one image, stream the answer, print the timings.
//
//   edgevl-example MODEL.evl IMAGE "What is in the picture?"
//
// Build your own program the same way: link the `edgevl` library and include <edgevl/edgevl.h>.
#include <cstdio>
#include <iostream>

#include "edgevl/edgevl.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s MODEL.evl IMAGE PROMPT\n", argv[0]);
    return 2;
  }
  try {
    // A Model is immutable and can be shared by many sessions and threads.
    const edgevl::Model model = edgevl::Model::open(argv[1]);
    // A Session is one conversation (it owns the KV cache); call generate() again to continue it.
    edgevl::Session session(model);

    edgevl::GenerationConfig config;  // unset fields use the model's generation_config.json
    config.max_new_tokens = 64;

    const edgevl::Result result = session.generate(
        edgevl::Request::user(argv[3], {argv[2]}), config, [](std::string_view piece) {
          std::cout << piece << std::flush;  // UTF-8 text as it is generated
          return true;                       // false would stop generation
        });
    std::cout << "\n";

    const edgevl::Stats& s = result.stats;
    std::fprintf(stderr, "stop: %s, ViT %.1f ms, prefill %lld tokens at %.1f tok/s, first token after %.1f ms, "
                 "decode %lld tokens at %.1f tok/s\n",
                 edgevl::stop_reason_name(result.stop_reason), s.vit_ms, static_cast<long long>(s.prefill_tokens),
                 s.prefill_tokens_per_s, s.ttft_ms, static_cast<long long>(s.decode_tokens), s.decode_tokens_per_s);
    return 0;
  } catch (const edgevl::Error& e) {
    std::fprintf(stderr, "error: %s [%s]\n", e.what(), edgevl::error_code_name(e.code()));
    return 1;
  }
}
