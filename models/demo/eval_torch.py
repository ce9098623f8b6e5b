"""Accuracy of the exported PyTorch demo model on the deterministic held-out evaluation set (eval_set.py).

    /usr/bin/python3 models/demo/eval_torch.py [--model models/demo/qwen2vl-shapes] [--work /tmp/demo-eval]

Regenerates the evaluation files with eval_set.py and runs them through the exported model (bf16 weights, float32
compute, preprocessing from the image FILE with Pillow exactly as the Qwen2-VL processor, chat template prompt, greedy
decoding until <|im_end|> / <|endoftext|>, answer = decoded text without special tokens):
  - single questions: one chat each;
  - conversations: one chat per conversation, each turn appended to the previous ones exactly as a Session continues a
    conversation (the model's own answer closed by <|im_end|>, then "\\n" and the next user turn, whose image, when it
    has one, comes before its text).
Writes models/demo/eval_accuracy.json: accuracy per question type, per wording, for "where" with and without another
shape in the same row, per turn of the conversations; every prediction; the new prompt tokens of each conversation turn;
and the eval set's SHA-256, so a C++ test can regenerate the same set and compare EdgeVL's answers with these.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import time

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
def greedy_ids(model, tok, prompt, grids, image_embeds, max_new=24):
    """Greedy continuation of `prompt` (ids), including the stop token when one was generated."""
    seq = list(prompt)
    out = []
    for _ in range(max_new):
        p, _ = get_rope_index(seq, grids, model.tcfg)
        ids = torch.tensor([seq])
        logits = model(ids, torch.tensor(p).unsqueeze(1), torch.ones_like(ids), image_embeds=image_embeds)
        nxt = int(logits[0, -1].argmax())
        out.append(nxt)
        if nxt in (tok.im_end, tok.endoftext):
            break
        seq.append(nxt)
    return out


class Images:
    """Vision embeddings of the set's image files (preprocessed with Pillow), computed once per file."""

    def __init__(self, model, work):
        self.model, self.work, self.cache = model, work, {}

    @torch.no_grad()
    def get(self, path):
        if path not in self.cache:
            pv, grid = preprocess.preprocess(Image.open(os.path.join(self.work, path)))
            g = tuple(int(v) for v in grid[0])
            if len(self.cache) > 8:  # the set's questions about one image are adjacent
                self.cache = {}
            self.cache[path] = (g, self.model.visual(torch.from_numpy(pv), [g]))
        return self.cache[path]


def run_conversation(model, tok, images, conv):
    """Answers each turn of `conv` in one growing chat; returns (predictions, new prompt tokens per turn: the whole
    prompt for the first turn, "\n" + the user turn for a later one)."""
    seq = tok.system_ids()
    grids, embs, preds, new_tokens = [], [], [], []
    for k, turn in enumerate(conv["turns"]):
        n = 0
        if turn["image"] is not None:
            g, emb = images.get(conv["images"][turn["image"]])
            grids.append(g)
            embs.append(emb)
            n = g[0] * g[1] * g[2] // 4
        ids, _ = (tok.turn_ids if k == 0 else tok.followup_ids)(turn["question"], n)
        start = 0 if k == 0 else len(seq)  # the first turn's new tokens include the system prompt
        seq += ids
        new_tokens.append(len(seq) - start)
        out = greedy_ids(model, tok, seq, grids, torch.cat(embs))
        answer = [t for t in out if t not in (tok.im_end, tok.endoftext)]
        preds.append(tok.decode(answer))
        seq += answer + [tok.im_end]  # as Session closes the assistant turn
    return preds, new_tokens


def _ratio(right, total):
    return round(right / total, 4) if total else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=MODEL_DIR)
    ap.add_argument("--work", default="/tmp/demo-eval")
    ap.add_argument("--out", default=os.path.join(HERE, "eval_accuracy.json"))
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    questions, convs, digest = eval_set.generate(args.work)
    model, tok = load_model_dir(args.model)
    images = Images(model, args.work)
    t0 = time.time()

    right = {q: 0 for q in scenes.QTYPES}
    total = {q: 0 for q in scenes.QTYPES}
    by_wording = {q: [[0, 0] for _ in scenes.WORDINGS[q]] for q in scenes.QTYPES}
    where = {"same_row": [0, 0], "alone_in_row": [0, 0]}
    predictions, wrong = [], []
    for q in questions:
        g, emb = images.get(q["image"])
        prompt = tok.prompt_ids(q["question"], g[0] * g[1] * g[2] // 4)
        pred = tok.decode(greedy_ids(model, tok, prompt, [g], emb))
        ok = pred == q["answer"]
        predictions.append(pred)
        total[q["type"]] += 1
        right[q["type"]] += int(ok)
        by_wording[q["type"]][q["wording"]][0] += int(ok)
        by_wording[q["type"]][q["wording"]][1] += 1
        if q["type"] == "where":
            cell = where["same_row" if q["same_row"] else "alone_in_row"]
            cell[0] += int(ok)
            cell[1] += 1
        if not ok:
            wrong.append({"id": q["id"], "question": q["question"], "answer": q["answer"], "predicted": pred})

    conv_stats = {}
    conv_predictions, conv_new_tokens, conv_wrong = [], [], []
    for c in convs:
        preds, new_tokens = run_conversation(model, tok, images, c)
        conv_predictions.append(preds)
        conv_new_tokens.append(new_tokens)
        st = conv_stats.setdefault(c["kind"], [[0, 0] for _ in c["turns"]])
        for k, (turn, pred) in enumerate(zip(c["turns"], preds)):
            st[k][0] += int(pred == turn["answer"])
            st[k][1] += 1
            if pred != turn["answer"]:
                conv_wrong.append({"id": c["id"], "turn": k, "question": turn["question"], "answer": turn["answer"],
                                   "predicted": pred})

    result = {
        "eval_set": {"generator": "models/demo/eval_set.py", "seed": eval_set.EVAL_SEED, "images": eval_set.DEFAULT_N,
                     "questions_per_image": eval_set.DEFAULT_PER_IMAGE,
                     "conversations_per_kind": eval_set.DEFAULT_CONVERSATIONS, "sha256": digest},
        "model": "models/demo/qwen2vl-shapes",
        "scoring": "exact match of the greedy answer (decoded without special tokens) with the canonical answer",
        "accuracy": {**{k: _ratio(right[k], total[k]) for k in scenes.QTYPES},
                     "all": _ratio(sum(right.values()), len(questions))},
        "correct": right, "total": total,
        "accuracy_by_wording": {k: [{"wording": scenes.WORDINGS[k][i], "accuracy": _ratio(*v), "total": v[1]}
                                    for i, v in enumerate(by_wording[k])] for k in scenes.QTYPES},
        "where_by_row": {k: {"accuracy": _ratio(*v), "correct": v[0], "total": v[1]} for k, v in where.items()},
        "conversations": {kind: {"turn_accuracy": [_ratio(*v) for v in st], "turn_total": [v[1] for v in st]}
                          for kind, st in conv_stats.items()},
        "errors": wrong[:20], "conversation_errors": conv_wrong[:20],
        "predictions": predictions,
        "conversation_predictions": conv_predictions,
        "conversation_new_tokens": conv_new_tokens,
    }
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    print(json.dumps(result["accuracy"]), json.dumps(result["where_by_row"]), json.dumps(result["conversations"]),
          f"({time.time() - t0:.0f}s)")


if __name__ == "__main__":
    main()
