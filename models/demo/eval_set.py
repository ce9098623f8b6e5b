"""Deterministic held-out evaluation set for the demo model (numpy + Pillow only, no torch; CI regenerates it).

    /usr/bin/python3 models/demo/eval_set.py OUT_DIR [--n 500] [--conversations 200]

Writes into OUT_DIR:
  images/eval_NNNN.{png,jpg}
  questions.jsonl      single questions, one chat each: {"id", "image", "type", "wording", "question", "answer"}
                       (+ "same_row" for "where": another shape shares the asked shape's row);
                       `n` scenes with 2 questions each; the question types cycle through scenes.QTYPES and each type's
                       wordings cycle through scenes.WORDINGS[type], so every wording is asked about equally often
  conversations.jsonl  multi-turn chats: {"id", "kind", "images": [paths], "turns": [{"image": index into images or
                       null, "type", "wording", "question", "answer"}]}; kind "three-turn": 3 questions of distinct types
                       about one image; kind "two-image": a question about the first image, then a turn that attaches a
                       second image and asks a two-image question (scenes.TWO_IMAGE_QTYPES, alternating)
The scenes use a seed never used in training and odd image widths and heights (training only draws even ones), so no
evaluation image size was seen in training. Prints a SHA-256 over both files and all image bytes; eval_accuracy.json
records it so a test can check it regenerated the same set.
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
DEFAULT_N = 500
DEFAULT_PER_IMAGE = 2
DEFAULT_CONVERSATIONS = 200  # of each kind


class _Writer:
    def __init__(self, out_dir: str, rng: np.random.Generator):
        self.out_dir, self.rng = out_dir, rng
        self.hash = hashlib.sha256()
        self.count = 0
        os.makedirs(os.path.join(out_dir, "images"), exist_ok=True)

    def image(self, scene) -> str:
        data = scenes.encode(scene, scenes.render(scene, self.rng))
        name = f"images/eval_{self.count:04d}." + ("jpg" if scene.fmt == "jpeg" else "png")
        self.count += 1
        with open(os.path.join(self.out_dir, name), "wb") as f:
            f.write(data)
        self.hash.update(data)
        return name

    def lines(self, name: str, rows) -> None:
        text = "".join(json.dumps(r) + "\n" for r in rows)
        with open(os.path.join(self.out_dir, name), "w", encoding="utf-8") as f:
            f.write(text)
        self.hash.update(text.encode())


def _turn(qa: scenes.QA, image, scene: scenes.Scene) -> dict:
    """A question record; "where" questions also say whether another shape shares the asked shape's row (top or
    bottom half), where left/right is the whole answer."""
    out = {"image": image, "type": qa.qtype, "wording": qa.wording, "question": qa.question, "answer": qa.answer}
    if qa.qtype == "where":
        row = scene.shapes[qa.shape].quadrant // 2
        out["same_row"] = sum(s.quadrant // 2 == row for s in scene.shapes) > 1
    return out


def generate(out_dir: str, n: int = DEFAULT_N, per_image: int = DEFAULT_PER_IMAGE, seed: int = EVAL_SEED,
             conversations: int = DEFAULT_CONVERSATIONS):
    """Writes the set; returns (single questions, conversations, sha256 hex digest of both files + images)."""
    rng = np.random.default_rng(seed)
    w = _Writer(out_dir, rng)
    questions, asked = [], {q: 0 for q in scenes.QTYPES}
    for i in range(n):
        qtypes = [scenes.QTYPES[(i * per_image + k) % len(scenes.QTYPES)] for k in range(per_image)]
        scene = scenes.random_scene(rng, "odd", grey_ok=all(q in scenes.GREY_QTYPES for q in qtypes))
        name = w.image(scene)
        for qt in qtypes:
            qa = scenes.question(scene, qt, rng, asked[qt] % len(scenes.WORDINGS[qt]))
            asked[qt] += 1
            questions.append({"id": len(questions), **_turn(qa, name, scene)})
    convs = []
    for j in range(conversations):
        scene = scenes.random_scene(rng, "odd")
        qtypes = list(rng.choice(scenes.qtypes_for(scene), size=3, replace=False))
        turns = [_turn(scenes.question(scene, str(qt), rng), 0 if t == 0 else None, scene)
                 for t, qt in enumerate(qtypes)]
        convs.append({"id": len(convs), "kind": "three-turn", "images": [w.image(scene)], "turns": turns})
    for j in range(conversations):
        scene = scenes.random_scene(rng, "odd")
        first = scenes.question(scene, str(rng.choice(scenes.qtypes_for(scene))), rng)
        second, qa = scenes.second_scene(scene, scenes.TWO_IMAGE_QTYPES[j % 2], rng, "odd")
        convs.append({"id": len(convs), "kind": "two-image", "images": [w.image(scene), w.image(second)],
                      "turns": [_turn(first, 0, scene), _turn(qa, 1, second)]})
    w.lines("questions.jsonl", questions)
    w.lines("conversations.jsonl", convs)
    return questions, convs, w.hash.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--n", type=int, default=DEFAULT_N)
    ap.add_argument("--per-image", type=int, default=DEFAULT_PER_IMAGE)
    ap.add_argument("--seed", type=int, default=EVAL_SEED)
    ap.add_argument("--conversations", type=int, default=DEFAULT_CONVERSATIONS)
    args = ap.parse_args()
    qs, convs, digest = generate(args.out_dir, args.n, args.per_image, args.seed, args.conversations)
    print(f"{len(qs)} questions on {args.n} images and {len(convs)} conversations in {args.out_dir}, sha256 {digest}")


if __name__ == "__main__":
    main()
