#!/usr/bin/python3
"""Generates the tiny random Qwen2-VL checkpoints the checkpoint tests open (CTest fixture), into OUT_DIR:
one directory per variant plus VARIANT.ref.json (sampled values as numpy wrote them). With --big, the 2B preset only."""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "models", "tools"))
import make_random_checkpoint  # noqa: E402

VARIANTS = {
    # name: flags (dtype, config spelling, naming, sharding, tie)
    "flat_bf16_single_old": ["--dtype", "bf16", "--config-style", "flat", "--naming", "old"],
    "nested_f16_sharded_new": ["--dtype", "f16", "--config-style", "nested", "--naming", "new",
                               "--shard-size-mb", "0.15", "--eos-int"],
    "flat_f32_sharded_old_untied": ["--dtype", "f32", "--config-style", "flat", "--naming", "old",
                                    "--shard-size-mb", "0.3", "--untied", "--seed", "7"],
    "nested_bf16_single_new": ["--dtype", "bf16", "--config-style", "nested", "--naming", "new",
                               "--min-pixels", "3136", "--max-pixels", "200704"],
}


def main():
    out = sys.argv[1]
    big = "--big" in sys.argv[2:]
    os.makedirs(out, exist_ok=True)
    variants = {"2b": ["--preset", "2b", "--dtype", "bf16", "--shard-size-mb", "2000"]} if big else VARIANTS
    for name, flags in variants.items():
        d = os.path.join(out, name)
        shutil.rmtree(d, ignore_errors=True)
        ref = [] if big else ["--dump-ref", os.path.join(out, name + ".ref.json")]
        make_random_checkpoint.main([d] + flags + ref)


if __name__ == "__main__":
    main()
