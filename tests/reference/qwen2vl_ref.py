#!/usr/bin/env python3
"""Reference implementation of Qwen2-VL in plain NumPy, written from the behaviour of the Hugging Face transformers model
(modeling_qwen2_vl.py) as documented in EdgeVL's model notes: vision tower, embedding fusion, get_rope_index, M-RoPE,
decoder, tied head. Dynamic shapes, no graphs, no KV cache (greedy decode recomputes the full sequence), so it shares no
code and no structure with EdgeVL's compiled graphs and serves as an independent check of them.

Everything is computed in float64 from the checkpoint's exact values (bf16/f16 -> f32 is exact), i.e. this is the
mathematical result that a float32 implementation approximates.

Reads an HF model directory: config.json (text parameters flat or nested under "text_config"), model.safetensors or a
sharded model.safetensors.index.json, dtypes BF16/F16/F32 (parsed here with NumPy), tensor names in both conventions
(visual.* / model.* and model.visual.* / model.language_model.*), lm_head tied to embed_tokens when absent.

CLI (inputs as written by edgevl-dump):
  qwen2vl_ref.py --model HF_DIR --dump PREFIX [--write OUT_PREFIX] [--compare] [--rtol R] [--decode-steps N]
reads PREFIX.input_ids.npy, PREFIX.grid_thw.npy, PREFIX.pixel_values.<i>.npy and, with --compare, checks
PREFIX.vision_embeds.npy, PREFIX.prefill_logits.npy [L, V], PREFIX.decode_tokens.npy [N], PREFIX.decode_logits.npy [N, V]
against the reference (relative max-norm error max|a-b| / max|b|); the reference's greedy tokens must equal the dumped ones.
Decode logits are computed teacher-forced on the dumped tokens (token i fed at step i gives decode_logits[i]), so a
divergence in one token does not hide the logit errors of later steps. Exit status 0 = match, 1 = mismatch.
"""
import argparse
import json
import math
import os
import struct
import sys

import numpy as np

# ----------------------------------------------------------------------------------------------------------------------
# safetensors


_DTYPES = {"F32": np.float32, "F16": np.float16, "BF16": "bf16", "F64": np.float64, "I64": np.int64, "I32": np.int32}


def read_safetensors(path):
    """Returns {name: np.ndarray float32 (or integer)} for one .safetensors file."""
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        raise ValueError(f"{path}: too short for a safetensors header")
    (hlen,) = struct.unpack("<Q", raw[:8])
    if 8 + hlen > len(raw):
        raise ValueError(f"{path}: header length {hlen} exceeds file size {len(raw)}")
    header = json.loads(raw[8:8 + hlen].decode("utf-8"))
    base = 8 + hlen
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dt = info["dtype"]
        if dt not in _DTYPES:
            raise ValueError(f"{path}: tensor {name}: unsupported dtype {dt}")
        begin, end = info["data_offsets"]
        buf = raw[base + begin:base + end]
        shape = tuple(info["shape"])
        if _DTYPES[dt] == "bf16":
            u16 = np.frombuffer(buf, dtype="<u2")
            arr = (u16.astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(buf, dtype=np.dtype(_DTYPES[dt]).newbyteorder("<"))
        if arr.size != int(np.prod(shape, dtype=np.int64)):
            raise ValueError(f"{path}: tensor {name}: {arr.size} elements for shape {shape}")
        out[name] = arr.reshape(shape)
    return out


def canonical_name(name):
    """Newer transformers' names -> the older canonical ones (visual.*, model.*, lm_head.*)."""
    if name.startswith("model.visual."):
        return name[len("model."):]
    if name.startswith("model.language_model."):
        return "model." + name[len("model.language_model."):]
    return name


def load_weights(model_dir):
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
        files = [os.path.join(model_dir, s) for s in shards]
    else:
        files = [os.path.join(model_dir, "model.safetensors")]
    weights = {}
    for fpath in files:
        for k, v in read_safetensors(fpath).items():
            weights[canonical_name(k)] = v
    return weights


# ----------------------------------------------------------------------------------------------------------------------
# config


class Config:
    def __init__(self, model_dir):
        with open(os.path.join(model_dir, "config.json")) as f:
            cfg = json.load(f)
        text = dict(cfg)
        text.update(cfg.get("text_config") or {})  # nested text_config wins over flat keys
        self.hidden = int(text["hidden_size"])
        self.intermediate = int(text["intermediate_size"])
        self.num_layers = int(text["num_hidden_layers"])
        self.num_heads = int(text["num_attention_heads"])
        self.num_kv_heads = int(text.get("num_key_value_heads", self.num_heads))
        self.head_dim = int(text.get("head_dim") or self.hidden // self.num_heads)
        self.vocab = int(text["vocab_size"])
        self.rms_eps = float(text.get("rms_norm_eps", 1e-6))
        rope = text.get("rope_scaling") or text.get("rope_parameters") or {}
        self.rope_theta = float(text.get("rope_theta", rope.get("rope_theta", 1e6)))
        self.mrope_section = [int(x) for x in rope.get("mrope_section", [16, 24, 24])]
        self.tie = bool(text.get("tie_word_embeddings", cfg.get("tie_word_embeddings", True)))
        self.image_token_id = int(cfg.get("image_token_id", text.get("image_token_id", 151655)))
        self.vision_start_token_id = int(cfg.get("vision_start_token_id", text.get("vision_start_token_id", 151652)))
        v = cfg["vision_config"]
        self.v_depth = int(v["depth"])
        self.v_dim = int(v["embed_dim"])
        self.v_heads = int(v["num_heads"])
        self.v_mlp = int(v.get("mlp_ratio", 4) * self.v_dim)
        self.v_in_ch = int(v.get("in_channels", v.get("in_chans", 3)))
        self.v_patch = int(v.get("patch_size", 14))
        self.v_merge = int(v.get("spatial_merge_size", 2))
        self.v_temporal = int(v.get("temporal_patch_size", 2))
        self.v_out = int(v.get("hidden_size", self.hidden))
        self.v_act = v.get("hidden_act", "quick_gelu")
        if 2 * sum(self.mrope_section) != self.head_dim:
            raise ValueError(f"mrope_section {self.mrope_section} does not cover head_dim {self.head_dim}")


# ----------------------------------------------------------------------------------------------------------------------
# building blocks (float64)


def layer_norm(x, w, b, eps):
    mu = x.mean(-1, keepdims=True)
    var = ((x - mu) ** 2).mean(-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * w + b


def rms_norm(x, w, eps):
    return w * (x / np.sqrt((x * x).mean(-1, keepdims=True) + eps))


def erf(x):
    return np.vectorize(math.erf, otypes=[np.float64])(x)


def gelu_exact(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def quick_gelu(x):
    return x / (1.0 + np.exp(-1.702 * x))


def silu(x):
    return x / (1.0 + np.exp(-x))


def softmax(x):
    x = x - x.max(-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(-1, keepdims=True)


def rotate_half(x):
    h = x.shape[-1] // 2
    return np.concatenate([-x[..., h:], x[..., :h]], axis=-1)


def linear(x, W, b=None):
    y = x @ W.T
    return y if b is None else y + b


# ----------------------------------------------------------------------------------------------------------------------
# the model


class Qwen2VLRef:
    def __init__(self, model_dir):
        self.cfg = Config(model_dir)
        raw = load_weights(model_dir)
        self.w = {k: v.astype(np.float64) for k, v in raw.items()}
        if "lm_head.weight" not in self.w:
            self.w["lm_head.weight"] = self.w["model.embed_tokens.weight"]

    def W(self, name):
        if name not in self.w:
            raise KeyError(f"checkpoint has no tensor {name}")
        return self.w[name]

    # --- vision tower (spec section 4) ---
    def vision_rope_angles(self, grid_thw):
        """[N, head_dim/2] angles: [py*theta_0..k, px*theta_0..k] per patch, patch order of the patchified rows."""
        c = self.cfg
        rot_dim = c.v_dim // c.v_heads // 2
        inv = (1.0 / (10000.0 ** (np.arange(0, rot_dim, 2, dtype=np.float32) / np.float32(rot_dim)))).astype(np.float32)
        rows = []
        m = c.v_merge
        for t, h, w in grid_thw:
            hpos = np.arange(h)[:, None].repeat(w, 1).reshape(h // m, m, w // m, m).transpose(0, 2, 1, 3).reshape(-1)
            wpos = np.arange(w)[None, :].repeat(h, 0).reshape(h // m, m, w // m, m).transpose(0, 2, 1, 3).reshape(-1)
            pos = np.stack([hpos, wpos], -1)
            rows.append(np.tile(pos, (t, 1)))
        pos = np.concatenate(rows, 0)
        # float32 angles as in the reference (positions times float32 inverse frequencies)
        ang = (pos[:, :, None].astype(np.float32) * inv[None, None, :]).astype(np.float32)
        return ang.reshape(pos.shape[0], -1).astype(np.float64)

    def vision(self, pixel_values, grid_thw):
        """pixel_values [N, C*T*ps*ps] (all images concatenated), grid_thw [n, 3] -> [N/merge^2, out_hidden]."""
        c = self.cfg
        W = self.W
        grid_thw = [tuple(int(v) for v in g) for g in grid_thw]
        n = sum(t * h * w for t, h, w in grid_thw)
        if pixel_values.shape[0] != n:
            raise ValueError(f"pixel_values has {pixel_values.shape[0]} rows, grid_thw implies {n}")
        x = pixel_values.astype(np.float64) @ W("visual.patch_embed.proj.weight").reshape(c.v_dim, -1).T
        ang = self.vision_rope_angles(grid_thw)
        emb = np.concatenate([ang, ang], -1)
        cos, sin = np.cos(emb), np.sin(emb)
        seg = []
        for t, h, w in grid_thw:
            seg += [h * w] * t
        bounds = np.cumsum([0] + seg)
        H = c.v_heads
        hd = c.v_dim // H
        for i in range(c.v_depth):
            p = f"visual.blocks.{i}."
            y = layer_norm(x, W(p + "norm1.weight"), W(p + "norm1.bias"), 1e-6)
            qkv = linear(y, W(p + "attn.qkv.weight"), W(p + "attn.qkv.bias")).reshape(n, 3, H, hd)
            q, k, v = qkv[:, 0], qkv[:, 1], qkv[:, 2]  # [n, H, hd]
            q = q * cos[:, None, :] + rotate_half(q) * sin[:, None, :]
            k = k * cos[:, None, :] + rotate_half(k) * sin[:, None, :]
            out = np.zeros_like(q)
            for s, e in zip(bounds[:-1], bounds[1:]):
                qs, ks, vs = (a[s:e].transpose(1, 0, 2) for a in (q, k, v))  # [H, len, hd]
                att = softmax(qs @ ks.transpose(0, 2, 1) / math.sqrt(hd))
                out[s:e] = (att @ vs).transpose(1, 0, 2)
            x = x + linear(out.reshape(n, -1), W(p + "attn.proj.weight"), W(p + "attn.proj.bias"))
            y = layer_norm(x, W(p + "norm2.weight"), W(p + "norm2.bias"), 1e-6)
            y = linear(y, W(p + "mlp.fc1.weight"), W(p + "mlp.fc1.bias"))
            y = quick_gelu(y) if c.v_act == "quick_gelu" else gelu_exact(y)
            x = x + linear(y, W(p + "mlp.fc2.weight"), W(p + "mlp.fc2.bias"))
        y = layer_norm(x, W("visual.merger.ln_q.weight"), W("visual.merger.ln_q.bias"), 1e-6)
        y = y.reshape(-1, c.v_dim * c.v_merge * c.v_merge)
        y = gelu_exact(linear(y, W("visual.merger.mlp.0.weight"), W("visual.merger.mlp.0.bias")))
        return linear(y, W("visual.merger.mlp.2.weight"), W("visual.merger.mlp.2.bias"))

    # --- M-RoPE positions (spec section 5, get_rope_index) ---
    def rope_index(self, ids, grid_thw):
        """ids [L] -> positions [3, L] and rope_delta. Each text run continues from the max position so far + 1; an
        image block starting at s gets s + (t, h, w) indices. Text runs may be empty (an image-pad run at the very
        start of ids, or two image blocks whose pad runs touch)."""
        c = self.cfg
        ids = list(int(i) for i in ids)
        grids = [tuple(int(v) for v in g) for g in grid_thw]
        pos = []
        nxt = 0  # max position so far + 1 (0 for nothing yet)
        cursor = 0
        for t, h, w in grids:
            try:
                ed = ids.index(c.image_token_id, cursor)
            except ValueError:
                raise ValueError(f"input_ids has fewer image blocks than the {len(grids)} images given")
            text_len = ed - cursor
            pos.append(np.tile(np.arange(text_len) + nxt, (3, 1)))
            nxt += text_len
            gh, gw = h // c.v_merge, w // c.v_merge
            ti = np.repeat(np.arange(t), gh * gw)
            hi = np.tile(np.repeat(np.arange(gh), gw), t)
            wi = np.tile(np.tile(np.arange(gw), gh), t)
            pos.append(np.stack([ti, hi, wi]) + nxt)
            nxt += max(t, gh, gw)
            cursor = ed + t * gh * gw
            if any(i != c.image_token_id for i in ids[ed:cursor]) or len(ids) < cursor:
                raise ValueError("image pad run shorter than its grid")
        if cursor < len(ids):
            pos.append(np.tile(np.arange(len(ids) - cursor) + nxt, (3, 1)))
        positions = np.concatenate(pos, 1) if pos else np.zeros((3, 0), np.int64)
        delta = int(positions.max()) + 1 - len(ids) if len(ids) else 0
        return positions.astype(np.int64), delta

    def mrope_cos_sin(self, positions):
        c = self.cfg
        hd = c.head_dim
        inv = (1.0 / (c.rope_theta ** (np.arange(0, hd, 2, dtype=np.int64).astype(np.float32) / np.float32(hd)))).astype(
            np.float32)
        axis_of = np.concatenate([np.full(s, a) for a, s in enumerate(c.mrope_section)])  # [hd/2]
        p = positions[axis_of, :].T.astype(np.float32)  # [L, hd/2]
        ang = (p * inv[None, :]).astype(np.float32).astype(np.float64)
        emb = np.concatenate([ang, ang], -1)
        return np.cos(emb), np.sin(emb)

    # --- decoder ---
    def embed(self, ids, image_embeds):
        c = self.cfg
        ids = np.asarray(ids, np.int64)
        if ids.min(initial=0) < 0 or ids.max(initial=0) >= c.vocab:
            raise ValueError("input id outside the vocabulary")
        x = self.W("model.embed_tokens.weight")[ids].copy()
        mask = ids == c.image_token_id
        n_img = 0 if image_embeds is None else image_embeds.shape[0]
        if int(mask.sum()) != n_img:
            raise ValueError(f"{int(mask.sum())} image tokens but {n_img} image embeddings")
        if n_img:
            x[mask] = image_embeds
        return x

    def decoder(self, x, positions):
        """x [L, hidden] embeddings, positions [3, L] -> logits [L, vocab]."""
        c = self.cfg
        W = self.W
        L = x.shape[0]
        cos, sin = self.mrope_cos_sin(positions)
        H, KV, hd = c.num_heads, c.num_kv_heads, c.head_dim
        g = H // KV
        causal = np.triu(np.full((L, L), -np.inf), 1)
        for i in range(c.num_layers):
            p = f"model.layers.{i}."
            y = rms_norm(x, W(p + "input_layernorm.weight"), c.rms_eps)
            q = linear(y, W(p + "self_attn.q_proj.weight"), W(p + "self_attn.q_proj.bias")).reshape(L, H, hd)
            k = linear(y, W(p + "self_attn.k_proj.weight"), W(p + "self_attn.k_proj.bias")).reshape(L, KV, hd)
            v = linear(y, W(p + "self_attn.v_proj.weight"), W(p + "self_attn.v_proj.bias")).reshape(L, KV, hd)
            q = q * cos[:, None, :] + rotate_half(q) * sin[:, None, :]
            k = k * cos[:, None, :] + rotate_half(k) * sin[:, None, :]
            q = q.transpose(1, 0, 2)  # [H, L, hd]
            k = np.repeat(k.transpose(1, 0, 2), g, axis=0)  # head h uses kv head h // g
            v = np.repeat(v.transpose(1, 0, 2), g, axis=0)
            att = softmax(q @ k.transpose(0, 2, 1) / math.sqrt(hd) + causal)
            o = (att @ v).transpose(1, 0, 2).reshape(L, H * hd)
            x = x + linear(o, W(p + "self_attn.o_proj.weight"))
            z = rms_norm(x, W(p + "post_attention_layernorm.weight"), c.rms_eps)
            x = x + linear(silu(linear(z, W(p + "mlp.gate_proj.weight"))) * linear(z, W(p + "mlp.up_proj.weight")),
                           W(p + "mlp.down_proj.weight"))
        x = rms_norm(x, W("model.norm.weight"), c.rms_eps)
        return x @ W("lm_head.weight").T

    def forward(self, ids, pixel_values_list, grid_thw, decode_tokens=None, decode_steps=0):
        """Prefill logits [L, V], vision embeds, and decode: teacher-forced on decode_tokens when given (logits [N, V] and
        the reference's own argmax at each step), else greedy for decode_steps."""
        grid_thw = np.asarray(grid_thw, np.int64).reshape(-1, 3)
        image_embeds = None
        if len(pixel_values_list):
            image_embeds = self.vision(np.concatenate(pixel_values_list, 0), grid_thw)
        x = self.embed(ids, image_embeds)
        positions, delta = self.rope_index(ids, grid_thw)
        L = len(ids)
        n_steps = len(decode_tokens) if decode_tokens is not None else decode_steps
        prefill_logits = self.decoder(x, positions)
        emb = self.W("model.embed_tokens.weight")
        greedy = [int(np.argmax(prefill_logits[-1]))] if n_steps else []
        dec_logits = []
        fed = []
        for s in range(n_steps):
            tok = int(decode_tokens[s]) if decode_tokens is not None else greedy[s]
            fed.append(tok)
            xs = np.concatenate([x, emb[np.asarray(fed)]], 0)
            extra = np.arange(L, L + len(fed)) + delta  # cache index i gets position i + rope_delta on all axes
            pos = np.concatenate([positions, np.tile(extra, (3, 1))], 1)
            lg = self.decoder(xs, pos)[-1]
            dec_logits.append(lg)
            greedy.append(int(np.argmax(lg)))
        return {
            "vision_embeds": image_embeds,
            "prefill_logits": prefill_logits,
            "decode_logits": np.stack(dec_logits) if dec_logits else np.zeros((0, self.cfg.vocab)),
            "greedy_tokens": np.asarray(greedy[:n_steps], np.int64),
            "positions": positions,
            "rope_delta": delta,
        }


# ----------------------------------------------------------------------------------------------------------------------
# CLI


def rel_err(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if a.shape != b.shape:
        return float("inf")
    if b.size == 0:
        return 0.0
    den = float(np.abs(b).max())
    return float(np.abs(a - b).max()) / (den if den > 0 else 1.0)


def load_dump_inputs(prefix):
    ids = np.load(prefix + ".input_ids.npy").reshape(-1).astype(np.int64)
    grid = np.zeros((0, 3), np.int64)
    pvs = []
    if os.path.exists(prefix + ".grid_thw.npy"):
        grid = np.load(prefix + ".grid_thw.npy").reshape(-1, 3).astype(np.int64)
        for i in range(grid.shape[0]):
            pvs.append(np.load(f"{prefix}.pixel_values.{i}.npy").astype(np.float32))
    return ids, pvs, grid


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", required=True, help="HF model directory")
    ap.add_argument("--dump", required=True, help="prefix of the edgevl-dump .npy files")
    ap.add_argument("--write", help="write OUT.prefill_logits.npy, OUT.decode_tokens.npy, OUT.decode_logits.npy, "
                                    "OUT.vision_embeds.npy")
    ap.add_argument("--compare", action="store_true", help="compare with the dumped outputs")
    ap.add_argument("--rtol", type=float, default=1e-4, help="max allowed relative max-norm error")
    ap.add_argument("--decode-steps", type=int, default=None, help="greedy steps when not comparing (default 0)")
    ap.add_argument("--allow-token-divergence", action="store_true",
                    help="report but do not fail when the greedy tokens differ (fp16)")
    args = ap.parse_args(argv)

    model = Qwen2VLRef(args.model)
    ids, pvs, grid = load_dump_inputs(args.dump)
    dec_tokens = None
    if args.compare and os.path.exists(args.dump + ".decode_tokens.npy"):
        dec_tokens = np.load(args.dump + ".decode_tokens.npy").reshape(-1).astype(np.int64)
    res = model.forward(ids, pvs, grid, decode_tokens=dec_tokens, decode_steps=args.decode_steps or 0)
    if args.write:
        np.save(args.write + ".prefill_logits.npy", res["prefill_logits"].astype(np.float32))
        np.save(args.write + ".decode_logits.npy", res["decode_logits"].astype(np.float32))
        np.save(args.write + ".decode_tokens.npy", res["greedy_tokens"].astype(np.int32))
        if res["vision_embeds"] is not None:
            np.save(args.write + ".vision_embeds.npy", res["vision_embeds"].astype(np.float32))
    if not args.compare:
        return 0
    report = {"tokens": int(len(ids)), "images": int(grid.shape[0]), "rtol": args.rtol}
    ok = True
    checks = [("prefill_logits", res["prefill_logits"])]
    if res["vision_embeds"] is not None and os.path.exists(args.dump + ".vision_embeds.npy"):
        checks.append(("vision_embeds", res["vision_embeds"]))
    if dec_tokens is not None:
        checks.append(("decode_logits", res["decode_logits"]))
    for name, ref in checks:
        got = np.load(f"{args.dump}.{name}.npy")
        err = rel_err(got.reshape(ref.shape) if got.size == ref.size else got, ref)
        report[name + "_rel_err"] = err
        if not err <= args.rtol:
            ok = False
            report.setdefault("failed", []).append(name)
    if dec_tokens is not None:
        same = bool(np.array_equal(dec_tokens, res["greedy_tokens"]))
        report["decode_tokens"] = dec_tokens.tolist()
        report["tokens_equal"] = same
        if not same:
            report["ref_tokens"] = res["greedy_tokens"].tolist()
            if not args.allow_token_divergence:
                ok = False
                report.setdefault("failed", []).append("decode_tokens")
    report["ok"] = ok
    print(json.dumps(report))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
