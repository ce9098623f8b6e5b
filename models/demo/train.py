"""Trains the tiny Qwen2-VL demo model on synthetic shape scenes (CPU, seeded; one torch thread + one data worker process:
on the shared 2-core machine a second OpenMP thread made steps ~10x slower under contention).

    /usr/bin/python3 models/demo/train.py --steps 1500 --out /tmp/demo-train/ckpt.pt

Prints the loss curve and the final greedy accuracy per question type on held-out scenes (seed never used for training,
odd image sizes that training never sees).
"""
from __future__ import annotations

import argparse
import io
import json
import math
import os
import sys
import time
from typing import List

import numpy as np
import torch
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import scenes  # noqa: E402
import preprocess  # noqa: E402
import demo_tokenizer  # noqa: E402
from model import Qwen2VL, TextConfig, VisionConfig, get_rope_index  # noqa: E402

QTYPE_WEIGHTS = {"describe": 0.3, "color": 0.15, "count": 0.1, "where": 0.3, "exists": 0.15}
HELDOUT_SEED = 4242


def make_configs(tok: demo_tokenizer.Tokenizer):
    vcfg = VisionConfig()
    tcfg = TextConfig(vocab_size=((tok.size + 31) // 32) * 32, image_token_id=tok.image_pad,
                      vision_start_token_id=tok.vision_start)
    return vcfg, tcfg


def load_scene_image(scene, rng) -> Image.Image:
    """Renders the scene and round-trips it through its file format (JPEG bytes; PNG is lossless so it is skipped)."""
    img = scenes.render(scene, rng)
    if scene.fmt == "png":
        return img
    return Image.open(io.BytesIO(scenes.encode(scene, img)))


TURNS = 3  # questions per training conversation (multi-turn chat; the first turn has exactly the inference layout)


def sample(rng: np.random.Generator, tok, parity="even", qtype=None):
    """One conversation about one scene: the image, then TURNS question/answer turns (or one turn of `qtype`).
    Returns pixel values, grid, token ids `seq` and `labels` (-100 except answer tokens + <|im_end|>)."""
    scene = scenes.random_scene(rng, parity)
    img = load_scene_image(scene, rng)
    pv, grid = preprocess.preprocess(img)
    if qtype is None:
        w = np.array(list(QTYPE_WEIGHTS.values()))
        qtypes = list(rng.choice(list(QTYPE_WEIGHTS), size=TURNS, replace=False, p=w / w.sum()))
    else:
        qtypes = [qtype]
    t, gh, gw = (int(v) for v in grid[0])
    n = t * gh * gw // 4
    seq, labels = [], []
    for k, qt in enumerate(qtypes):
        q, a = scenes.question(scene, qt, rng)
        p = tok.prompt_ids(q, n) if k == 0 else tok.followup_ids(q)
        ans = tok.answer_ids(a)
        if k == 0:
            prompt, first_answer = list(p), a
        seq += p + ans
        labels += [-100] * len(p) + ans
    return dict(pv=pv, grid=(t, gh, gw), seq=seq, labels=labels, prompt=prompt, answer_text=first_answer,
                qtype=qtypes[0])


class Stream(torch.utils.data.IterableDataset):
    def __init__(self, seed, batch):
        self.seed, self.batch = seed, batch

    def __iter__(self):
        tok = demo_tokenizer.Tokenizer()
        rng = np.random.default_rng(self.seed)
        while True:
            yield [sample(rng, tok) for _ in range(self.batch)]


def collate(samples, tcfg, pad_id):
    L = max(len(s["seq"]) for s in samples)
    B = len(samples)
    ids = torch.full((B, L), pad_id, dtype=torch.long)
    labels = torch.full((B, L), -100, dtype=torch.long)
    am = torch.zeros((B, L), dtype=torch.long)
    pos = torch.zeros((3, B, L), dtype=torch.long)
    for i, s in enumerate(samples):
        seq = s["seq"]
        ids[i, :len(seq)] = torch.tensor(seq)
        am[i, :len(seq)] = 1
        labels[i, :len(seq) - 1] = torch.tensor(s["labels"][1:])  # position t predicts token t+1
        p, _ = get_rope_index(seq, [s["grid"]], tcfg)
        pos[:, i, :len(seq)] = torch.tensor(p)
    pv = torch.from_numpy(np.concatenate([s["pv"] for s in samples], axis=0))
    grids = [s["grid"] for s in samples]
    return ids, labels, am, pos, pv, grids


@torch.no_grad()
def greedy(model, tok, s, max_new=16):
    tcfg = model.tcfg
    emb = model.visual(torch.from_numpy(s["pv"]), [s["grid"]])
    seq = list(s["prompt"])
    out = []
    for _ in range(max_new):
        p, _ = get_rope_index(seq, [s["grid"]], tcfg)
        ids = torch.tensor([seq])
        logits = model(ids, torch.tensor(p).unsqueeze(1), torch.ones_like(ids), image_embeds=emb)
        nxt = int(logits[0, -1].argmax())
        if nxt in (tok.im_end, tok.endoftext):
            break
        out.append(nxt)
        seq.append(nxt)
    return out


def evaluate(model, tok, n=250, seed=HELDOUT_SEED):
    model.eval()
    rng = np.random.default_rng(seed)
    qtypes = list(QTYPE_WEIGHTS)
    right = {q: 0 for q in qtypes}
    total = {q: 0 for q in qtypes}
    for i in range(n):
        qt = qtypes[i % len(qtypes)]
        s = sample(rng, tok, parity="odd", qtype=qt)
        pred = tok.decode(greedy(model, tok, s))
        total[qt] += 1
        right[qt] += int(pred == s["answer_text"])
    model.train()
    acc = {q: right[q] / max(1, total[q]) for q in qtypes}
    acc["all"] = sum(right.values()) / max(1, sum(total.values()))
    return acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--eval-n", type=int, default=250)
    ap.add_argument("--minutes", type=float, default=0.0,
                    help="wall-time budget: the schedule advances by max(step/steps, elapsed/minutes), stops at 1")
    ap.add_argument("--out", default="/tmp/demo-train/ckpt.pt")
    ap.add_argument("--resume", default="", help="continue from this checkpoint's weights (fresh optimizer, new "
                                                  "data seed = seed + its step count)")
    ap.add_argument("--ranks", type=int, default=1,
                    help="data-parallel training processes (gloo all-reduce of gradients; each rank its own data seed)")
    ap.add_argument("--warmup", type=int, default=0, help="warm-up steps (default steps/20)")
    args = ap.parse_args()
    if args.ranks > 1:
        import torch.multiprocessing as mp
        mp.spawn(train_rank, args=(args,), nprocs=args.ranks, join=True)
    else:
        train_rank(0, args)


def train_rank(rank, args):
    import torch.distributed as dist
    world = args.ranks
    if world > 1:
        dist.init_process_group("gloo", init_method="file://" + os.path.abspath(args.out) + ".rendezvous",
                                rank=rank, world_size=world)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    tok = demo_tokenizer.Tokenizer()
    vcfg, tcfg = make_configs(tok)
    model = Qwen2VL(vcfg, tcfg)
    prior = {}
    if args.resume:
        prior = torch.load(args.resume)
        model.load_state_dict(prior["model"])
        args.seed += int(prior["steps"])
        if rank == 0:
            print(f"resumed from {args.resume} after {prior['steps']} steps", flush=True)
    nparams = sum(p.numel() for p in model.parameters())
    print(f"params {nparams} vocab {tcfg.vocab_size} (tokenizer {tok.size})", flush=True)

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.98))
    warm = args.warmup if args.warmup > 0 else max(1, args.steps // 20)

    t0 = time.time()

    def progress(step):
        f = step / args.steps
        if args.minutes > 0:
            f = max(f, (time.time() - t0) / (60 * args.minutes))
        f = torch.tensor([min(1.0, f)])
        if world > 1:
            dist.broadcast(f, 0)  # every rank follows rank 0's clock
        return float(f[0])

    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)

    def save(step):
        curve = [float(np.mean(run[i:i + 50])) for i in range(0, len(run), 50)]
        history = prior.get("history", []) + [{"steps": step, "args": vars(args), "seconds": time.time() - t0}]
        torch.save({"model": model.state_dict(), "vision": vcfg.__dict__, "text": tcfg.__dict__,
                    "steps": step + int(prior.get("steps", 0)), "batch": args.batch * world, "turns": TURNS,
                    "train_seconds": time.time() - t0 + prior.get("train_seconds", 0.0), "args": vars(args),
                    "history": history, "loss_curve": prior.get("loss_curve", []) + curve,
                    "final_loss": float(np.mean(run[-50:]))}, args.out)

    loader = torch.utils.data.DataLoader(Stream(args.seed + 100003 * rank, args.batch), batch_size=None, num_workers=1,
                                         prefetch_factor=4)
    run = []
    step = 0
    for batch in loader:
        prog = progress(step)
        if step >= args.steps or prog >= 1.0:
            break
        ids, labels, am, pos, pv, grids = collate(batch, tcfg, tok.endoftext)
        lr = args.lr * (step + 1) / warm if step < warm else \
            args.lr * (0.03 + 0.97 * 0.5 * (1 + math.cos(math.pi * prog)))
        for g in opt.param_groups:
            g["lr"] = lr
        logits = model(ids, pos, am, pixel_values=pv, grid_thw=grids)
        loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1), ignore_index=-100)
        opt.zero_grad()
        loss.backward()
        if world > 1:
            for p in model.parameters():
                dist.all_reduce(p.grad)
                p.grad /= world
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        run.append(float(loss))
        step += 1
        if rank == 0 and (step % 50 == 0 or step == 1):
            print(f"step {step:5d} loss {np.mean(run[-50:]):.4f} lr {lr:.2e} {time.time() - t0:7.1f}s", flush=True)
        if rank == 0 and step % 200 == 0:
            save(step)
    if rank != 0:
        return
    save(step)
    print(f"trained {step} steps in {time.time() - t0:.0f}s, saved {args.out}", flush=True)
    acc = evaluate(model, tok, args.eval_n)
    print("held-out accuracy " + json.dumps({k: round(v, 4) for k, v in acc.items()}), flush=True)
    ck = torch.load(args.out)
    ck["heldout_accuracy"] = acc
    torch.save(ck, args.out)


if __name__ == "__main__":
    main()
