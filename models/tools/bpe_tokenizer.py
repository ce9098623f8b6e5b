"""Build a small Hugging Face-format byte-level BPE tokenizer with Qwen2-VL's special tokens.

The files written here have exactly the structure of Qwen2-VL's own `tokenizer.json` / `tokenizer_config.json`
(BPE model over the GPT-2 byte-to-unicode alphabet, NFC normalizer, the Qwen2 Split regex + ByteLevel pre-tokenizer,
ByteLevel decoder, the 14 Qwen2-VL added tokens in Qwen's order, the Qwen2-VL chat template), only with a tiny vocabulary
learned from a given corpus. They are used for random test checkpoints and for the bundled demo model.

Only the Python standard library is needed (no `regex`, no `tokenizers`).

Function API:
    build_tokenizer(corpus_lines, num_merges=300) -> dict          # tokenizer.json content
    build_tokenizer_config(tokenizer) -> dict                        # tokenizer_config.json content
    special_token_ids(tokenizer) -> dict[str, int]                   # "<|image_pad|>" -> id, ...
    tokenizer_size(tokenizer) -> int                                 # 1 + largest id (vocab_size must be >= this)
    write_tokenizer_files(out_dir, corpus_lines=None, num_merges=300) -> dict   # writes both files, returns tokenizer
    encode(tokenizer, text) -> list[int] / decode(tokenizer, ids, skip_special_tokens=False) -> str   # reference codec
    pretokenize(text) -> list[str]                                   # the Qwen2 split regex, hand-implemented
"""

import json
import os
import unicodedata

# The Qwen2 pre-tokenizer regex, as stored in Qwen2-VL's tokenizer.json.
QWEN2_SPLIT_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|"
                     r"\s*[\r\n]+|\s+(?!\S)|\s+")

# Qwen2-VL's added tokens, in Qwen's id order (in the real model the first has id 151643).
QWEN2VL_SPECIAL_TOKENS = [
    "<|endoftext|>",
    "<|im_start|>",
    "<|im_end|>",
    "<|object_ref_start|>",
    "<|object_ref_end|>",
    "<|box_start|>",
    "<|box_end|>",
    "<|quad_start|>",
    "<|quad_end|>",
    "<|vision_start|>",
    "<|vision_end|>",
    "<|vision_pad|>",
    "<|image_pad|>",
    "<|video_pad|>",
]

# The chat template of Qwen2-VL-*-Instruct's tokenizer_config.json.
QWEN2VL_CHAT_TEMPLATE = (
    "{% set image_count = namespace(value=0) %}{% set video_count = namespace(value=0) %}"
    "{% for message in messages %}{% if loop.first and message['role'] != 'system' %}"
    "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n{% endif %}"
    "<|im_start|>{{ message['role'] }}\n"
    "{% if message['content'] is string %}{{ message['content'] }}<|im_end|>\n"
    "{% else %}{% for content in message['content'] %}"
    "{% if content['type'] == 'image' or 'image' in content or 'image_url' in content %}"
    "{% set image_count.value = image_count.value + 1 %}"
    "{% if add_vision_id %}Picture {{ image_count.value }}: {% endif %}"
    "<|vision_start|><|image_pad|><|vision_end|>"
    "{% elif content['type'] == 'video' or 'video' in content %}"
    "{% set video_count.value = video_count.value + 1 %}"
    "{% if add_vision_id %}Video {{ video_count.value }}: {% endif %}"
    "<|vision_start|><|video_pad|><|vision_end|>"
    "{% elif 'text' in content %}{{ content['text'] }}{% endif %}{% endfor %}<|im_end|>\n"
    "{% endif %}{% endfor %}{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

# A small default training corpus (used for random test checkpoints when none is given).
DEFAULT_CORPUS = [
    "You are a helpful assistant.",
    "Describe this image.",
    "What is in the picture? There is a red square on a white background.",
    "The image shows a cat sitting on a chair next to the window.",
    "A blue circle and a green triangle are drawn on the left side of the image.",
    "How many objects are there? There are 3 objects: 1 circle, 1 square and 1 triangle.",
    "The quick brown fox jumps over the lazy dog. It's a sunny day, isn't it?",
    "We'll see what they're doing; I'm sure you've seen it, they'd say.",
    "Numbers like 12345 and 2024-06-01 are split into single digits.",
    "  Leading spaces,\ttabs and\nnew lines\r\n are kept as separate pieces.\n\n",
    "Unicode: café, naïve, 東京, Привет мир, emoji 😀!",
    "<tag> {\"key\": [1, 2, 3]} (parentheses) ... end.",
]


def bytes_to_unicode():
    """GPT-2's byte -> printable character map: bytes 33-126, 161-172, 174-255 map to themselves, the other 68 bytes
    (in increasing order) to U+0100 + n. Returns a list of 256 (byte, char) pairs in vocabulary order."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [(b, chr(c)) for b, c in zip(bs, cs)]


_BYTE_TO_CHAR = dict(bytes_to_unicode())
_CHAR_TO_BYTE = {c: b for b, c in _BYTE_TO_CHAR.items()}

# Unicode White_Space (what \s matches in the Oniguruma / Rust regex engines the reference uses).
_WHITESPACE = set([0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x20, 0x85, 0xA0, 0x1680, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000] +
                  list(range(0x2000, 0x200B)))


def _is_space(ch):
    return ord(ch) in _WHITESPACE


def _is_letter(ch):
    return unicodedata.category(ch).startswith("L")


def _is_number(ch):
    return unicodedata.category(ch).startswith("N")


def _is_newline(ch):
    return ch in "\r\n"


def _match_at(s, i):
    """Length of the Qwen2 split-regex match starting at s[i] (alternatives tried in order, as the regex engine does)."""
    n = len(s)
    c = s[i]
    # 1. (?i:'s|'t|'re|'ve|'m|'ll|'d)
    if c == "'" and i + 1 < n:
        for suf in ("s", "t", "re", "ve", "m", "ll", "d"):
            if s[i + 1:i + 1 + len(suf)].lower() == suf:
                return 1 + len(suf)
    # 2. [^\r\n\p{L}\p{N}]?\p{L}+
    j = i
    if not _is_newline(c) and not _is_letter(c) and not _is_number(c) and i + 1 < n and _is_letter(s[i + 1]):
        j = i + 1
    if _is_letter(s[j]):
        while j < n and _is_letter(s[j]):
            j += 1
        return j - i
    # 3. \p{N}
    if _is_number(c):
        return 1

    # 4. ' ?[^\s\p{L}\p{N}]+[\r\n]*'
    def other(ch):
        return not _is_space(ch) and not _is_letter(ch) and not _is_number(ch)

    j = i + 1 if (c == " " and i + 1 < n and other(s[i + 1])) else i
    if other(s[j]):
        while j < n and other(s[j]):
            j += 1
        while j < n and _is_newline(s[j]):
            j += 1
        return j - i
    # Only whitespace remains: let [i, e) be the maximal whitespace run.
    e = i
    while e < n and _is_space(s[e]):
        e += 1
    # 5. \s*[\r\n]+ : ends right after the last newline of the run.
    last_nl = -1
    for k in range(i, e):
        if _is_newline(s[k]):
            last_nl = k
    if last_nl >= 0:
        return last_nl + 1 - i
    # 6. \s+(?!\S) : the run, or the run minus its last character when a non-space follows.
    if e == n:
        return e - i
    if e - 1 > i:
        return e - 1 - i
    # 7. \s+
    return e - i


def pretokenize(text):
    """Splits NFC-normalized text into pieces with the Qwen2 regex (QWEN2_SPLIT_REGEX). Concatenating the pieces gives
    back the text."""
    pieces = []
    i = 0
    while i < len(text):
        k = _match_at(text, i)
        pieces.append(text[i:i + k])
        i += k
    return pieces


def _byte_level(piece):
    return "".join(_BYTE_TO_CHAR[b] for b in piece.encode("utf-8"))


def train_bpe(corpus_lines, num_merges):
    """Greedy BPE training: repeatedly merges the most frequent adjacent pair (ties: lexicographically smallest pair)
    inside the byte-level pre-tokenized pieces of the corpus; stops early when no adjacent pair is left.
    Returns (vocab: dict token -> id, merges: list of (left, right))."""
    vocab = {}
    for _, ch in bytes_to_unicode():
        vocab[ch] = len(vocab)
    words = {}
    for line in corpus_lines:
        for piece in pretokenize(unicodedata.normalize("NFC", line)):
            key = tuple(_byte_level(piece))
            words[key] = words.get(key, 0) + 1
    words = [[list(w), f] for w, f in words.items()]
    merges = []
    while len(merges) < num_merges:
        counts = {}
        for w, f in words:
            for a, b in zip(w, w[1:]):
                counts[(a, b)] = counts.get((a, b), 0) + f
        if not counts:
            break
        best = min(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0]
        merges.append(best)
        merged = best[0] + best[1]
        if merged not in vocab:
            vocab[merged] = len(vocab)
        for entry in words:
            w = entry[0]
            if len(w) < 2:
                continue
            out = []
            k = 0
            while k < len(w):
                if k + 1 < len(w) and w[k] == best[0] and w[k + 1] == best[1]:
                    out.append(merged)
                    k += 2
                else:
                    out.append(w[k])
                    k += 1
            entry[0] = out
    return vocab, merges


def _byte_level_block():
    return {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": False}


def build_tokenizer(corpus_lines=None, num_merges=300):
    """Returns the tokenizer.json content (a dict) of a byte-level BPE tokenizer trained on `corpus_lines` with at most
    `num_merges` merges, plus Qwen2-VL's 14 added tokens with ids right after the BPE vocabulary."""
    if corpus_lines is None:
        corpus_lines = DEFAULT_CORPUS
    vocab, merges = train_bpe(list(corpus_lines), num_merges)
    base = len(vocab)
    added = [{"id": base + k, "content": tok, "single_word": False, "lstrip": False, "rstrip": False,
              "normalized": False, "special": True} for k, tok in enumerate(QWEN2VL_SPECIAL_TOKENS)]
    return {
        "version": "1.0",
        "truncation": None,
        "padding": None,
        "added_tokens": added,
        "normalizer": {"type": "NFC"},
        "pre_tokenizer": {
            "type": "Sequence",
            "pretokenizers": [
                {"type": "Split", "pattern": {"Regex": QWEN2_SPLIT_REGEX}, "behavior": "Isolated", "invert": False},
                _byte_level_block(),
            ],
        },
        "post_processor": _byte_level_block(),
        "decoder": _byte_level_block(),
        "model": {
            "type": "BPE",
            "dropout": None,
            "unk_token": None,
            "continuing_subword_prefix": "",
            "end_of_word_suffix": "",
            "fuse_unk": False,
            "byte_fallback": False,
            "vocab": vocab,
            "merges": [a + " " + b for a, b in merges],
        },
    }


def special_token_ids(tokenizer):
    """Maps each added token's content to its id, e.g. {"<|image_pad|>": 270, ...}."""
    return {t["content"]: t["id"] for t in tokenizer["added_tokens"]}


def tokenizer_size(tokenizer):
    """1 + the largest token id (a model's vocab_size must be at least this)."""
    ids = list(tokenizer["model"]["vocab"].values()) + [t["id"] for t in tokenizer["added_tokens"]]
    return max(ids) + 1


def build_tokenizer_config(tokenizer, model_max_length=32768):
    """Returns the tokenizer_config.json content matching Qwen2-VL-*-Instruct's (Qwen2Tokenizer, eos <|im_end|>,
    pad <|endoftext|>, no bos, the Qwen2-VL chat template)."""
    decoder = {}
    for t in tokenizer["added_tokens"]:
        decoder[str(t["id"])] = {k: t[k] for k in ("content", "lstrip", "normalized", "rstrip", "single_word", "special")}
    return {
        "add_prefix_space": False,
        "added_tokens_decoder": decoder,
        "additional_special_tokens": QWEN2VL_SPECIAL_TOKENS[1:],
        "bos_token": None,
        "chat_template": QWEN2VL_CHAT_TEMPLATE,
        "clean_up_tokenization_spaces": False,
        "eos_token": "<|im_end|>",
        "errors": "replace",
        "model_max_length": model_max_length,
        "pad_token": "<|endoftext|>",
        "split_special_tokens": False,
        "tokenizer_class": "Qwen2Tokenizer",
        "unk_token": None,
    }


def write_tokenizer_files(out_dir, corpus_lines=None, num_merges=300, tokenizer=None):
    """Writes tokenizer.json and tokenizer_config.json into `out_dir` (created if needed). Builds the tokenizer from
    `corpus_lines` unless a prebuilt `tokenizer` dict is given. Returns the tokenizer dict."""
    if tokenizer is None:
        tokenizer = build_tokenizer(corpus_lines, num_merges)
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tokenizer, f, ensure_ascii=False, indent=2)
    with open(os.path.join(out_dir, "tokenizer_config.json"), "w", encoding="utf-8") as f:
        json.dump(build_tokenizer_config(tokenizer), f, ensure_ascii=False, indent=2)
    return tokenizer


def _bpe(word, ranks):
    parts = list(word)
    while len(parts) > 1:
        best = None
        for k in range(len(parts) - 1):
            r = ranks.get((parts[k], parts[k + 1]))
            if r is not None and (best is None or r < best[0]):
                best = (r, k)
        if best is None:
            break
        k = best[1]
        parts[k:k + 2] = [parts[k] + parts[k + 1]]
    return parts


def encode(tokenizer, text):
    """Reference encoder (the algorithm of spec section 6): split out added tokens, NFC, Qwen2 split, byte-level map,
    lowest-rank-first BPE, vocab lookup. No BOS."""
    vocab = tokenizer["model"]["vocab"]
    ranks = {tuple(m.split(" ")): r for r, m in enumerate(tokenizer["model"]["merges"])}
    specials = special_token_ids(tokenizer)
    ids = []
    i = 0
    start = 0
    while i <= len(text):
        hit = None
        if i < len(text):
            for tok in specials:
                if text.startswith(tok, i) and (hit is None or len(tok) > len(hit)):
                    hit = tok
        if hit is not None or i == len(text):
            chunk = unicodedata.normalize("NFC", text[start:i])
            for piece in pretokenize(chunk):
                ids.extend(vocab[t] for t in _bpe(_byte_level(piece), ranks))
            if hit is None:
                break
            ids.append(specials[hit])
            i += len(hit)
            start = i
        else:
            i += 1
    return ids


def decode(tokenizer, ids, skip_special_tokens=False):
    """Reference decoder: token strings -> bytes via the inverse byte map -> UTF-8 (invalid sequences replaced)."""
    inv = {v: k for k, v in tokenizer["model"]["vocab"].items()}
    added = {t["id"]: t["content"] for t in tokenizer["added_tokens"]}
    out = bytearray()
    for i in ids:
        if i in added:
            if not skip_special_tokens:
                out += added[i].encode("utf-8")
        else:
            out += bytes(_CHAR_TO_BYTE[c] for c in inv[i])
    return out.decode("utf-8", errors="replace")


if __name__ == "__main__":
    import argparse

    ap = argparse.ArgumentParser(description="Write a small Qwen2-VL-style tokenizer.json + tokenizer_config.json")
    ap.add_argument("out_dir")
    ap.add_argument("--corpus", help="text file, one training line per line (default: a built-in corpus)")
    ap.add_argument("--merges", type=int, default=300)
    args = ap.parse_args()
    lines = None
    if args.corpus:
        with open(args.corpus, encoding="utf-8") as f:
            lines = f.read().splitlines()
    tok = write_tokenizer_files(args.out_dir, lines, args.merges)
    print("wrote %s: %d tokens, %d merges" % (args.out_dir, tokenizer_size(tok), len(tok["model"]["merges"])))
