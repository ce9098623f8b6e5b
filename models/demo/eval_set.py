"""Deterministic held-out evaluation set for the demo model (numpy + Pillow only, no torch; CI regenerates it).

    /usr/bin/python3 models/demo/eval_set.py OUT_DIR [--n 250] [--per-image 2]

Writes OUT_DIR/images/eval_NNNN.{png,jpg} and OUT_DIR/questions.jsonl (one line per question:
{"id", "image", "type", "question", "answer"}). The scenes use a seed never used in training and odd image widths and
heights (training only draws even ones), so no evaluation image size was seen in training. Prints a SHA-256 over the
question file and all image bytes; eval_accuracy.json records it so a test can check it regenerated the same set.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import scenes  # noqa: E402

EVAL_SEED = 20261121
DEFAULT_N = 250
DEFAULT_PER_IMAGE = 2


def generate(out_dir: str, n: int = DEFAULT_N, per_image: int = DEFAULT_PER_IMAGE, seed: int = EVAL_SEED):
    """Writes the set; returns (list of question dicts, sha256 hex digest of questions.jsonl + images)."""
    img_dir = os.path.join(out_dir, "images")
    os.makedirs(img_dir, exist_ok=True)
    rng = np.random.default_rng(seed)
    h = hashlib.sha256()
    questions = []
    qtypes = scenes.QTYPES
    for i in range(n):
        scene = scenes.random_scene(rng, "odd")
        data = scenes.encode(scene, scenes.render(scene, rng))
        name = f"eval_{i:04d}." + ("jpg" if scene.fmt == "jpeg" else "png")
        with open(os.path.join(img_dir, name), "wb") as f:
            f.write(data)
        h.update(data)
        for k in range(per_image):
            qt = qtypes[(i * per_image + k) % len(qtypes)]
            q, a = scenes.question(scene, qt, rng)
            questions.append({"id": len(questions), "image": "images/" + name, "type": qt, "question": q, "answer": a})
    lines = "".join(json.dumps(q) + "\n" for q in questions)
    with open(os.path.join(out_dir, "questions.jsonl"), "w", encoding="utf-8") as f:
        f.write(lines)
    h.update(lines.encode())
    return questions, h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--n", type=int, default=DEFAULT_N)
    ap.add_argument("--per-image", type=int, default=DEFAULT_PER_IMAGE)
    ap.add_argument("--seed", type=int, default=EVAL_SEED)
    args = ap.parse_args()
    qs, digest = generate(args.out_dir, args.n, args.per_image, args.seed)
    print(f"{len(qs)} questions on {args.n} images in {args.out_dir}, sha256 {digest}")


if __name__ == "__main__":
    main()
