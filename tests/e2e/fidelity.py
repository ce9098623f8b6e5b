#!/usr/bin/env python3
"""End-to-end fidelity of EdgeVL's Qwen2-VL engine against the NumPy reference (tests/reference/qwen2vl_ref.py).

For one case (a random checkpoint configuration): writes the checkpoint (models/tools/make_random_checkpoint.py) and
test images (numpy + Pillow), compiles it once per precision (edgevl-dump --save-bundle), runs each image/prompt
request through edgevl-dump (prefill logits of every position, vision embeddings, 16 greedy decode steps) and compares
with the reference:
  fp32: relative max-norm error max|a-b| / max|b| <= 1e-4 for vision embeddings, every prefill position and every
        decode step; greedy tokens identical;
  fp16: the same errors <= 2e-2 (decode logits teacher-forced on EdgeVL's tokens, so a near-tie flip is tolerated).
Prompts are long enough to cross several prefill chunk boundaries (chunk 16).
Image layouts: one image; two images in one user turn (chat template: "<|vision_start|>pads<|vision_end|>" twice in a
row, so the pad runs are separated by two text tokens); and a raw prompt (no chat template) that starts with two
image-pad runs back to back, i.e. get_rope_index's zero-length text runs before the first and between the images.

Usage: fidelity.py --case a|b|c --dump PATH/edgevl-dump --work DIR
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
MAKE_CKPT = os.path.join(ROOT, "models", "tools", "make_random_checkpoint.py")
sys.path.insert(0, os.path.join(ROOT, "tests", "reference"))
import qwen2vl_ref  # noqa: E402

CHUNK = 16
CONTEXT = 256
DECODE_STEPS = 16
TOL = {"fp32": 1e-4, "fp16": 2e-2}

LONG_PROMPT = ("Describe everything you can see in this picture: the colours, the shapes, where they are, "
               "and what the scene might mean.")
SHORT_PROMPT = "What is this?"
# Raw token layout (edgevl-dump --raw-prompt): image at position 0 and a second image right after it.
RAW_ADJACENT_PROMPT = "<|image_pad|><|image_pad|>What are these two pictures?"

# Image sizes (width, height) -> smart_resize grids (t, gh, gw) with min_pixels 3136:
#   square 115x109 -> 8x8 = 64 patches; wide 250x90 -> 6x18 = 108; tall 80x200 -> 14x6 = 84;
#   pad 141x110 -> 8x10 = 80 patches (in buckets 64,256: 176 padding rows of 256).
IMAGES = {"square": (115, 109), "wide": (250, 90), "tall": (80, 200), "pad": (141, 110)}

CASES = {
    # tiny preset: hidden 64, 4 heads (head_dim 16), 2 KV heads (group 2), 2 layers; ViT 32 wide, 2 blocks.
    "a": dict(ckpt=["--preset", "tiny", "--dtype", "bf16", "--config-style", "flat", "--naming", "old", "--seed", "1"],
              buckets="64,128,256",
              runs=[("fp32", ["square"], LONG_PROMPT, False), ("fp32", ["wide"], LONG_PROMPT, False),
                    ("fp16", ["square"], LONG_PROMPT, False),
                    ("fp32", ["square", "wide"], RAW_ADJACENT_PROMPT, False, "raw")]),
    # head_dim 32, 1 KV head (group 4), 3 layers, untied head; f32 sharded checkpoint, nested config, new tensor names.
    "b": dict(ckpt=["--preset", "tiny", "--dtype", "f32", "--config-style", "nested", "--naming", "new",
                    "--shard-size-mb", "0.5", "--untied", "--seed", "2", "--hidden-size", "128",
                    "--num-attention-heads", "4", "--num-key-value-heads", "1", "--mrope-section", "4,6,6",
                    "--intermediate-size", "192", "--num-hidden-layers", "3", "--vision-embed-dim", "64",
                    "--vision-num-heads", "2", "--vision-depth", "1"],
              buckets="64,128,256",
              runs=[("fp32", ["tall"], LONG_PROMPT, False), ("fp32", ["square", "tall"], SHORT_PROMPT, True),
                    ("fp16", ["tall"], LONG_PROMPT, False)]),
    # head_dim 32, 6 heads over 2 KV heads (group 3), 4 layers; ViT 64 wide, 4 heads (head_dim 16), 3 blocks;
    # f16 checkpoint; buckets 64,256 so the 80-patch image is padded to 256 rows.
    "c": dict(ckpt=["--preset", "tiny", "--dtype", "f16", "--config-style", "flat", "--naming", "old", "--seed", "3",
                    "--hidden-size", "192", "--num-attention-heads", "6", "--num-key-value-heads", "2",
                    "--mrope-section", "4,6,6", "--intermediate-size", "256", "--num-hidden-layers", "4",
                    "--vision-embed-dim", "64", "--vision-num-heads", "4", "--vision-depth", "3"],
              buckets="64,256",
              runs=[("fp32", ["pad"], LONG_PROMPT, False), ("fp32", ["wide", "square"], LONG_PROMPT, False),
                    ("fp16", ["pad", "tall"], SHORT_PROMPT, True)]),
}


def make_image(path, size, seed):
    w, h = size
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    img = np.stack([127 + 120 * np.sin(xx / (7 + 3 * c) + yy / (11 + 5 * c) + c) for c in range(3)], -1)
    img += rng.normal(0, 20, img.shape)
    Image.fromarray(np.clip(img, 0, 255).astype(np.uint8), "RGB").save(path)


def run(cmd, **kw):
    t = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        sys.stderr.write("command failed (%d): %s\n%s\n%s\n" % (p.returncode, " ".join(cmd), p.stdout, p.stderr))
        raise SystemExit(1)
    return p.stdout, time.time() - t


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    ap.add_argument("--dump", required=True, help="edgevl-dump executable")
    ap.add_argument("--work", required=True, help="scratch directory (recreated)")
    args = ap.parse_args()
    case = CASES[args.case]
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    ckpt = os.path.join(args.work, "hf")
    run([sys.executable, MAKE_CKPT, ckpt] + case["ckpt"])
    images = {}
    for i, (name, size) in enumerate(sorted(IMAGES.items())):
        images[name] = os.path.join(args.work, name + ".png")
        make_image(images[name], size, seed=100 + i)

    ref = qwen2vl_ref.Qwen2VLRef(ckpt)
    bundles = {}
    failures = []
    for k, (precision, imgs, prompt, joint, *flags) in enumerate(case["runs"]):
        prefix = os.path.join(args.work, "run%d" % k)
        model = bundles.get(precision)
        cmd = [args.dump, "--prompt", prompt, "--out", prefix, "--decode-steps", str(DECODE_STEPS)]
        if model is None:
            model = os.path.join(args.work, "model-%s.evl" % precision)
            cmd += ["--model", ckpt, "--save-bundle", model, "--precision", precision, "--chunk", str(CHUNK),
                    "--context-length", str(CONTEXT), "--vit-buckets", case["buckets"]]
            bundles[precision] = model
        else:
            cmd += ["--model", model]
        for name in imgs:
            cmd += ["--image", images[name]]
        if joint:
            cmd.append("--joint-vit")
        if "raw" in flags:
            cmd.append("--raw-prompt")
        out, secs = run(cmd)
        info = json.loads(out.strip().splitlines()[-1])

        ids, pvs, grid = qwen2vl_ref.load_dump_inputs(prefix)
        dumped = {n: np.load("%s.%s.npy" % (prefix, n)) for n in
                  ("vision_embeds", "prefill_logits", "decode_tokens", "decode_logits")}
        res = ref.forward(ids, pvs, grid, decode_tokens=dumped["decode_tokens"].astype(np.int64))
        tol = TOL[precision]
        errs = {n: qwen2vl_ref.rel_err(dumped[n], res[n]) for n in ("vision_embeds", "prefill_logits", "decode_logits")}
        tokens_equal = bool(np.array_equal(dumped["decode_tokens"], res["greedy_tokens"]))
        n_chunks = -(-len(ids) // CHUNK)
        if "raw" in flags:
            # The layout this run exists for: ids start with an image-pad run and the second run follows directly.
            n0 = int(np.prod(grid[0])) // 4
            if not (ids[0] == ref.cfg.image_token_id and np.all(ids[:n0 + int(np.prod(grid[1])) // 4] == ids[0])):
                failures.append("case %s run %d: raw prompt did not give two adjacent image-pad runs at the start"
                                % (args.case, k))
        line = ("case %s run %d %s images=%s grids=%s tokens=%d (%d chunks) decode=%d: rel errors %s, tokens %s "
                "(edgevl %.1fs)" % (args.case, k, precision, imgs, grid.tolist(), len(ids), n_chunks,
                                    len(dumped["decode_tokens"]),
                                    " ".join("%s=%.2e" % kv for kv in errs.items()),
                                    "equal" if tokens_equal else "DIFFER", secs))
        print(line)
        ok = all(e <= tol for e in errs.values()) and len(dumped["decode_tokens"]) == DECODE_STEPS
        if precision == "fp32" and not tokens_equal:
            ok = False
        if n_chunks < 2:
            ok = False
            line += " [prompt does not cross a chunk boundary]"
        if not ok:
            failures.append(line)
    if failures:
        print("FAILED:\n" + "\n".join(failures))
        return 1
    print("case %s: all runs match the NumPy reference" % args.case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
