"""Accuracy of the exported PyTorch demo model on the deterministic held-out evaluation set (eval_set.py).

    /usr/bin/python3 models/demo/eval_torch.py [--model models/demo/qwen2vl-shapes] [--work /tmp/demo-eval]

Regenerates the evaluation files with eval_set.py, runs each question through the exported model (bf16 weights,
float32 compute, preprocessing from the image FILE with Pillow exactly as the Qwen2-VL processor, chat template prompt,
greedy decoding until <|im_end|> / <|endoftext|>, answer = decoded text without special tokens) and writes
models/demo/eval_accuracy.json: accuracy per question type and overall, counts, and the eval set's SHA-256, so a C++
test can regenerate the same set and compare EdgeVL's accuracy against these numbers.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import eval_set  # noqa: E402
import preprocess  # noqa: E402
import scenes  # noqa: E402
from export import MODEL_DIR, load_model_dir  # noqa: E402
from model import get_rope_index  # noqa: E402


@torch.no_grad()
def greedy_ids(model, tok, prompt, grid, image_embeds, max_new=24):
    seq = list(prompt)
    out = []
    for _ in range(max_new):
        p, _ = get_rope_index(seq, [grid], model.tcfg)
        ids = torch.tensor([seq])
        logits = model(ids, torch.tensor(p).unsqueeze(1), torch.ones_like(ids), image_embeds=image_embeds)
        nxt = int(logits[0, -1].argmax())
        out.append(nxt)
        if nxt in (tok.im_end, tok.endoftext):
            break
        seq.append(nxt)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=MODEL_DIR)
    ap.add_argument("--work", default="/tmp/demo-eval")
    ap.add_argument("--out", default=os.path.join(HERE, "eval_accuracy.json"))
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    questions, digest = eval_set.generate(args.work)
    model, tok = load_model_dir(args.model)
    right = {q: 0 for q in scenes.QTYPES}
    total = {q: 0 for q in scenes.QTYPES}
    cache = {}
    wrong = []
    t0 = time.time()
    for q in questions:
        if q["image"] not in cache:
            pv, grid = preprocess.preprocess(Image.open(os.path.join(args.work, q["image"])))
            g = tuple(int(v) for v in grid[0])
            with torch.no_grad():
                cache = {q["image"]: (g, model.visual(torch.from_numpy(pv), [g]))}
        g, emb = cache[q["image"]]
        prompt = tok.prompt_ids(q["question"], g[0] * g[1] * g[2] // 4)
        pred = tok.decode(greedy_ids(model, tok, prompt, g, emb))
        total[q["type"]] += 1
        ok = pred == q["answer"]
        right[q["type"]] += int(ok)
        if not ok:
            wrong.append({"id": q["id"], "question": q["question"], "answer": q["answer"], "predicted": pred})
    acc = {k: right[k] / total[k] for k in scenes.QTYPES}
    result = {
        "eval_set": {"generator": "models/demo/eval_set.py", "seed": eval_set.EVAL_SEED, "images": eval_set.DEFAULT_N,
                     "questions_per_image": eval_set.DEFAULT_PER_IMAGE, "sha256": digest},
        "model": "models/demo/qwen2vl-shapes",
        "scoring": "exact match of the greedy answer (decoded without special tokens) with the canonical answer",
        "accuracy": {**{k: round(v, 4) for k, v in acc.items()}, "all": round(sum(right.values()) / len(questions), 4)},
        "correct": right, "total": total,
        "errors": wrong[:20],
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(json.dumps(result["accuracy"]), f"({time.time() - t0:.0f}s)")


if __name__ == "__main__":
    main()
