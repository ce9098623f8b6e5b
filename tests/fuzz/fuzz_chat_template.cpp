// Fuzz target: bytes -> a chat (a list of messages), rendered by llm::render_chat_parts() and tokenized with the demo
// model's tokenizer, the messages' text as literal ranges (Tokenizer::encode(text, literal)), as Session does.
//
// Input format (deterministic; seeds in tests/fuzz/seeds/chat_template):
//   byte 0            options: bit 0 = add_generation_prompt, bits 1-3 = num_previous (modulo messages + 1)
//   then messages separated by 0x1E (RS); each message is one role byte ('s' system, 'a' assistant, 'x' the invalid
//   role "tool", any other byte user) and its content, whose 0x1F (US) bytes separate text parts with an image part
//   between each two.
//
// Invariants (a violation aborts); edgevl::Error (invalid UTF-8, the invalid role) is fine:
//  - every id is in the vocabulary;
//  - the special tokens of the ids are exactly the template's markup, in order (the default system turn when the
//    first message is not a system one, <|im_start|> ... <|im_end|> per message, <|vision_start|><|image_pad|>
//    <|vision_end|> per image, the generation prompt's <|im_start|>): none comes from a message's text, whatever
//    special-token strings it holds;
//  - rendering the first num_previous messages, then the continuation (render_chat_parts with num_previous), gives the
//    whole conversation's text, content ranges and ids (what a Session's later turns rely on to prefill only the new
//    tokens);
//  - when no special-token string overlaps a message's text, encode(text, literal) = encode(text);
//  - an ASCII conversation decodes back to its text.
// EDGEVL_FUZZ_VERBOSE=1 prints each input's outcome.
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "edgevl/error.h"
#include "edgevl/llm/chat_template.h"
#include "edgevl/llm/tokenizer.h"
#include "fuzz_target.h"

namespace {

using namespace edgevl::llm;

constexpr char kMessageSep = '\x1e', kImageSep = '\x1f';

const Tokenizer& tokenizer() {
  static const std::unique_ptr<Tokenizer> tok =
      Tokenizer::from_file(std::string(EDGEVL_SOURCE_DIR) + "/models/demo/qwen2vl-shapes/tokenizer.json");
  return *tok;
}

// The special tokens' strings (for the literal-safety check), by id.
const std::vector<std::string>& special_strings() {
  static const std::vector<std::string> v = [] {
    std::vector<std::string> s;
    const Tokenizer& tok = tokenizer();
    for (int32_t id = 0; static_cast<size_t>(id) < tok.vocab_size(); ++id)
      if (tok.is_special(id)) s.push_back(tok.token_bytes(id, false, false));
    return s;
  }();
  return v;
}

int32_t id_of(std::string_view token) {
  const auto id = tokenizer().token_to_id(token);
  if (!id) std::abort();
  return *id;
}

[[noreturn]] void fail(const char* what, const std::string& text) {
  std::fprintf(stderr, "fuzz_chat_template: %s\nrendered text (%zu bytes): %s\n", what, text.size(), text.c_str());
  std::abort();
}

std::vector<ChatMessage> parse(std::string_view in) {
  std::vector<ChatMessage> messages;
  size_t pos = 0;
  while (pos <= in.size()) {
    size_t end = in.find(kMessageSep, pos);
    if (end == std::string_view::npos) end = in.size();
    std::string_view m = in.substr(pos, end - pos);
    ChatMessage msg;
    const char role = m.empty() ? 'u' : m[0];
    msg.role = role == 's' ? "system" : role == 'a' ? "assistant" : role == 'x' ? "tool" : "user";
    if (!m.empty()) m.remove_prefix(1);
    for (size_t p = 0;;) {
      const size_t q = m.find(kImageSep, p);
      msg.content.push_back(ContentPart::Text(std::string(m.substr(p, q == std::string_view::npos ? q : q - p))));
      if (q == std::string_view::npos) break;
      msg.content.push_back(ContentPart::Image());
      p = q + 1;
    }
    messages.push_back(std::move(msg));
    pos = end + 1;
  }
  return messages;
}

// The special-token ids the template itself emits for messages[from..] (+ the generation prompt).
std::vector<int32_t> expected_specials(const std::vector<ChatMessage>& messages, size_t from, bool generation) {
  const int32_t start = id_of(kImStart), end = id_of(kImEnd);
  std::vector<int32_t> v;
  for (size_t i = from; i < messages.size(); ++i) {
    if (i == 0 && messages[0].role != "system") v.insert(v.end(), {start, end});
    v.push_back(start);
    for (const ContentPart& p : messages[i].content)
      if (p.kind == ContentPart::Kind::kImage)
        v.insert(v.end(), {id_of(kVisionStart), id_of(kImagePad), id_of(kVisionEnd)});
    v.push_back(end);
  }
  if (generation) v.push_back(start);
  return v;
}

// encode(text, content) with the id checks that hold for any rendering.
std::vector<int32_t> encode_checked(const RenderedChat& chat, const std::vector<int32_t>& specials) {
  const Tokenizer& tok = tokenizer();
  const std::vector<int32_t> ids = tok.encode(chat.text, chat.content);
  std::vector<int32_t> got;
  for (int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= tok.vocab_size()) fail("an id outside the vocabulary", chat.text);
    if (tok.is_special(id)) got.push_back(id);
  }
  if (got != specials) fail("the special tokens are not the template's markup", chat.text);
  return ids;
}

bool overlaps_content(size_t b, size_t e, const std::vector<TextRange>& content) {
  for (const TextRange& r : content)
    if (b < r.end && r.begin < e) return true;
  return false;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  const auto options = static_cast<uint8_t>(in[0]);
  const std::vector<ChatMessage> messages = parse(in.substr(1));
  const bool generation = options & 1;
  const size_t previous = ((options >> 1) & 7) % (messages.size() + 1);
  const Tokenizer& tok = tokenizer();
  static const bool verbose = std::getenv("EDGEVL_FUZZ_VERBOSE") != nullptr;  // print each input's outcome
  try {
    const RenderedChat full = render_chat_parts(messages, 0, generation);
    const std::vector<int32_t> ids = encode_checked(full, expected_specials(messages, 0, generation));

    if (previous > 0) {  // the earlier turns, then the continuation: the same text, ranges and ids
      const std::vector<ChatMessage> head(messages.begin(), messages.begin() + static_cast<std::ptrdiff_t>(previous));
      const RenderedChat before = render_chat_parts(head, 0, false);
      const RenderedChat after = render_chat_parts(messages, previous, generation);
      if (before.text + after.text != full.text) fail("earlier turns + continuation != the whole text", full.text);
      std::vector<TextRange> ranges = before.content;
      const size_t shift = before.text.size();
      for (const TextRange& r : after.content) ranges.push_back({r.begin + shift, r.end + shift});
      bool same = ranges.size() == full.content.size();
      for (size_t i = 0; same && i < ranges.size(); ++i)
        same = ranges[i].begin == full.content[i].begin && ranges[i].end == full.content[i].end;
      if (!same) fail("earlier turns + continuation give other content ranges", full.text);
      std::vector<int32_t> joined = encode_checked(before, expected_specials(head, 0, false));
      const std::vector<int32_t> rest = encode_checked(after, expected_specials(messages, previous, generation));
      joined.insert(joined.end(), rest.begin(), rest.end());
      if (joined != ids) fail("earlier turns' ids + continuation's ids != the whole conversation's ids", full.text);
    }

    bool typed_special = false;  // a special-token string overlapping a message's text
    for (const std::string& s : special_strings()) {
      for (size_t p = full.text.find(s); !typed_special && p != std::string::npos; p = full.text.find(s, p + 1))
        typed_special = overlaps_content(p, p + s.size(), full.content);
    }
    if (!typed_special && tok.encode(full.text) != ids)
      fail("literal ranges changed the ids of a text without special-token strings in them", full.text);

    bool ascii = true;
    for (char c : full.text) ascii = ascii && static_cast<unsigned char>(c) < 0x80;
    const std::string decoded = tok.decode(ids);
    if (ascii && decoded != full.text) fail("an ASCII conversation does not decode to its text", full.text);
    if (verbose) std::fprintf(stderr, "ok: %zu messages, %zu ids, previous %zu%s%s\n", messages.size(), ids.size(),
                              previous, typed_special ? ", typed special tokens" : "", ascii ? ", ascii" : "");
  } catch (const edgevl::Error& e) {
    if (verbose) std::fprintf(stderr, "%s\n", e.what());
  }
  return 0;
}
