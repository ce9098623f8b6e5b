"""Writes the demo model's calibration samples for quantized compiles (qwen2vl-compile --calibration FILE).

Usage: python3 models/demo/calibration_set.py OUT_DIR [--n 24] [--seed S]
Writes OUT_DIR/images/eval_NNNN.* and OUT_DIR/calibration.jsonl, one line per sample: {"prompt", "image"} (image path
relative to the file). The scenes are drawn by eval_set.generate with CALIBRATION_SEED, a seed used neither in training
nor in the held-out evaluation set, so calibration never sees an evaluated image. `--seed REPORT_SEED` writes the
held-out samples of an accuracy report (qwen2vl-compile --report-samples) instead: never the calibration scenes.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import eval_set  # noqa: E402

CALIBRATION_SEED = 20261203
REPORT_SEED = 20261204


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out_dir")
    ap.add_argument("--n", type=int, default=24, help="scenes (two questions each)")
    ap.add_argument("--seed", type=int, default=CALIBRATION_SEED)
    args = ap.parse_args()
    assert args.seed != eval_set.EVAL_SEED
    questions, _, _ = eval_set.generate(args.out_dir, args.n, 2, args.seed, conversations=0)
    path = os.path.join(args.out_dir, "calibration.jsonl")
    with open(path, "w", encoding="utf-8") as f:
        for q in questions:
            f.write(json.dumps({"prompt": q["question"], "image": q["image"]}) + "\n")
    print(f"{len(questions)} calibration samples in {path}")


if __name__ == "__main__":
    main()
