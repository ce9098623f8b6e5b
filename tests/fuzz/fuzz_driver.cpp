// Regression driver of a fuzz target (without libFuzzer): `fuzz_X [--mutations N] SEED_FILE_OR_DIR ...` runs the
// target on every seed file and on N deterministic mutations of each (bit flips, byte overwrites, insertions,
// deletions, truncations, duplicated ranges; std::mt19937 with a fixed seed, so a failure reproduces). Exits 0 when
// every run returned; a crash or an escaping exception fails the test. Prints the count of inputs run.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace {

std::vector<uint8_t> read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::vector<uint8_t>((std::istreambuf_iterator<char>(in)), {});
}

std::vector<uint8_t> mutate(std::vector<uint8_t> v, std::mt19937& rng) {
  const int edits = 1 + static_cast<int>(rng() % 8);
  for (int e = 0; e < edits; ++e) {
    const size_t n = v.size();
    const size_t at = n ? rng() % n : 0;
    switch (rng() % 6) {
      case 0:
        if (n) v[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
        break;
      case 1:
        if (n) v[at] = static_cast<uint8_t>(rng());
        break;
      case 2: {
        static const char* tokens[] = {"{", "}", "[", "]", "\"", ",", ":", "-1", "1e308", "99999999999999999999",
                                       "null", "\\u0000", "\xff", "<|im_start|>"};
        const char* t = tokens[rng() % (sizeof tokens / sizeof *tokens)];
        v.insert(v.begin() + static_cast<std::ptrdiff_t>(at), t, t + std::strlen(t));
        break;
      }
      case 3:
        if (n) v.erase(v.begin() + static_cast<std::ptrdiff_t>(at),
                       v.begin() + static_cast<std::ptrdiff_t>(std::min(n, at + 1 + rng() % 16)));
        break;
      case 4:
        v.resize(at);
        break;
      default:
        if (n) {
          const size_t len = std::min<size_t>(n - at, 1 + rng() % 64);
          const std::vector<uint8_t> piece(v.begin() + static_cast<std::ptrdiff_t>(at),
                                           v.begin() + static_cast<std::ptrdiff_t>(at + len));
          const size_t to = rng() % (n + 1);
          v.insert(v.begin() + static_cast<std::ptrdiff_t>(to), piece.begin(), piece.end());
        }
    }
  }
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  int mutations = 200;
  std::vector<std::filesystem::path> seeds;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--mutations") == 0 && i + 1 < argc) {
      mutations = std::atoi(argv[++i]);
    } else if (std::filesystem::is_directory(argv[i])) {
      for (const auto& e : std::filesystem::directory_iterator(argv[i]))
        if (e.is_regular_file()) seeds.push_back(e.path());
    } else {
      seeds.emplace_back(argv[i]);
    }
  }
  std::sort(seeds.begin(), seeds.end());
  if (seeds.empty()) {
    std::fprintf(stderr, "usage: %s [--mutations N] SEED_FILE_OR_DIR ...\n", argv[0]);
    return 2;
  }
  std::mt19937 rng(20261204);
  size_t runs = 0;
  for (const auto& s : seeds) {
    const std::vector<uint8_t> seed = read_file(s);
    LLVMFuzzerTestOneInput(seed.data(), seed.size());
    ++runs;
    for (int m = 0; m < mutations; ++m) {
      const std::vector<uint8_t> input = mutate(seed, rng);
      LLVMFuzzerTestOneInput(input.data(), input.size());
      ++runs;
    }
  }
  LLVMFuzzerTestOneInput(nullptr, 0);
  std::printf("%zu inputs from %zu seeds, no crash\n", runs + 1, seeds.size());
  return 0;
}
