#include "edgevl/llm/sentencepiece_tokenizer.h"

#include <sentencepiece_processor.h>

#include <fstream>

#include "added_tokens.h"
#include "edgevl/error.h"
#include "utf8.h"

namespace edgevl::llm {
namespace {

constexpr std::string_view kSpaceMarker = "\xE2\x96\x81";  // U+2581 "▁"

class SentencePieceTokenizer final : public Tokenizer {
 public:
  explicit SentencePieceTokenizer(const std::string& path) : src_(path) {
    {
      std::ifstream f(path, std::ios::binary);
      if (!f) throw Error(ErrorCode::kNotFound, "tokenizer file '" + path + "' cannot be opened (missing or unreadable)");
    }
    const auto status = sp_.Load(path);
    if (!status.ok())
      throw Error(ErrorCode::kCorruptFile,
                  "tokenizer file '" + path + "' is not a valid SentencePiece model: " + status.ToString());
    for (int id = 0; id < sp_.GetPieceSize(); ++id) {
      if (sp_.IsControl(id)) added_.add(sp_.IdToPiece(id), id, /*special=*/true);
    }
  }

  using Tokenizer::encode;
  std::vector<int32_t> encode(std::string_view text, const std::vector<TextRange>& literal) const override {
    detail::utf8_require_valid(text, "Tokenizer::encode input");
    std::vector<int32_t> ids;
    for (const auto& seg : added_.split(text, literal)) {
      if (seg.id >= 0) {
        ids.push_back(seg.id);
        continue;
      }
      std::vector<int> part;
      const auto status = sp_.Encode(seg.text, &part);
      if (!status.ok())
        throw Error(ErrorCode::kInvalidArgument, "SentencePiece encode failed: " + status.ToString());
      ids.insert(ids.end(), part.begin(), part.end());
    }
    return ids;
  }

  // Mirrors SentencePiece's decoder: "▁" -> ' ', byte pieces <0xNN> -> the byte, unknown -> " ⁇ ", and the leading
  // space of the first emitted piece is dropped when the model adds a dummy prefix.
  std::string token_bytes(int32_t id, bool skip_special_tokens, bool at_start) const override {
    check_id(id);
    if (sp_.IsControl(id)) return skip_special_tokens ? std::string() : sp_.IdToPiece(id);
    if (sp_.IsUnknown(id)) return " \xE2\x81\x87 ";
    const std::string piece = sp_.IdToPiece(id);
    if (sp_.IsByte(id) && piece.size() == 6) return std::string(1, static_cast<char>(std::stoi(piece.substr(3, 2), nullptr, 16)));
    std::string out;
    for (size_t i = 0; i < piece.size();) {
      if (piece.compare(i, kSpaceMarker.size(), kSpaceMarker) == 0) {
        out.push_back(' ');
        i += kSpaceMarker.size();
      } else {
        out.push_back(piece[i++]);
      }
    }
    if (at_start && !out.empty() && out[0] == ' ') out.erase(0, 1);
    return out;
  }

  std::optional<int32_t> token_to_id(std::string_view token) const override {
    const int id = sp_.PieceToId(token);
    if (id == sp_.unk_id() && token != sp_.IdToPiece(id)) return std::nullopt;
    return id;
  }

  bool is_special(int32_t id) const override {
    return id >= 0 && id < sp_.GetPieceSize() && (sp_.IsControl(id) || sp_.IsUnknown(id));
  }

  size_t vocab_size() const override { return static_cast<size_t>(sp_.GetPieceSize()); }

 private:
  void check_id(int32_t id) const {
    if (id < 0 || id >= sp_.GetPieceSize())
      throw Error(ErrorCode::kInvalidArgument, "token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                                   std::to_string(sp_.GetPieceSize()) + ") of '" + src_ + "'");
  }

  std::string src_;
  sentencepiece::SentencePieceProcessor sp_;
  detail::AddedTokenMatcher added_;
};

}  // namespace

std::unique_ptr<Tokenizer> load_sentencepiece_tokenizer(const std::string& path) {
  return std::make_unique<SentencePieceTokenizer>(path);
}

}  // namespace edgevl::llm
