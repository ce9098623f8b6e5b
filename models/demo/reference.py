"""Reference outputs of the exported demo model for a few fixed inputs, for cross-checking EdgeVL without PyTorch.

    /usr/bin/python3 models/demo/reference.py [--model models/demo/qwen2vl-shapes] [--out models/demo/reference]

For each input (a sample image file + question; the small samples so the files stay small) writes, with prefix refN:
  refN.pixel_values.0.npy  float32 [gh*gw, 1176]  preprocessed image (Pillow, spec section 3)
  refN.grid_thw.npy        int64   [1, 3]
  refN.input_ids.npy       int64   [L]            chat-template prompt with the image pads expanded
  refN.vision_embeds.npy   float32 [gh*gw/4, hidden]  merger output
  refN.prefill_logits.npy  float16 [L, V]          logits of EVERY prompt position (float16 to keep the files small)
  refN.last_logits.npy     float32 [V]             logits of the last prompt position, full precision
  refN.decode_tokens.npy   int64   [8]             8 greedy tokens (argmax chain, not stopped at <|im_end|>)
  refN.decode_logits.npy   float32 [8, V]          logits that chose each of those tokens (step 0 = last prompt position)
plus manifest.json. Names follow tests/reference/qwen2vl_ref.py's dump layout; when that script is present the outputs
are also checked against it (float64 NumPy reference) and the errors recorded in the manifest.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import preprocess  # noqa: E402
from export import MODEL_DIR, SAMPLES_DIR, load_model_dir  # noqa: E402
from model import get_rope_index  # noqa: E402

# (sample image, question type index into its qa list)
INPUTS = [("scene3.jpg", 0), ("scene4.png", 3), ("scene5.jpg", 1)]
DECODE_STEPS = 8


@torch.no_grad()
def run(model, tok, pv, grid, question):
    g = tuple(int(v) for v in grid[0])
    emb = model.visual(torch.from_numpy(pv), [g])
    ids = tok.prompt_ids(question, g[0] * g[1] * g[2] // 4)
    seq = list(ids)
    logits_all = None
    dec_tokens, dec_logits = [], []
    for step in range(DECODE_STEPS):
        p, _ = get_rope_index(seq, [g], model.tcfg)
        t = torch.tensor([seq])
        lg = model(t, torch.tensor(p).unsqueeze(1), torch.ones_like(t), image_embeds=emb)[0]
        if step == 0:
            logits_all = lg.numpy()
        nxt = int(lg[-1].argmax())
        dec_tokens.append(nxt)
        dec_logits.append(lg[-1].numpy())
        seq.append(nxt)
    return np.asarray(ids, np.int64), emb.numpy(), logits_all, np.asarray(dec_tokens, np.int64), np.stack(dec_logits)


def rel_err(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return float(np.abs(a - b).max() / max(1e-30, np.abs(b).max()))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", default=MODEL_DIR)
    ap.add_argument("--out", default=os.path.join(HERE, "reference"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    model, tok = load_model_dir(args.model)
    samples = json.load(open(os.path.join(SAMPLES_DIR, "samples.json")))["samples"]
    by_name = {s["image"]: s for s in samples}
    os.makedirs(args.out, exist_ok=True)
    ref_impl = None
    ref_path = os.path.join(HERE, "..", "..", "tests", "reference")
    if os.path.exists(os.path.join(ref_path, "qwen2vl_ref.py")):
        sys.path.insert(0, ref_path)
        import qwen2vl_ref  # noqa: E402
        ref_impl = qwen2vl_ref.Qwen2VLRef(args.model)
    entries = []
    for i, (image, qi) in enumerate(INPUTS):
        qa = by_name[image]["qa"][qi]
        pv, grid = preprocess.preprocess(Image.open(os.path.join(SAMPLES_DIR, image)))
        ids, emb, logits, dec_tok, dec_logits = run(model, tok, pv, grid, qa["question"])
        pre = os.path.join(args.out, f"ref{i}")
        np.save(pre + ".pixel_values.0.npy", pv.astype(np.float32))
        np.save(pre + ".grid_thw.npy", grid.astype(np.int64))
        np.save(pre + ".input_ids.npy", ids)
        np.save(pre + ".vision_embeds.npy", emb.astype(np.float32))
        np.save(pre + ".prefill_logits.npy", logits.astype(np.float16))
        np.save(pre + ".last_logits.npy", logits[-1].astype(np.float32))
        np.save(pre + ".decode_tokens.npy", dec_tok)
        np.save(pre + ".decode_logits.npy", dec_logits.astype(np.float32))
        answer_ids = []
        for t in dec_tok.tolist():
            if t in (tok.im_end, tok.endoftext):
                break
            answer_ids.append(t)
        e = {"prefix": f"ref{i}", "image": f"samples/{image}", "question": qa["question"], "type": qa["type"],
             "expected_answer": qa["answer"], "model_answer": tok.decode(answer_ids),
             "grid_thw": grid[0].tolist(), "num_image_tokens": int(emb.shape[0]), "prompt_len": int(ids.shape[0]),
             "decode_tokens": dec_tok.tolist()}
        if ref_impl is not None:
            r = ref_impl.forward(ids, [pv], grid, decode_steps=DECODE_STEPS)
            e["check_vs_numpy_reference"] = {
                "vision_embeds_rel_err": rel_err(emb, r["vision_embeds"]),
                "prefill_logits_rel_err": rel_err(logits, r["prefill_logits"]),
                "decode_logits_rel_err": rel_err(dec_logits[1:], r["decode_logits"][:-1]),
                "greedy_tokens_equal": bool(np.array_equal(r["greedy_tokens"], dec_tok)),
            }
        entries.append(e)
        print(json.dumps(e))
    manifest = {
        "model": "models/demo/qwen2vl-shapes",
        "computed_by": "models/demo/reference.py (PyTorch, float32 compute on the bf16 checkpoint weights)",
        "files": {
            "pixel_values.0": "float32 [gh*gw, 1176]", "grid_thw": "int64 [1, 3]", "input_ids": "int64 [L]",
            "vision_embeds": "float32 [gh*gw/4, hidden] (merger output)",
            "prefill_logits": "float16 [L, V] (all prompt positions)", "last_logits": "float32 [V]",
            "decode_tokens": f"int64 [{DECODE_STEPS}] greedy argmax chain, not stopped at eos",
            "decode_logits": f"float32 [{DECODE_STEPS}, V]; row 0 = last prompt position, row k = after feeding "
                             "decode_tokens[k-1] at cache index L+k-1 (M-RoPE position L+k-1+rope_delta on all axes)",
        },
        "references": entries,
    }
    with open(os.path.join(args.out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
