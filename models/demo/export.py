"""Exports a trained demo checkpoint as a standard Hugging Face Qwen2-VL model directory.

    /usr/bin/python3 models/demo/export.py --ckpt /tmp/demo-train/ckpt.pt [--out models/demo/qwen2vl-shapes]

Writes config.json (nested text_config + vision_config, the newer transformers spelling; top-level token ids and
tie_word_embeddings too), model.safetensors (bf16, names visual.* / model.*, tied head so no lm_head.weight),
tokenizer.json + tokenizer_config.json (Qwen2-VL chat template), preprocessor_config.json, generation_config.json.
Also writes the sample scenes models/demo/samples/ (images + samples.json with ground-truth Q/A).
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tools"))
import bpe_tokenizer  # noqa: E402
import demo_tokenizer  # noqa: E402
import preprocess  # noqa: E402
import scenes  # noqa: E402
from model import Qwen2VL, TextConfig, VisionConfig  # noqa: E402

MODEL_DIR = os.path.join(HERE, "qwen2vl-shapes")
SAMPLES_DIR = os.path.join(HERE, "samples")
SAMPLES_SEED = 777
# Small sample sizes (W, H), about min_pixels: smart_resize maps them to grids 8x10, 10x8 and 10x10 (20, 20 and 25
# visual tokens); aspect ratios within the training range (scenes.ASPECT_MAX).
SMALL_SIZES = [(141, 99), (99, 141), (125, 125)]


def write_json(path, obj):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, indent=2, ensure_ascii=False)
        f.write("\n")


def write_safetensors(path, tensors):
    """tensors: dict name -> torch tensor; stored as BF16 (round to nearest even), header 8-byte aligned."""
    hdr, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name in sorted(tensors):
        t = tensors[name].detach().to(torch.bfloat16).contiguous()
        b = t.view(torch.int16).numpy().tobytes()
        hdr[name] = {"dtype": "BF16", "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    js = json.dumps(hdr, separators=(",", ":")).encode()
    js += b" " * ((8 - (8 + len(js)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(js)))
        f.write(js)
        for b in blobs:
            f.write(b)


def build_config(vcfg: VisionConfig, tcfg: TextConfig, tok: demo_tokenizer.Tokenizer) -> dict:
    ids = tok.special
    text = {
        "model_type": "qwen2_vl_text",
        "vocab_size": tcfg.vocab_size,
        "hidden_size": tcfg.hidden_size,
        "intermediate_size": tcfg.intermediate_size,
        "num_hidden_layers": tcfg.num_hidden_layers,
        "num_attention_heads": tcfg.num_attention_heads,
        "num_key_value_heads": tcfg.num_key_value_heads,
        "hidden_act": "silu",
        "max_position_embeddings": 4096,
        "max_window_layers": tcfg.num_hidden_layers,
        "rms_norm_eps": tcfg.rms_norm_eps,
        "rope_theta": tcfg.rope_theta,
        "rope_scaling": {"type": "mrope", "mrope_section": list(tcfg.mrope_section)},
        "sliding_window": 4096,
        "use_sliding_window": False,
        "attention_dropout": 0.0,
        "initializer_range": 0.02,
        "use_cache": True,
        "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
        "bos_token_id": ids["<|endoftext|>"],
        "eos_token_id": ids["<|im_end|>"],
    }
    vision = {
        "model_type": "qwen2_vl",
        "depth": vcfg.depth,
        "embed_dim": vcfg.embed_dim,
        "mlp_ratio": vcfg.mlp_ratio,
        "num_heads": vcfg.num_heads,
        "hidden_size": vcfg.hidden_size,
        "hidden_act": "quick_gelu",
        "in_channels": vcfg.in_channels,
        "patch_size": vcfg.patch_size,
        "spatial_merge_size": vcfg.spatial_merge_size,
        "spatial_patch_size": vcfg.patch_size,
        "temporal_patch_size": vcfg.temporal_patch_size,
    }
    return {
        "architectures": ["Qwen2VLForConditionalGeneration"],
        "model_type": "qwen2_vl",
        "vision_start_token_id": ids["<|vision_start|>"],
        "vision_end_token_id": ids["<|vision_end|>"],
        "vision_token_id": ids["<|vision_pad|>"],
        "image_token_id": ids["<|image_pad|>"],
        "video_token_id": ids["<|video_pad|>"],
        "tie_word_embeddings": True,
        "torch_dtype": "bfloat16",
        "transformers_version": "4.53.0",
        "text_config": text,
        "vision_config": vision,
    }


def load_checkpoint(path):
    """(model with bf16-rounded weights as float32, ckpt dict)."""
    ck = torch.load(path)
    vcfg, tcfg = VisionConfig(**ck["vision"]), TextConfig(**ck["text"])
    model = Qwen2VL(vcfg, tcfg)
    model.load_state_dict(ck["model"])
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(p.to(torch.bfloat16).float())
    model.eval()
    return model, ck


def load_model_dir(model_dir):
    """Loads an exported model directory back into the PyTorch model (float32 compute on the bf16 weights)."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    t, v = cfg["text_config"], cfg["vision_config"]
    vcfg = VisionConfig(depth=v["depth"], embed_dim=v["embed_dim"], num_heads=v["num_heads"], mlp_ratio=v["mlp_ratio"],
                        hidden_size=v["hidden_size"])
    tcfg = TextConfig(vocab_size=t["vocab_size"], hidden_size=t["hidden_size"],
                      intermediate_size=t["intermediate_size"], num_hidden_layers=t["num_hidden_layers"],
                      num_attention_heads=t["num_attention_heads"], num_key_value_heads=t["num_key_value_heads"],
                      rms_norm_eps=t["rms_norm_eps"], rope_theta=t["rope_theta"],
                      mrope_section=t["rope_scaling"]["mrope_section"], image_token_id=cfg["image_token_id"],
                      vision_start_token_id=cfg["vision_start_token_id"])
    model = Qwen2VL(vcfg, tcfg)
    with open(os.path.join(model_dir, "model.safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        hdr = json.loads(f.read(n))
        data = f.read()
    sd = {}
    for name, e in hdr.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        raw = np.frombuffer(data[a:b], dtype=np.int16).copy()
        sd[name] = torch.from_numpy(raw).view(torch.bfloat16).float().reshape(e["shape"])
    model.load_state_dict(sd)
    model.eval()
    tok = demo_tokenizer.Tokenizer(json.load(open(os.path.join(model_dir, "tokenizer.json"), encoding="utf-8")))
    return model, tok


def write_samples(n_large=3, n_small=3):
    """Sample scenes (fixed seed, held-out odd sizes) with all five questions answered. The last `n_small` images are
    small (SMALL_SIZES, about min_pixels) and serve as the reference inputs (reference.py)."""
    os.makedirs(SAMPLES_DIR, exist_ok=True)
    rng = np.random.default_rng(SAMPLES_SEED)
    entries = []
    for i in range(n_large + n_small):
        scene = scenes.random_scene(rng, "odd", grey_ok=False)
        scene.width, scene.height = min(scene.width, scenes.SIZE_MAX), min(scene.height, scenes.SIZE_MAX)
        if i >= n_large:
            scene.width, scene.height = SMALL_SIZES[(i - n_large) % len(SMALL_SIZES)]
            qw, qh = scene.width / 2, scene.height / 2
            for s in scene.shapes:  # re-place the shapes into the smaller canvas, same relative layout
                side = min(qw, qh)
                s.size = 0.7 * side
                s.cx = (s.quadrant % 2) * qw + qw / 2
                s.cy = (s.quadrant // 2) * qh + qh / 2
        scene.fmt = "png" if i == n_large + 1 else "jpeg"  # fixed names (scene0.jpg .. scene5.jpg, scene4.png)
        img = scenes.render(scene, rng)
        name = f"scene{i}." + ("jpg" if scene.fmt == "jpeg" else "png")
        with open(os.path.join(SAMPLES_DIR, name), "wb") as f:
            f.write(scenes.encode(scene, img))
        qa = []
        for qt in scenes.QTYPES:
            x = scenes.question(scene, qt, rng, wording=0)
            qa.append({"type": qt, "question": x.question, "answer": x.answer})
        entries.append({"image": name, "scene": scenes.scene_to_json(scene), "qa": qa})
    write_json(os.path.join(SAMPLES_DIR, "samples.json"), {"seed": SAMPLES_SEED, "samples": entries})
    return entries


def write_model_card(out_dir, ck, model):
    """MODEL_CARD.md from the checkpoint's training record and eval_accuracy.json (when present)."""
    acc_path = os.path.join(HERE, "eval_accuracy.json")
    acc = json.load(open(acc_path)) if os.path.exists(acc_path) else None
    if acc and "accuracy_by_wording" not in acc:  # written by an older eval_torch.py: not about this model
        acc = None
    v, t = model.vcfg, model.tcfg
    nparams = sum(p.numel() for p in model.parameters())
    curve = ck.get("loss_curve", [])
    pts = [f"{50 * i + 50}: {x:.3f}" for i, x in enumerate(curve)]
    pts = pts[:3] + pts[3:-3:max(1, (len(pts) - 6) // 6 or 1)] + pts[-3:] if len(pts) > 12 else pts
    a = ck.get("args", {})
    lines = [
        "# qwen2vl-shapes: a tiny Qwen2-VL that sees synthetic shapes",
        "",
        "Exact Qwen2-VL architecture and Hugging Face checkpoint format (`Qwen2VLForConditionalGeneration`, tensor names",
        "`visual.*` / `model.*`, tied head), tiny dimensions, trained from scratch on synthetic scenes of 1-3 coloured shapes",
        f"({', '.join(scenes.SHAPES)}; {', '.join(scenes.COLOR_NAMES)}; one shape per quadrant, aspect ratio up to "
        f"{scenes.ASPECT_MAX:g}).",
        "",
        "## Task",
        "Questions about one image, short canonical answers (each question type has several wordings; `scenes.WORDINGS`):",
        "",
        "| type | wordings | answer |",
        "|---|---|---|",
    ]
    answers = {"describe": '"a red circle and a blue square" (quadrant order TL, TR, BL, BR)', "color": '"red"',
               "count": '"2"', "where": '"top left" / "top right" / "bottom left" / "bottom right"',
               "exists": '"yes" / "no"', "more": '"the first" / "the second" / "the same"', "both": '"yes" / "no"'}
    for k, ws in scenes.WORDINGS.items():
        lines.append(f"| {k} | " + " · ".join(f'"{w}"' for w in ws).replace("{k}", "circle") + f" | {answers[k]} |")
    lines += [
        "",
        "`more` and `both` are asked in a later turn of a conversation that attaches a second image. Conversations have",
        "1-4 turns about the same image (a follow-up is appended to the chat as a Session continues it). Backgrounds range",
        f"from black to white (mid-grey included); {scenes.GREY_FRACTION:.0%} of scenes are greyscale (no colour or",
        f"description questions about them) and {scenes.LARGE_FRACTION:.0%} are large (up to {scenes.SIZE_MAX_LARGE} px a",
        "side), shrunk by the preprocessor.",
        "",
        "Prompt: the Qwen2-VL chat template (default system prompt, image then question, generation prompt). Decode greedily",
        "and stop at `<|im_end|>` or `<|endoftext|>`.",
        "",
        "## Dimensions",
        f"- Vision: patch 14, temporal patch 2, merge 2, embed_dim {v.embed_dim}, depth {v.depth}, heads {v.num_heads} "
        f"(head_dim {v.embed_dim // v.num_heads}, VisionRoPE rotary dim {v.embed_dim // v.num_heads // 2}), "
        f"MLP {int(v.embed_dim * v.mlp_ratio)} quick_gelu, merger {v.embed_dim * 4} -> {v.hidden_size}.",
        f"- Text: hidden {t.hidden_size}, {t.num_hidden_layers} layers, {t.num_attention_heads} heads / "
        f"{t.num_key_value_heads} KV heads (head_dim {t.hidden_size // t.num_attention_heads}), intermediate "
        f"{t.intermediate_size} SwiGLU, RMSNorm eps {t.rms_norm_eps}, rope_theta {t.rope_theta:g}, "
        f"mrope_section {list(t.mrope_section)}, vocab_size {t.vocab_size} (tokenizer ids 0..{build_tokenizer_size() - 1}; "
        "the rest are unused padding rows), tied embeddings.",
        f"- {nparams:,} parameters, stored bf16 (model.safetensors). config.json uses the nested spelling "
        "(`text_config` + `vision_config`, newer transformers) with the token ids and `tie_word_embeddings` at top level.",
        f"- Preprocessing: min_pixels {preprocess.MIN_PIXELS} (28*28*{preprocess.MIN_PIXELS // 784}), max_pixels "
        f"{preprocess.MAX_PIXELS} (28*28*{preprocess.MAX_PIXELS // 784}), i.e. {preprocess.MIN_PIXELS // 784}.."
        f"{preprocess.MAX_PIXELS // 784} visual tokens per image; CLIP mean/std; Pillow bicubic.",
        "",
        "## Training",
        training_summary(ck),
        "The language-model loss is on answer tokens + `<|im_end|>` only.",
        "",
        "Language-model loss curve of the whole-model phase (step: mean loss of the 50 steps up to it): "
        + ", ".join(pts) + ".",
        "",
    ]
    if acc:
        es = acc["eval_set"]
        lines += ["## Accuracy", f"Held-out set (`models/demo/eval_set.py`, seed {es['seed']}, odd image sizes never "
                  "seen in training), exact match, PyTorch float32 on the bf16 weights (`models/demo/eval_torch.py`). "
                  f"Single questions: {es['images']} images x {es['questions_per_image']} questions, types and wordings "
                  "in rotation:", "", "| type | accuracy | per wording (in the order of the table above) |", "|---|---|---|"]
        for k, x in acc["accuracy"].items():
            ws = acc["accuracy_by_wording"].get(k, [])
            lines.append(f"| {k} | {100 * x:.1f}% | " + " · ".join(f"{100 * w['accuracy']:.0f}%" for w in ws) + " |")
        wr = acc["where_by_row"]
        lines += ["", f"where, another shape in the same row: {100 * wr['same_row']['accuracy']:.1f}% "
                  f"({wr['same_row']['correct']}/{wr['same_row']['total']}); alone in its row: "
                  f"{100 * wr['alone_in_row']['accuracy']:.1f}% ({wr['alone_in_row']['correct']}/"
                  f"{wr['alone_in_row']['total']}).", ""]
        cv = acc["conversations"]
        lines += [f"Conversations ({es['conversations_per_kind']} of each kind, each turn answered after the model's own "
                  "earlier answers):", ""]
        lines += [f"- {kind}: accuracy per turn " + ", ".join(f"{100 * x:.1f}%" for x in c["turn_accuracy"])
                  for kind, c in cv.items()]
        lines += ["  (three-turn: 3 questions of distinct types about one image; two-image: a question about the first "
                  "image, then a turn attaching a second image with a two-image question).", ""]
        misses = [f"{k} {100 * acc['accuracy'][k]:.1f}% (target 98%)" for k in scenes.QTYPES if acc["accuracy"][k] < 0.98]
        misses += [f"{k} wording \"{w['wording']}\" {100 * w['accuracy']:.0f}% (target 95%)"
                   for k in scenes.QTYPES for w in acc["accuracy_by_wording"][k] if w["accuracy"] < 0.95]
        if "two-image" in cv and cv["two-image"]["turn_accuracy"][-1] < 0.95:
            misses.append(f"two-image questions {100 * cv['two-image']['turn_accuracy'][-1]:.1f}% (target 95%)")
        if ck.get("train_seconds", 0) > 90 * 60:
            misses.append(f"training took {ck['train_seconds'] / 60:.0f} min (target at most 90)")
        if misses:
            lines += ["**Below the acceptance targets:** " + "; ".join(misses) + ".", ""]
        weakest = min(scenes.QTYPES, key=lambda k: acc["accuracy"][k])
        lines += [f"Weakest question type: {weakest} ({100 * acc['accuracy'][weakest]:.1f}%). The first wrong answers are "
                  "listed in `models/demo/eval_accuracy.json`.", ""]
    with open(os.path.join(out_dir, "MODEL_CARD.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def training_summary(ck):
    """The training commands in order (a run and its --resume continuations), their phases and step counts."""
    phases, cmds = [], []
    for h in ck.get("history", []):
        what = "vision tower + visual-token probes only" if h["phase"] == "vision" else "whole model"
        phases.append(f"{h['phase']} ({what}): {h['steps']} steps of {h['batch']} x {h['ranks']} scenes, peak lr "
                      f"{h['lr']:g}, {h['seconds'] / 60:.1f} min")
        cmd = "/usr/bin/python3 " + h.get("command", "models/demo/train.py")
        if cmd not in cmds:
            cmds.append(cmd)
    return ("`models/demo/train.py` (seeded: --seed, default 1234, and a --resume continues the data stream at seed + "
            "steps done; AdamW betas 0.9/0.98, weight decay 0.01, warm-up then cosine to 3% in each "
            "phase), {steps} steps in {minutes:.1f} min wall on 2 CPU cores (1 torch thread per rank + 1 data worker "
            "each):\n\n```\n{cmd}\n```\n\nPhases: {phases}. Each scene (generated on the fly, even image sizes only) "
            "comes with {qpi} independent conversations of 1-4 turns (question types drawn per turn, a later turn may "
            "attach a second image for a two-image question); every answer weighs the same in the loss. In questions "
            "that name a shape (color, where, exists) the name's position gets two training-only targets: a linear "
            "probe on the output of decoder layer 1 of 3 (`LookupHead`) names the shape's colour, quadrant and presence, "
            "and for color/exists the position also predicts the answer token, so the name looks its shape up among the "
            "visual tokens and the answer only copies it. Besides the answer tokens, a training-only linear probe on "
            "each visual token (merge "
            "cell) is trained to name the shape kind, colour and image half that cell shows, and the probe's kind logits "
            "averaged over each shape's tokens to name that shape's kind (`AuxHeads` in train.py, labels from the scene "
            "geometry); it gives the vision tower dense supervision. Neither probe is part of the exported model.").format(
        steps=ck.get("steps"), minutes=ck.get("train_seconds", 0) / 60, cmd="\n".join(cmds),
        phases="; ".join(phases), qpi=ck.get("questions_per_image", 1))


def build_tokenizer_size():
    return demo_tokenizer.Tokenizer().size


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--ckpt", default="/tmp/demo-train/ckpt.pt")
    ap.add_argument("--out", default=MODEL_DIR)
    ap.add_argument("--card-only", action="store_true", help="only rewrite MODEL_CARD.md (after eval_torch.py)")
    args = ap.parse_args()
    model, ck = load_checkpoint(args.ckpt)
    if args.card_only:
        write_model_card(args.out, ck, model)
        return
    tok = demo_tokenizer.Tokenizer()
    os.makedirs(args.out, exist_ok=True)
    write_json(os.path.join(args.out, "config.json"), build_config(model.vcfg, model.tcfg, tok))
    write_safetensors(os.path.join(args.out, "model.safetensors"), model.state_dict())
    bpe_tokenizer.write_tokenizer_files(args.out, tokenizer=tok.tok)
    ids = tok.special
    write_json(os.path.join(args.out, "generation_config.json"), {
        "bos_token_id": ids["<|endoftext|>"], "pad_token_id": ids["<|endoftext|>"],
        "eos_token_id": [ids["<|im_end|>"], ids["<|endoftext|>"]], "do_sample": False, "top_k": 1,
        "top_p": 1.0, "temperature": 1.0, "repetition_penalty": 1.0, "max_new_tokens": 32,
        "transformers_version": "4.53.0"})
    write_json(os.path.join(args.out, "preprocessor_config.json"), {
        "min_pixels": preprocess.MIN_PIXELS, "max_pixels": preprocess.MAX_PIXELS, "patch_size": 14,
        "temporal_patch_size": 2, "merge_size": 2, "image_mean": preprocess.MEAN_LIST,
        "image_std": preprocess.STD_LIST, "image_processor_type": "Qwen2VLImageProcessor",
        "processor_class": "Qwen2VLProcessor"})
    write_samples()
    write_model_card(args.out, ck, model)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
