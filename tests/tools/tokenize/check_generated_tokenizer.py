#!/usr/bin/env python3
"""Checks that edgevl-tokenize loads the tokenizer.json files that models/tools/bpe_tokenizer.py writes for test
checkpoints (merges as "a b" strings and, rewritten, as ["a", "b"] pairs) and encodes/decodes like that tool's
reference codec. Usage: check_generated_tokenizer.py TOOL REPO_ROOT OUT_DIR"""
import json
import os
import subprocess
import sys

tool, root, out = sys.argv[1:4]
sys.path.insert(0, os.path.join(root, "models", "tools"))
import bpe_tokenizer as bt  # noqa: E402

texts = [  # one line each: the tool reads lines
    "Describe this image.",
    "What is in the picture? There is a red square on a white background.",
    "  spaces\tand\ttabs\r  carriage returns 123 it's I'LL   ",
    "<|im_start|>user <|vision_start|><|image_pad|><|vision_end|>Hi<|im_end|>",
    "unseen wörds 你好 😀",
]


def run(cmd, stdin_text):
    """Runs cmd with UTF-8 stdin; returns (returncode, stdout, stderr) as exact text (no newline translation)."""
    r = subprocess.run(cmd, input=stdin_text.encode("utf-8"), capture_output=True)
    return subprocess.CompletedProcess(cmd, r.returncode, r.stdout.decode("utf-8"), r.stderr.decode("utf-8"))


tok = bt.build_tokenizer(num_merges=200)
failures = 0
for fmt in ("strings", "pairs"):
    d = os.path.join(out, fmt)
    t = json.loads(json.dumps(tok))
    if fmt == "pairs":
        t["model"]["merges"] = [m.split(" ") for m in t["model"]["merges"]]
    bt.write_tokenizer_files(d, tokenizer=t)
    enc = run([tool, "--model", d], "\n".join(texts) + "\n")
    if enc.returncode != 0:
        print(f"[{fmt}] edgevl-tokenize failed: {enc.stderr}")
        failures += 1
        continue
    ours = [[int(x) for x in line.split()] for line in enc.stdout.splitlines()]
    for text, ids in zip(texts, ours):
        ref = bt.encode(tok, text)
        if ids != ref:
            failures += 1
            print(f"[{fmt}] MISMATCH {text!r}\n  ours: {ids}\n  ref:  {ref}")
    dec = run([tool, "--model", os.path.join(d, "tokenizer.json"), "--decode"],
              "\n".join(" ".join(map(str, i)) for i in ours) + "\n")
    expected = "\n".join(bt.decode(tok, i) for i in ours) + "\n"
    if dec.stdout != expected:
        failures += 1
        print(f"[{fmt}] decode differs:\n{dec.stdout!r}\n{expected!r}")
print(f"{len(texts) * 2 - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
