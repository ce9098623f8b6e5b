// edgevl-tokenize --model DIR|FILE [--decode] [--skip-special]
// Encode (default): each stdin line -> its token ids, space-separated, one line per input line (the newline itself
// is not encoded). --decode: each stdin line of space-separated ids -> its text. Errors: message on stderr, exit 1.
#include <CLI/CLI.hpp>

#include <iostream>
#include <sstream>
#include <string>

#include "edgevl/error.h"
#include "edgevl/llm/tokenizer.h"

namespace {

std::vector<int32_t> parse_ids(const std::string& line, size_t line_no) {
  std::vector<int32_t> ids;
  std::istringstream in(line);
  std::string word;
  while (in >> word) {
    size_t used = 0;
    long long v = 0;
    try {
      v = std::stoll(word, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != word.size() || v < 0 || v > INT32_MAX)
      throw edgevl::Error(edgevl::ErrorCode::kInvalidArgument,
                          "line " + std::to_string(line_no) + ": '" + word + "' is not a token id");
    ids.push_back(static_cast<int32_t>(v));
  }
  return ids;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Tokenize stdin lines to ids (or decode id lines with --decode) with an EdgeVL tokenizer"};
  std::string model;
  bool decode = false, skip_special = false;
  app.add_option("--model,-m", model,
                 "directory holding tokenizer.json (HF model dir or compiled bundle), or a tokenizer.json / .model file")
      ->required();
  app.add_flag("--decode,-d", decode, "read lines of space-separated ids and print their text");
  app.add_flag("--skip-special", skip_special, "with --decode: drop special tokens");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  try {
    const auto tok = edgevl::llm::Tokenizer::from_file(model);
    std::string line;
    size_t line_no = 0;
    while (std::getline(std::cin, line)) {
      ++line_no;
      if (decode) {
        std::cout << tok->decode(parse_ids(line, line_no), skip_special) << "\n";
      } else {
        const auto ids = tok->encode(line);
        for (size_t i = 0; i < ids.size(); ++i) std::cout << (i ? " " : "") << ids[i];
        std::cout << "\n";
      }
    }
    std::cout.flush();
  } catch (const edgevl::Error& e) {
    std::cerr << "edgevl-tokenize: error (" << edgevl::error_code_name(e.code()) << "): " << e.what() << "\n";
    return 1;
  }
  return 0;
}
