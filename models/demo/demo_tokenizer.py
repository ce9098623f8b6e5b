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
NUM_MERGES = 400


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
        head = self.encode("<|im_start|>system\n" + SYSTEM_PROMPT + "<|im_end|>\n<|im_start|>user\n<|vision_start|>")
        tail = self.encode("<|vision_end|>" + question + "<|im_end|>\n<|im_start|>assistant\n")
        return head + [self.image_pad] * num_image_tokens + tail

    def followup_ids(self, question: str) -> List[int]:
        """Token ids of a further user turn after an assistant answer (multi-turn chat template)."""
        return self.encode("\n<|im_start|>user\n" + question + "<|im_end|>\n<|im_start|>assistant\n")

    def answer_ids(self, answer: str) -> List[int]:
        return self.encode(answer) + [self.im_end]
