"""The demo model's tokenizer: a byte-level BPE with Qwen2-VL's special tokens and chat template, trained on the task's
texts with models/tools/bpe_tokenizer.py, plus the chat prompt layout (numpy-free, torch-free)."""
from __future__ import annotations

import functools
import os
import sys
from typing import List, Tuple

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
import bpe_tokenizer  # noqa: E402

import scenes  # noqa: E402

SYSTEM_PROMPT = "You are a helpful assistant."
NUM_MERGES = 600


def corpus() -> List[str]:
    lines = [SYSTEM_PROMPT, "system\n", "user\n", "assistant\n"] + scenes.all_texts()
    # Repeat the task texts so their words become whole tokens.
    return lines * 4


@functools.lru_cache(maxsize=1)
def build() -> dict:
    return bpe_tokenizer.build_tokenizer(corpus(), NUM_MERGES)


class Tokenizer:
    def __init__(self, tok: dict | None = None):
        self.tok = tok if tok is not None else build()
        self.special = bpe_tokenizer.special_token_ids(self.tok)
        self.size = bpe_tokenizer.tokenizer_size(self.tok)
        self.image_pad = self.special["<|image_pad|>"]
        self.vision_start = self.special["<|vision_start|>"]
        self.vision_end = self.special["<|vision_end|>"]
        self.im_end = self.special["<|im_end|>"]
        self.endoftext = self.special["<|endoftext|>"]
        self._cache = {}

    def encode(self, text: str) -> List[int]:
        ids = self._cache.get(text)
        if ids is None:
            ids = bpe_tokenizer.encode(self.tok, text)
            self._cache[text] = ids
        return list(ids)

    def decode(self, ids: List[int], skip_special_tokens: bool = True) -> str:
        return bpe_tokenizer.decode(self.tok, ids, skip_special_tokens=skip_special_tokens)

    def prompt_text(self, question: str, num_image_tokens: int) -> str:
        """The chat-template text of one user turn (image then question) with the generation prompt, image expanded."""
        return ("<|im_start|>system\n" + SYSTEM_PROMPT + "<|im_end|>\n<|im_start|>user\n<|vision_start|>"
                + "<|image_pad|>" * num_image_tokens + "<|vision_end|>" + question + "<|im_end|>\n<|im_start|>assistant\n")

    def prompt_ids(self, question: str, num_image_tokens: int) -> List[int]:
        """Token ids of prompt_text(); the pieces are split at special tokens, so encoding them separately is exact."""
        return self.system_ids() + self.turn_ids(question, num_image_tokens)[0]

    def system_ids(self) -> List[int]:
        """Token ids of the system turn the chat template puts first ("<|im_start|>system\n...<|im_end|>\n")."""
        return self.encode("<|im_start|>system\n" + SYSTEM_PROMPT + "<|im_end|>\n")

    def turn_ids(self, question: str, num_image_tokens: int = 0, name_end: int | None = None) -> Tuple[List[int], int]:
        """Token ids of one user turn with the generation prompt: "<|im_start|>user\n", the image (when
        num_image_tokens > 0), the question, "<|im_end|>\n<|im_start|>assistant\n" (Qwen2-VL chat template, image
        before text as qwen2vl-demo sends it), and the index in those ids of the last token of the question's first
        `name_end` characters (-1 when name_end is None): the shape name's token. The BPE pre-tokenizer splits words
        apart, so the prefix's tokens are a prefix of the question's tokens (checked)."""
        head = self.encode("<|im_start|>user\n")
        if num_image_tokens > 0:
            head += [self.vision_start] + [self.image_pad] * num_image_tokens + [self.vision_end]
        q = self.encode(question)
        name = -1
        if name_end is not None:
            prefix = self.encode(question[:name_end])
            if q[:len(prefix)] != prefix:
                raise ValueError(f"the tokens of {question[:name_end]!r} are not a prefix of those of {question!r}")
            name = len(head) + len(prefix) - 1
        return head + q + self.encode("<|im_end|>\n<|im_start|>assistant\n"), name

    def followup_ids(self, question: str, num_image_tokens: int = 0, name_end: int | None = None) -> Tuple[List[int], int]:
        """A further user turn after an assistant answer (which ended with <|im_end|>): "\n" then turn_ids(), as the
        Session sends it; the name index is relative to the returned ids."""
        nl = self.encode("\n")
        ids, name = self.turn_ids(question, num_image_tokens, name_end)
        return nl + ids, (name + len(nl) if name >= 0 else -1)

    def answer_ids(self, answer: str) -> List[int]:
        return self.encode(answer) + [self.im_end]
