#!/usr/bin/python3
"""Write a complete Hugging Face Qwen2-VL model directory with random weights, at any dimensions.

Files: config.json (flat or nested spelling), model.safetensors or shards + model.safetensors.index.json,
generation_config.json, preprocessor_config.json, tokenizer.json + tokenizer_config.json (bpe_tokenizer.py), and
optionally a reference dump (--dump-ref) of sampled values for tests.

Weights are streamed tensor by tensor in chunks (never the whole model in RAM), so `--preset 2b` (~4.4 GB bf16) works.
Each tensor's values depend only on (--seed, tensor name), not on dtype, sharding or naming, so variants are comparable.

Scaling keeps activations O(1): linear weights ~ N(0, 1/fan_in), biases ~ N(0, 0.02^2), norm weights 1 + N(0, 0.1^2),
norm biases N(0, 0.02^2), embeddings (and an untied lm_head) ~ N(0, (4/sqrt(hidden))^2) so logits have std ~4.

Needs only numpy (Debian's python3-numpy). Usage:
  make_random_checkpoint.py OUT_DIR --preset tiny [--dtype bf16|f16|f32] [--config-style flat|nested]
      [--naming old|new] [--shard-size-mb N] [--untied] [--hidden-size N ...] [--dump-ref ref.json]
"""

import argparse
import hashlib
import json
import math
import os
import struct
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bpe_tokenizer  # noqa: E402

PRESETS = {
    "tiny": dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                 num_key_value_heads=2, vision_embed_dim=32, vision_depth=2, vision_num_heads=2, vision_mlp_ratio=4,
                 vocab_size=None, mrope_section=None, max_position_embeddings=4096),
    "2b": dict(hidden_size=1536, intermediate_size=8960, num_hidden_layers=28, num_attention_heads=12,
               num_key_value_heads=2, vision_embed_dim=1280, vision_depth=32, vision_num_heads=16, vision_mlp_ratio=4,
               vocab_size=151936, mrope_section=[16, 24, 24], max_position_embeddings=32768),
}

DTYPES = {"bf16": ("BF16", 2, "bfloat16"), "f16": ("F16", 2, "float16"), "f32": ("F32", 4, "float32")}
CHUNK_ELEMS = 1 << 22  # elements generated at a time


# ----------------------------------------------------------------------------------------------------------------------
# The canonical tensor list (mirror of edgevl::models::qwen2vl_expected_tensors; the C++ tests check they agree).

def expected_tensors(cfg, include_lm_head):
    """[(canonical name, shape)] in the C++ order, legacy (visual.* / model.*) names."""
    v, t = cfg["vision"], cfg["text"]
    e, mlp = v["embed_dim"], int(v["embed_dim"] * v["mlp_ratio"])
    merged = e * v["spatial_merge_size"] ** 2
    out = [("visual.patch_embed.proj.weight",
            [e, v["in_channels"], v["temporal_patch_size"], v["patch_size"], v["patch_size"]])]
    for i in range(v["depth"]):
        b = "visual.blocks.%d." % i
        out += [(b + "norm1.weight", [e]), (b + "norm1.bias", [e]),
                (b + "attn.qkv.weight", [3 * e, e]), (b + "attn.qkv.bias", [3 * e]),
                (b + "attn.proj.weight", [e, e]), (b + "attn.proj.bias", [e]),
                (b + "norm2.weight", [e]), (b + "norm2.bias", [e]),
                (b + "mlp.fc1.weight", [mlp, e]), (b + "mlp.fc1.bias", [mlp]),
                (b + "mlp.fc2.weight", [e, mlp]), (b + "mlp.fc2.bias", [e])]
    out += [("visual.merger.ln_q.weight", [e]), ("visual.merger.ln_q.bias", [e]),
            ("visual.merger.mlp.0.weight", [merged, merged]), ("visual.merger.mlp.0.bias", [merged]),
            ("visual.merger.mlp.2.weight", [v["hidden_size"], merged]), ("visual.merger.mlp.2.bias", [v["hidden_size"]])]
    h, inter = t["hidden_size"], t["intermediate_size"]
    kv = t["num_key_value_heads"] * (h // t["num_attention_heads"])
    out.append(("model.embed_tokens.weight", [t["vocab_size"], h]))
    for i in range(t["num_hidden_layers"]):
        p = "model.layers.%d." % i
        out += [(p + "input_layernorm.weight", [h]),
                (p + "self_attn.q_proj.weight", [h, h]), (p + "self_attn.q_proj.bias", [h]),
                (p + "self_attn.k_proj.weight", [kv, h]), (p + "self_attn.k_proj.bias", [kv]),
                (p + "self_attn.v_proj.weight", [kv, h]), (p + "self_attn.v_proj.bias", [kv]),
                (p + "self_attn.o_proj.weight", [h, h]),
                (p + "post_attention_layernorm.weight", [h]),
                (p + "mlp.gate_proj.weight", [inter, h]), (p + "mlp.up_proj.weight", [inter, h]),
                (p + "mlp.down_proj.weight", [h, inter])]
    out.append(("model.norm.weight", [h]))
    if include_lm_head:
        out.append(("lm_head.weight", [t["vocab_size"], h]))
    return out


def stored_name(canonical, naming):
    """Canonical (legacy) name in the 'old' or 'new' (model.visual.* / model.language_model.*) convention."""
    if naming == "old":
        return canonical
    if canonical.startswith("visual."):
        return "model." + canonical
    if canonical.startswith("model."):
        return "model.language_model." + canonical[len("model."):]
    return canonical


# ----------------------------------------------------------------------------------------------------------------------
# Random values

def init_kind(name, shape, hidden):
    """(kind, std): how a tensor is initialised."""
    if name.endswith("embed_tokens.weight") or name == "lm_head.weight":
        return "normal", 4.0 / math.sqrt(hidden)
    if "norm" in name or "ln_q" in name:
        return ("one_plus", 0.1) if name.endswith(".weight") else ("normal", 0.02)
    if name.endswith(".bias"):
        return "normal", 0.02
    fan_in = int(np.prod(shape[1:]))
    return "normal", 1.0 / math.sqrt(fan_in)


def tensor_rng(seed, name):
    digest = hashlib.sha256(name.encode()).digest()
    return np.random.default_rng([seed, int.from_bytes(digest[:8], "little")])


def to_storage(x32, dtype):
    """float32 array -> bytes of the storage dtype (bf16 rounded to nearest even, as torch does)."""
    if dtype == "f32":
        return x32.astype("<f4").tobytes()
    if dtype == "f16":
        return x32.astype("<f2").tobytes()
    u = x32.view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype("<u2")
    return r.tobytes()


def from_storage(b, dtype):
    """bytes of the storage dtype -> float64 values (exact)."""
    if dtype == "f32":
        return np.frombuffer(b, "<f4").astype(np.float64)
    if dtype == "f16":
        return np.frombuffer(b, "<f2").astype(np.float64)
    u = np.frombuffer(b, "<u2").astype(np.uint32) << 16
    return u.view(np.float32).astype(np.float64)


def sample_indices(numel, count=16):
    if numel <= count:
        return list(range(numel))
    return sorted(set(int(round(i * (numel - 1) / (count - 1))) for i in range(count)))


def write_tensor_data(f, name, shape, dtype, seed, hidden, ref):
    """Streams one tensor's bytes into `f` chunk by chunk; records sampled values + sum into `ref` (dict or None)."""
    numel = int(np.prod(shape)) if shape else 1
    kind, std = init_kind(name, shape, hidden)
    rng = tensor_rng(seed, name)
    want = sample_indices(numel) if ref is not None else []
    samples, total, done = {}, 0.0, 0
    while done < numel:
        n = min(CHUNK_ELEMS, numel - done)
        x = rng.standard_normal(n, dtype=np.float32) * np.float32(std)
        if kind == "one_plus":
            x += np.float32(1.0)
        b = to_storage(x, dtype)
        f.write(b)
        if ref is not None:
            vals = from_storage(b, dtype)
            total += float(vals.sum())
            for i in want:
                if done <= i < done + n:
                    samples[str(i)] = float(vals[i - done])
        done += n
    if ref is not None:
        ref[name] = {"shape": list(shape), "samples": samples, "sum": total}


# ----------------------------------------------------------------------------------------------------------------------
# safetensors writing

def safetensors_header(entries, dtype):
    """entries: [(stored_name, shape)] -> header bytes (8-byte length + JSON padded with spaces to 8-byte alignment)."""
    st_dtype, esize, _ = DTYPES[dtype]
    hdr, off = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in entries:
        nbytes = int(np.prod(shape)) * esize if shape else esize
        hdr[name] = {"dtype": st_dtype, "shape": list(shape), "data_offsets": [off, off + nbytes]}
        off += nbytes
    js = json.dumps(hdr, separators=(",", ":")).encode()
    js += b" " * ((8 - (8 + len(js)) % 8) % 8)
    return struct.pack("<Q", len(js)) + js, off


def plan_shards(tensors, dtype, shard_size_mb):
    """Splits [(canonical, shape)] into shards of at most shard_size_mb (a tensor bigger than that gets its own)."""
    if not shard_size_mb:
        return [tensors]
    limit = shard_size_mb * 1024 * 1024
    esize = DTYPES[dtype][1]
    shards, cur, cur_bytes = [], [], 0
    for name, shape in tensors:
        nb = int(np.prod(shape)) * esize
        if cur and cur_bytes + nb > limit:
            shards.append(cur)
            cur, cur_bytes = [], 0
        cur.append((name, shape))
        cur_bytes += nb
    if cur:
        shards.append(cur)
    return shards


def write_weights(out_dir, tensors, args, hidden, ref):
    shards = plan_shards(tensors, args.dtype, args.shard_size_mb)
    total_bytes = sum(int(np.prod(s)) for _, s in tensors) * DTYPES[args.dtype][1]
    weight_map, written, t0 = {}, 0, time.time()
    for k, shard in enumerate(shards):
        fname = "model.safetensors" if len(shards) == 1 and not args.shard_size_mb else \
            "model-%05d-of-%05d.safetensors" % (k + 1, len(shards))
        entries = [(stored_name(n, args.naming), s) for n, s in shard]
        header, nbytes = safetensors_header(entries, args.dtype)
        with open(os.path.join(out_dir, fname), "wb") as f:
            f.write(header)
            for (canonical, shape), (stored, _) in zip(shard, entries):
                write_tensor_data(f, canonical, shape, args.dtype, args.seed, hidden, ref)
                weight_map[stored] = fname
        written += nbytes
        if args.verbose or total_bytes > (256 << 20):
            print("  %s: %d tensors, %.1f MB (%.0f%% of %.1f MB, %.0f s)" % (
                fname, len(shard), nbytes / 2**20, 100.0 * written / total_bytes, total_bytes / 2**20,
                time.time() - t0), flush=True)
    if args.shard_size_mb:
        with open(os.path.join(out_dir, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total_bytes}, "weight_map": weight_map}, f, indent=2)
    return total_bytes


# ----------------------------------------------------------------------------------------------------------------------
# JSON files

def build_dims(args):
    p = dict(PRESETS[args.preset])
    for key in list(p):
        val = getattr(args, key, None)
        if val is not None:
            p[key] = val
    heads = p["num_attention_heads"]
    head_dim = p["hidden_size"] // heads
    if p["mrope_section"] is None:
        half = head_dim // 2
        if half % 8 != 0:
            sys.exit("head_dim %d: give --mrope-section (3 ints summing to head_dim/2)" % head_dim)
        p["mrope_section"] = [2 * half // 8, 3 * half // 8, 3 * half // 8]
    return p


def text_block(p, ids, vocab_size):
    return {
        "vocab_size": vocab_size,
        "hidden_size": p["hidden_size"],
        "intermediate_size": p["intermediate_size"],
        "num_hidden_layers": p["num_hidden_layers"],
        "num_attention_heads": p["num_attention_heads"],
        "num_key_value_heads": p["num_key_value_heads"],
        "hidden_act": "silu",
        "max_position_embeddings": p["max_position_embeddings"],
        "max_window_layers": p["num_hidden_layers"],
        "rms_norm_eps": 1e-06,
        "rope_theta": 1000000.0,
        "rope_scaling": {"type": "mrope", "mrope_section": p["mrope_section"]},
        "sliding_window": p["max_position_embeddings"],
        "use_sliding_window": False,
        "attention_dropout": 0.0,
        "initializer_range": 0.02,
        "use_cache": True,
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
    }


def build_config(p, ids, vocab_size, args):
    vision = {
        "depth": p["vision_depth"],
        "embed_dim": p["vision_embed_dim"],
        "mlp_ratio": p["vision_mlp_ratio"],
        "num_heads": p["vision_num_heads"],
        "hidden_size": p["hidden_size"],
        "patch_size": 14,
        "spatial_merge_size": 2,
        "spatial_patch_size": 14,
        "temporal_patch_size": 2,
    }
    token_ids = {
        "vision_start_token_id": ids["<|vision_start|>"],
        "vision_end_token_id": ids["<|vision_end|>"],
        "vision_token_id": ids["<|vision_pad|>"],
        "image_token_id": ids["<|image_pad|>"],
        "video_token_id": ids["<|video_pad|>"],
    }
    dtype_name = DTYPES[args.dtype][2]
    tie = not args.untied
    text = text_block(p, ids, vocab_size)
    if args.config_style == "flat":
        vision["in_chans"] = 3  # older key, as in Qwen2-VL-2B-Instruct's config.json
        cfg = {"architectures": ["Qwen2VLForConditionalGeneration"], "model_type": "qwen2_vl"}
        cfg.update(text)
        cfg.update(token_ids)
        cfg.update({"tie_word_embeddings": tie, "torch_dtype": dtype_name, "transformers_version": "4.45.0",
                    "vision_config": vision})
        return cfg
    vision.update({"in_channels": 3, "hidden_act": "quick_gelu", "model_type": "qwen2_vl"})
    text.update({"model_type": "qwen2_vl_text", "tie_word_embeddings": tie, "torch_dtype": dtype_name})
    cfg = {"architectures": ["Qwen2VLForConditionalGeneration"], "model_type": "qwen2_vl"}
    cfg.update(token_ids)
    cfg.update({"tie_word_embeddings": tie, "torch_dtype": dtype_name, "transformers_version": "4.53.0",
                "text_config": text, "vision_config": vision})
    return cfg


def build_generation_config(ids, args):
    eos = ids["<|im_end|>"] if args.eos_int else [ids["<|im_end|>"], ids["<|endoftext|>"]]
    return {"bos_token_id": ids["<|endoftext|>"], "pad_token_id": ids["<|endoftext|>"], "do_sample": True,
            "eos_token_id": eos, "repetition_penalty": 1.0, "temperature": 0.01, "top_k": 1, "top_p": 0.001,
            "transformers_version": "4.45.0"}


def build_preprocessor_config(args):
    return {"min_pixels": args.min_pixels, "max_pixels": args.max_pixels, "patch_size": 14, "temporal_patch_size": 2,
            "merge_size": 2, "image_mean": [0.48145466, 0.4578275, 0.40821073],
            "image_std": [0.26862954, 0.26130258, 0.27577711], "image_processor_type": "Qwen2VLImageProcessor",
            "processor_class": "Qwen2VLProcessor"}


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("out_dir")
    ap.add_argument("--preset", choices=sorted(PRESETS), default="tiny")
    ap.add_argument("--dtype", choices=sorted(DTYPES), default="bf16")
    ap.add_argument("--config-style", choices=["flat", "nested"], default="flat")
    ap.add_argument("--naming", choices=["old", "new"], default="old",
                    help="old: visual.*/model.*; new: model.visual.*/model.language_model.*")
    ap.add_argument("--shard-size-mb", type=float, default=0, help="shard with an index when > 0")
    ap.add_argument("--untied", action="store_true", help="tie_word_embeddings false and write lm_head.weight")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--eos-int", action="store_true", help="generation_config eos_token_id as one int")
    ap.add_argument("--min-pixels", type=int, default=3136)
    ap.add_argument("--max-pixels", type=int, default=12845056)
    ap.add_argument("--merges", type=int, default=300, help="BPE merges of the tokenizer")
    ap.add_argument("--dump-ref", help="write sampled reference values of every tensor to this JSON file")
    ap.add_argument("--verbose", action="store_true")
    for key in PRESETS["tiny"]:
        flag = "--" + key.replace("_", "-")
        if key == "mrope_section":
            ap.add_argument(flag, type=lambda s: [int(x) for x in s.split(",")], help="t,h,w")
        elif key == "vision_mlp_ratio":
            ap.add_argument(flag, type=float)
        else:
            ap.add_argument(flag, type=int)
    return ap.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    p = build_dims(args)
    os.makedirs(args.out_dir, exist_ok=True)
    tok = bpe_tokenizer.write_tokenizer_files(args.out_dir, None, args.merges)
    ids = bpe_tokenizer.special_token_ids(tok)
    tok_size = bpe_tokenizer.tokenizer_size(tok)
    vocab_size = p["vocab_size"] if p["vocab_size"] is not None else (tok_size + 63) // 64 * 64
    if vocab_size < tok_size:
        sys.exit("--vocab-size %d is smaller than the tokenizer (%d tokens)" % (vocab_size, tok_size))
    cfg = build_config(p, ids, vocab_size, args)
    write_json(os.path.join(args.out_dir, "config.json"), cfg)
    write_json(os.path.join(args.out_dir, "generation_config.json"), build_generation_config(ids, args))
    write_json(os.path.join(args.out_dir, "preprocessor_config.json"), build_preprocessor_config(args))

    dims = {"vision": {"embed_dim": p["vision_embed_dim"], "mlp_ratio": p["vision_mlp_ratio"],
                       "depth": p["vision_depth"], "in_channels": 3, "temporal_patch_size": 2, "patch_size": 14,
                       "spatial_merge_size": 2, "hidden_size": p["hidden_size"]},
            "text": {"hidden_size": p["hidden_size"], "intermediate_size": p["intermediate_size"],
                     "num_hidden_layers": p["num_hidden_layers"], "num_attention_heads": p["num_attention_heads"],
                     "num_key_value_heads": p["num_key_value_heads"], "vocab_size": vocab_size}}
    tensors = expected_tensors(dims, include_lm_head=args.untied)
    ref = {} if args.dump_ref else None
    total = write_weights(args.out_dir, tensors, args, p["hidden_size"], ref)
    if ref is not None:
        write_json(args.dump_ref, {"dtype": args.dtype, "naming": args.naming, "tensors": ref})
    print("wrote %s: %d tensors, %d parameters, %.1f MB %s" % (
        args.out_dir, len(tensors), sum(int(np.prod(s)) for _, s in tensors), total / 2**20, args.dtype))


if __name__ == "__main__":
    main()
