#include "edgevl/llm/bpe_tokenizer.h"

#include <fstream>
#include <mutex>
#include <queue>
#include <sstream>
#include <unordered_map>
#include <utility>

#include <nlohmann/json.hpp>

#include "added_tokens.h"
#include "byte_level.h"
#include "edgevl/error.h"
#include "edgevl/qnn/json_limits.h"
#include "pcre2_regex.h"
#include "utf8.h"

namespace edgevl::llm {
namespace {

using nlohmann::json;
using detail::AddedTokenMatcher;

// Qwen2's split regex (spec section 6), used when tokenizer.json has no Split pre-tokenizer.
constexpr const char* kQwen2SplitRegex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
// GPT-2's regex, used by a ByteLevel pre-tokenizer with use_regex = true.
constexpr const char* kGpt2SplitRegex = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

constexpr size_t kCacheMaxEntries = 1 << 16;
constexpr size_t kCacheMaxPieceBytes = 256;

[[noreturn]] void corrupt(const std::string& src, const std::string& what) {
  throw Error(ErrorCode::kCorruptFile, "tokenizer file '" + src + "': " + what);
}

class BpeTokenizer final : public Tokenizer {
 public:
  BpeTokenizer(const json& j, const std::string& src) : src_(src) {
    // The id table is dense (one slot per id up to the largest): ids may leave at most kMaxUnusedIds slots unused, so
    // its size follows from the file's own entries and a single id of 2^31-1 cannot ask for gigabytes.
    size_t entries = 0;
    if (j.contains("model") && j["model"].is_object() && j["model"].contains("vocab")) entries += j["model"]["vocab"].size();
    if (j.contains("added_tokens") && j["added_tokens"].is_array()) entries += j["added_tokens"].size();
    id_limit_ = entries + kMaxUnusedIds;
    load_model(j);
    load_added_tokens(j);
    load_normalizer(j);
    load_pre_tokenizer(j);
  }

  using Tokenizer::encode;
  std::vector<int32_t> encode(std::string_view text, const std::vector<TextRange>& literal) const override {
    detail::utf8_require_valid(text, "Tokenizer::encode input");
    std::vector<int32_t> ids;
    ids.reserve(text.size() / 3 + 4);
    for (const auto& seg : added_.split(text, literal)) {
      if (seg.id >= 0) {
        ids.push_back(seg.id);
        continue;
      }
      encode_plain(seg.text, ids);
    }
    return ids;
  }

  std::string token_bytes(int32_t id, bool skip_special_tokens, bool /*at_start*/) const override {
    check_id(id);
    if (skip_special_tokens && special_[static_cast<size_t>(id)]) return {};
    return id_bytes_[static_cast<size_t>(id)];
  }

  std::optional<int32_t> token_to_id(std::string_view token) const override {
    auto it = token_ids_.find(std::string(token));
    if (it == token_ids_.end()) return std::nullopt;
    return it->second;
  }

  bool is_special(int32_t id) const override {
    return id >= 0 && static_cast<size_t>(id) < special_.size() && special_[static_cast<size_t>(id)];
  }

  size_t vocab_size() const override { return id_bytes_.size(); }

 private:
  void check_id(int32_t id) const {
    if (id < 0 || static_cast<size_t>(id) >= id_bytes_.size())
      throw Error(ErrorCode::kInvalidArgument, "token id " + std::to_string(id) + " is outside the vocabulary [0, " +
                                                   std::to_string(id_bytes_.size()) + ") of '" + src_ + "'");
  }

  void set_token(int32_t id, const std::string& token, std::string bytes, bool special) {
    const std::string shown = token.size() > 40 ? token.substr(0, 40) + "..." : token;
    if (id < 0) corrupt(src_, "negative id " + std::to_string(id) + " for token '" + shown + "'");
    const auto uid = static_cast<size_t>(id);
    if (uid >= id_limit_)
      corrupt(src_, "token '" + shown + "' has id " + std::to_string(id) + " but the file defines only " +
                        std::to_string(id_limit_ - kMaxUnusedIds) + " tokens (ids may leave at most " +
                        std::to_string(kMaxUnusedIds) + " unused)");
    if (uid >= id_bytes_.size()) {
      id_bytes_.resize(uid + 1);
      special_.resize(uid + 1, false);
    }
    id_bytes_[uid] = std::move(bytes);
    special_[uid] = special;
    token_ids_[token] = id;
  }

  void load_model(const json& j) {
    if (!j.contains("model") || !j["model"].is_object()) corrupt(src_, "no \"model\" object");
    const json& m = j["model"];
    const std::string type = m.value("type", std::string("BPE"));
    if (type != "BPE")
      throw Error(ErrorCode::kUnsupported, "tokenizer file '" + src_ + "': model type '" + type +
                                               "' is not supported (only byte-level BPE)");
    if (!m.contains("vocab") || !m["vocab"].is_object()) corrupt(src_, "model has no \"vocab\" object");
    if (!m.contains("merges") || !m["merges"].is_array()) corrupt(src_, "model has no \"merges\" array");
    const json& vocab = m["vocab"];
    token_ids_.reserve(vocab.size() + 64);
    for (auto it = vocab.begin(); it != vocab.end(); ++it) {
      if (!it.value().is_number_integer()) corrupt(src_, "vocab entry '" + it.key() + "' has a non-integer id");
      const auto id = it.value().get<int64_t>();
      if (id < 0 || id > INT32_MAX) corrupt(src_, "vocab entry '" + it.key() + "' has id out of range");
      set_token(static_cast<int32_t>(id), it.key(), detail::byte_level_to_bytes(it.key()), false);
    }
    if (m.contains("unk_token") && m["unk_token"].is_string()) {
      auto it = token_ids_.find(m["unk_token"].get<std::string>());
      if (it != token_ids_.end()) unk_id_ = it->second;
    }
    ignore_merges_ = m.value("ignore_merges", false);
    const json& merges = m["merges"];
    merges_.reserve(merges.size());
    for (size_t r = 0; r < merges.size(); ++r) {
      const json& e = merges[r];
      std::string a, b;
      if (e.is_string()) {
        const std::string s = e.get<std::string>();
        const size_t sp = s.find(' ', 1);  // a part never is empty; the first space after byte 0 separates
        if (sp == std::string::npos) corrupt(src_, "merge " + std::to_string(r) + " ('" + s + "') is not \"a b\"");
        a = s.substr(0, sp);
        b = s.substr(sp + 1);
      } else if (e.is_array() && e.size() == 2 && e[0].is_string() && e[1].is_string()) {
        a = e[0].get<std::string>();
        b = e[1].get<std::string>();
      } else {
        corrupt(src_, "merge " + std::to_string(r) + " is neither \"a b\" nor [a, b]");
      }
      const auto ia = token_ids_.find(a), ib = token_ids_.find(b), ic = token_ids_.find(a + b);
      if (ia == token_ids_.end() || ib == token_ids_.end() || ic == token_ids_.end())
        corrupt(src_, "merge " + std::to_string(r) + " ('" + a + "', '" + b + "') uses a token missing from vocab");
      merges_.emplace(pair_key(ia->second, ib->second), Merge{static_cast<int32_t>(r), ic->second});
    }
    for (int b = 0; b < 256; ++b) {
      auto it = token_ids_.find(detail::byte_to_unicode()[static_cast<size_t>(b)]);
      byte_ids_[static_cast<size_t>(b)] = it == token_ids_.end() ? -1 : it->second;
    }
  }

  void load_added_tokens(const json& j) {
    if (!j.contains("added_tokens") || j["added_tokens"].is_null()) return;
    if (!j["added_tokens"].is_array()) corrupt(src_, "\"added_tokens\" is not an array");
    for (const json& t : j["added_tokens"]) {
      if (!t.is_object() || !t.contains("id") || !t["id"].is_number_integer() || !t.contains("content") ||
          !t["content"].is_string())
        corrupt(src_, "an added_tokens entry lacks an integer \"id\" or a string \"content\"");
      const auto id = t["id"].get<int64_t>();
      if (id < 0 || id > INT32_MAX) corrupt(src_, "added token id out of range");
      const std::string content = t["content"].get<std::string>();
      const bool special = t.value("special", false);
      set_token(static_cast<int32_t>(id), content, content, special);
      added_.add(content, static_cast<int32_t>(id), special);
    }
  }

  void load_normalizer(const json& j) {
    if (!j.contains("normalizer") || j["normalizer"].is_null()) return;
    std::vector<const json*> stack{&j["normalizer"]};
    while (!stack.empty()) {
      const json* n = stack.back();
      stack.pop_back();
      const std::string type = n->value("type", std::string());
      if (type == "NFC") {
        nfc_ = true;
      } else if (type == "Sequence" && n->contains("normalizers") && (*n)["normalizers"].is_array()) {
        for (const json& c : (*n)["normalizers"]) stack.push_back(&c);
      } else {
        throw Error(ErrorCode::kUnsupported,
                    "tokenizer file '" + src_ + "': normalizer '" + type + "' is not supported (only NFC)");
      }
    }
  }

  void load_pre_tokenizer(const json& j) {
    if (j.contains("pre_tokenizer") && !j["pre_tokenizer"].is_null()) add_pre_tokenizer(j["pre_tokenizer"]);
    if (splits_.empty()) splits_.emplace_back(kQwen2SplitRegex, src_);
  }

  void add_pre_tokenizer(const json& p) {
    const std::string type = p.value("type", std::string());
    if (type == "Sequence") {
      if (!p.contains("pretokenizers") || !p["pretokenizers"].is_array())
        corrupt(src_, "Sequence pre_tokenizer without a \"pretokenizers\" array");
      for (const json& c : p["pretokenizers"]) add_pre_tokenizer(c);
    } else if (type == "Split") {
      if (p.value("invert", false) || p.value("behavior", std::string("Isolated")) != "Isolated")
        throw Error(ErrorCode::kUnsupported,
                    "tokenizer file '" + src_ + "': only Split pre-tokenizers with behavior Isolated are supported");
      const json& pat = p.contains("pattern") ? p["pattern"] : json();
      if (pat.is_object() && pat.contains("Regex") && pat["Regex"].is_string()) {
        splits_.emplace_back(pat["Regex"].get<std::string>(), src_);
      } else if (pat.is_object() && pat.contains("String") && pat["String"].is_string()) {
        splits_.emplace_back(detail::Pcre2Regex::quote(pat["String"].get<std::string>()), src_);
      } else {
        corrupt(src_, "Split pre_tokenizer without a Regex or String pattern");
      }
    } else if (type == "ByteLevel") {
      if (p.value("add_prefix_space", false)) add_prefix_space_ = true;
      if (p.value("use_regex", true)) splits_.emplace_back(kGpt2SplitRegex, src_);
    } else {
      throw Error(ErrorCode::kUnsupported, "tokenizer file '" + src_ + "': pre_tokenizer '" + type +
                                               "' is not supported (Sequence, Split, ByteLevel)");
    }
  }

  static uint64_t pair_key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }

  void encode_plain(std::string_view segment, std::vector<int32_t>& ids) const {
    std::string text = nfc_ ? detail::nfc(segment) : std::string(segment);
    if (add_prefix_space_ && !text.empty() && text[0] != ' ') text.insert(text.begin(), ' ');
    std::vector<std::string_view> pieces{text};
    for (const auto& re : splits_) {
      std::vector<std::string_view> next;
      for (auto p : pieces) re.split_isolated(p, next);
      pieces.swap(next);
    }
    for (auto p : pieces) bpe_piece(p, ids);
  }

  void bpe_piece(std::string_view piece, std::vector<int32_t>& ids) const {
    if (piece.empty()) return;
    const bool cacheable = piece.size() <= kCacheMaxPieceBytes;
    if (cacheable) {
      std::lock_guard<std::mutex> lock(cache_mutex_);
      auto it = cache_.find(std::string(piece));
      if (it != cache_.end()) {
        ids.insert(ids.end(), it->second.begin(), it->second.end());
        return;
      }
    }
    std::vector<int32_t> out = bpe_uncached(piece);
    ids.insert(ids.end(), out.begin(), out.end());
    if (cacheable) {
      std::lock_guard<std::mutex> lock(cache_mutex_);
      if (cache_.size() >= kCacheMaxEntries) cache_.clear();
      cache_.emplace(std::string(piece), std::move(out));
    }
  }

  // BPE over the piece's bytes: merges the lowest-rank adjacent pair first (leftmost among equal ranks) until no
  // pair has a merge. O(n log n) with a heap of candidate pairs over a linked list of symbols.
  std::vector<int32_t> bpe_uncached(std::string_view piece) const {
    if (ignore_merges_) {
      std::string bl;
      detail::bytes_to_byte_level(piece, bl);
      auto it = token_ids_.find(bl);
      if (it != token_ids_.end()) return {it->second};
    }
    const size_t n = piece.size();
    std::vector<int32_t> sym(n);
    std::vector<int> prev(n), next(n);
    for (size_t i = 0; i < n; ++i) {
      const int32_t id = byte_ids_[static_cast<unsigned char>(piece[i])];
      if (id < 0) {
        if (unk_id_ < 0)
          throw Error(ErrorCode::kInvalidArgument,
                      "tokenizer '" + src_ + "' has no token for byte " +
                          std::to_string(static_cast<unsigned char>(piece[i])) + " and no unk_token");
      }
      sym[i] = id;
      prev[i] = static_cast<int>(i) - 1;
      next[i] = (i + 1 < n) ? static_cast<int>(i + 1) : -1;
    }
    struct Cand {
      int32_t rank;
      int pos;
      int32_t left, right;
      bool operator>(const Cand& o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::priority_queue<Cand, std::vector<Cand>, std::greater<Cand>> heap;
    auto push = [&](int pos) {
      if (pos < 0 || next[static_cast<size_t>(pos)] < 0) return;
      const int32_t l = sym[static_cast<size_t>(pos)], r = sym[static_cast<size_t>(next[static_cast<size_t>(pos)])];
      if (l < 0 || r < 0) return;
      auto it = merges_.find(pair_key(l, r));
      if (it != merges_.end()) heap.push({it->second.rank, pos, l, r});
    };
    for (size_t i = 0; i + 1 < n; ++i) push(static_cast<int>(i));
    while (!heap.empty()) {
      const Cand c = heap.top();
      heap.pop();
      const auto p = static_cast<size_t>(c.pos);
      const int q = next[p];
      if (sym[p] != c.left || q < 0 || sym[static_cast<size_t>(q)] != c.right) continue;  // stale
      sym[p] = merges_.at(pair_key(c.left, c.right)).result;
      const int nq = next[static_cast<size_t>(q)];
      next[p] = nq;
      if (nq >= 0) prev[static_cast<size_t>(nq)] = c.pos;
      sym[static_cast<size_t>(q)] = -2;  // dead
      push(prev[p]);
      push(c.pos);
    }
    std::vector<int32_t> out;
    for (int i = 0; i >= 0; i = next[static_cast<size_t>(i)]) out.push_back(sym[static_cast<size_t>(i)] < 0 ? unk_id_ : sym[static_cast<size_t>(i)]);
    return out;
  }

  struct Merge {
    int32_t rank;
    int32_t result;
  };

  std::string src_;
  static constexpr size_t kMaxUnusedIds = 1 << 16;
  size_t id_limit_ = 0;                // ids must be below this (set_token)
  std::vector<std::string> id_bytes_;  // raw bytes (added tokens: content) per id
  std::vector<bool> special_;
  std::unordered_map<std::string, int32_t> token_ids_;
  std::unordered_map<uint64_t, Merge> merges_;
  std::array<int32_t, 256> byte_ids_{};
  int32_t unk_id_ = -1;
  bool ignore_merges_ = false;
  bool nfc_ = false;
  bool add_prefix_space_ = false;
  std::vector<detail::Pcre2Regex> splits_;
  AddedTokenMatcher added_;
  mutable std::mutex cache_mutex_;
  mutable std::unordered_map<std::string, std::vector<int32_t>> cache_;
};

}  // namespace

std::unique_ptr<Tokenizer> load_bpe_tokenizer_json(const std::string& json_text, const std::string& source_name) {
  const json j = qnn::parse_json_bounded(json_text, "tokenizer file '" + source_name + "'");  // nesting <= 128
  if (!j.is_object()) corrupt(source_name, "top level is not a JSON object");
  try {
    return std::make_unique<BpeTokenizer>(j, source_name);
  } catch (const json::exception& e) {
    corrupt(source_name, std::string("unexpected structure: ") + e.what());
  }
}

std::unique_ptr<Tokenizer> load_bpe_tokenizer(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(ErrorCode::kNotFound, "tokenizer file '" + path + "' cannot be opened (missing or unreadable)");
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad()) throw Error(ErrorCode::kIo, "tokenizer file '" + path + "': read failed");
  return load_bpe_tokenizer_json(ss.str(), path);
}

}  // namespace edgevl::llm
