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

# Question mix. "describe" is learned first (it reads the visual tokens in order); the questions that must look a named
# shape up among the visual tokens (color, where, exists) are the slow ones, so they get most of the samples.
QTYPE_WEIGHTS = {"describe": 0.12, "color": 0.25, "count": 0.08, "where": 0.3, "exists": 0.25}
# Conversations: turns per conversation, and the chance that a later turn (then the last one) attaches a second image
# and asks a two-image question.
TURN_WEIGHTS = {1: 0.35, 2: 0.25, 3: 0.2, 4: 0.2}
SECOND_IMAGE_P = 0.3
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


AUX_CLASSES = (1 + len(scenes.SHAPES), 1 + len(scenes.COLOR_NAMES), 2, 2)  # kind, colour, right half, bottom half
AUX_COVER = 0.15  # a visual token is labelled with a shape when the shape covers at least this fraction of its cell


def token_labels(scene, grid) -> np.ndarray:
    """Training-only labels of each visual token (merge cell) [n, 5] int64: shape kind (0 = background, k + 1 =
    SHAPES[k]), colour (same scheme; -100 in a greyscale scene), right half (0/1), bottom half (0/1) (-100 = ignored:
    cell centred on the midline), and the index of the shape covering the cell in scene.shapes (-1 = none; collate makes
    it unique in the batch). The cell geometry follows the preprocessing: the image is resized to gh*14 x gw*14 and cut
    into 28x28 cells."""
    _, gh, gw = grid
    rh, rw = gh * preprocess.PATCH, gw * preprocess.PATCH
    lab = np.asarray(Image.fromarray(scenes.label_map(scene)).resize((rw, rh), Image.NEAREST))
    f = preprocess.FACTOR
    cells = lab.reshape(gh // 2, f, gw // 2, f).transpose(0, 2, 1, 3).reshape(-1, f * f)
    out = np.zeros((cells.shape[0], 5), dtype=np.int64)
    out[:, 4] = -1
    counts = np.stack([(cells == i + 1).sum(1) for i in range(len(scene.shapes))], axis=1)
    best = counts.argmax(1)
    covered = counts.max(1) >= AUX_COVER * f * f
    for c in np.nonzero(covered)[0]:
        s = scene.shapes[int(best[c])]
        out[c, 0] = scenes.SHAPES.index(s.kind) + 1
        out[c, 1] = scenes.COLOR_NAMES.index(s.color) + 1
        out[c, 4] = int(best[c])
    if scene.grey:
        out[:, 1] = -100
    cy, cx = np.divmod(np.arange(cells.shape[0]), gw // 2)
    for col, centre, half in ((2, cx * f + f // 2, rw / 2), (3, cy * f + f // 2, rh / 2)):
        out[:, col] = np.where(centre == half, -100, (centre > half).astype(np.int64))
    return out


class AuxHeads(torch.nn.Module):
    """Training-only linear probes on the merged visual tokens (dropped at export): they give the vision tower dense
    supervision of what the language model must read from each token (shape kind, colour, quadrant)."""

    def __init__(self, hidden):
        super().__init__()
        self.proj = torch.nn.Linear(hidden, sum(AUX_CLASSES))

    def forward(self, emb, labels):
        """emb [n, hidden], labels [n, 5] (token_labels, shape ids unique in the batch) -> (loss, accuracies): the sum of
        the 4 per-token cross-entropies and of the shape-kind cross-entropy of each shape's mean kind logits over its
        tokens; accuracies per group, then of the per-shape kind. The per-shape term lets each token carry partial
        evidence of the kind (an edge, a corner) before the vision tower learns to gather a whole shape into each token."""
        logits = self.proj(emb).split(AUX_CLASSES, dim=-1)
        loss, acc = 0.0, []
        for i, lg in enumerate(logits):
            y = labels[:, i]
            loss = loss + torch.nn.functional.cross_entropy(lg, y, ignore_index=-100)
            keep = (y != -100) & ((y > 0) if i < 2 else torch.ones_like(y, dtype=torch.bool))
            acc.append(float((lg.argmax(-1)[keep] == y[keep]).float().mean()) if bool(keep.any()) else 1.0)
        on = labels[:, 4] >= 0
        ids, inv = torch.unique(labels[on, 4], return_inverse=True)
        n = torch.bincount(inv, minlength=len(ids)).unsqueeze(1)
        pooled = torch.zeros(len(ids), logits[0].shape[-1]).index_add_(0, inv, logits[0][on]) / n
        kind = torch.zeros(len(ids), dtype=torch.long).scatter_(0, inv, labels[on, 0])
        loss = loss + torch.nn.functional.cross_entropy(pooled, kind)
        acc.append(float((pooled.argmax(-1) == kind).float().mean()))
        return loss, acc


# Questions that name a shape of the image (color, where, exists). Two training-only targets at the position of the
# shape's name in the question (prompt positions' predictions are never used at inference), so that the name itself
# looks its shape up among the visual tokens and the answer position only has to copy what it found:
#  - LookupHead: a linear probe on the output of decoder layer --lookup-layer at the name names the shape's colour,
#    quadrant and presence. Diagnosis of the old model's left/right coin flip: its only lookup target was the answer's
#    first token, which for "where" is "top"/"bottom" - the name position never had to tell left from right, and a
#    probe on the final layer left too few layers after it to both find the shape and copy its column.
#  - for color and exists, whose first answer token is the whole answer, the name position also predicts that token.
LOOKUP_QTYPES = ("color", "where", "exists")
LOOKUP_CLASSES = (len(scenes.COLOR_NAMES), len(scenes.QUADRANTS), 2)  # colour, quadrant, present


class LookupHead(torch.nn.Module):
    def __init__(self, hidden):
        super().__init__()
        self.proj = torch.nn.Linear(hidden, sum(LOOKUP_CLASSES))

    def forward(self, hidden, rows, cols, targets):
        """hidden [R, L, H]; rows, cols [m] the name positions; targets [m, 3] (colour, quadrant, present; -100 =
        none) -> (summed cross-entropy, accuracy of the quadrant where known)."""
        if len(rows) == 0:
            return hidden.sum() * 0.0, 1.0
        logits = self.proj(hidden[rows, cols]).split(LOOKUP_CLASSES, dim=-1)
        loss = 0.0
        for i, lg in enumerate(logits):
            if bool((targets[:, i] != -100).any()):
                loss = loss + torch.nn.functional.cross_entropy(lg, targets[:, i], ignore_index=-100)
        keep = targets[:, 1] != -100
        acc = float((logits[1].argmax(-1)[keep] == targets[keep, 1]).float().mean()) if bool(keep.any()) else 1.0
        return loss, acc


QUESTIONS_PER_IMAGE = 2  # independent conversations per scene in a training batch (one vision tower pass each scene)


def _prepare(scene, rng):
    pv, grid = preprocess.preprocess(load_scene_image(scene, rng))
    g = tuple(int(v) for v in grid[0])
    return dict(pv=pv, grid=g, aux=token_labels(scene, g), tokens=g[0] * g[1] * g[2] // 4)


def _weighted(rng, weights, allowed):
    keys = [k for k in weights if k in allowed]
    w = np.array([weights[k] for k in keys])
    return keys[int(rng.choice(len(keys), p=w / w.sum()))]


def conversation(rng, tok, scene, first, parity="even"):
    """One conversation of 1-4 turns about `scene` (image `first`, a _prepare dict), each turn a question type drawn by
    QTYPE_WEIGHTS among those the scene can answer; a later turn may attach a second image and ask a two-image question
    (then it is the last turn). Returns dict(seq, targets [len(seq)] (token predicted at each position, -100 = none),
    weights [len(seq)] (1/answer length on answer targets: every answer weighs the same), images [prepared images in
    order], lookups [(position, colour, quadrant, present)], turns [(qtype, answer text)])."""
    n_turns = int(rng.choice(list(TURN_WEIGHTS), p=list(TURN_WEIGHTS.values())))
    seq = tok.system_ids()
    targets, weights = [-100] * len(seq), [0.0] * len(seq)
    images, lookups, turns = [first], [], []
    for t in range(n_turns):
        image_tokens = first["tokens"] if t == 0 else 0
        if t > 0 and t == n_turns - 1 and rng.random() < SECOND_IMAGE_P:
            qt = scenes.TWO_IMAGE_QTYPES[int(rng.integers(len(scenes.TWO_IMAGE_QTYPES)))]
            scene2, qa = scenes.second_scene(scene, qt, rng, parity)
            images.append(_prepare(scene2, rng))
            image_tokens = images[-1]["tokens"]
        else:
            qa = scenes.question(scene, _weighted(rng, QTYPE_WEIGHTS, scenes.qtypes_for(scene)), rng)
        build = tok.turn_ids if t == 0 else tok.followup_ids
        ids, name = build(qa.question, image_tokens, qa.name_end)
        ans = tok.answer_ids(qa.answer)
        start = len(seq)
        seq += ids + ans
        targets += [-100] * (len(ids) - 1) + ans + [-100]
        weights += [0.0] * (len(ids) - 1) + [1.0 / len(ans)] * len(ans) + [0.0]
        if qa.qtype in LOOKUP_QTYPES:
            s = scene.shapes[qa.shape] if qa.shape is not None else None
            lookups.append((start + name, scenes.COLOR_NAMES.index(s.color) if s and not scene.grey else -100,
                            s.quadrant if s else -100, int(s is not None)))
            if qa.qtype != "where":
                targets[start + name] = ans[0]
                weights[start + name] = 1.0
        turns.append((qa.qtype, qa.answer))
    return dict(seq=seq, targets=targets, weights=weights, images=images, lookups=lookups, turns=turns)


def sample(rng: np.random.Generator, tok, parity="even"):
    """One scene and QUESTIONS_PER_IMAGE independent conversations about it (sharing the scene's vision tower pass)."""
    scene = scenes.random_scene(rng, parity)
    first = _prepare(scene, rng)
    return [conversation(rng, tok, scene, first, parity) for _ in range(QUESTIONS_PER_IMAGE)]


class Stream(torch.utils.data.IterableDataset):
    def __init__(self, seed, batch):
        self.seed, self.batch = seed, batch

    def __iter__(self):
        tok = demo_tokenizer.Tokenizer()
        rng = np.random.default_rng(self.seed)
        while True:
            yield [sample(rng, tok) for _ in range(self.batch)]


def collate(samples, tcfg, pad_id):
    """Batches every conversation of every scene: ids/targets/weights/attention mask [R, L], M-RoPE positions [3, R, L]
    for R conversations; pixel values and grids of the distinct images (a scene's image once, then second images);
    visual-token labels; for each row the indices of its images; the lookup probe's rows, columns and targets."""
    rows = [c for s in samples for c in s]
    images, index = [], {}
    for c in rows:
        for im in c["images"]:
            if id(im) not in index:
                index[id(im)] = len(images)
                images.append(im)
    L = max(len(c["seq"]) for c in rows)
    R = len(rows)
    ids = torch.full((R, L), pad_id, dtype=torch.long)
    targets = torch.full((R, L), -100, dtype=torch.long)
    weights = torch.zeros((R, L))
    am = torch.zeros((R, L), dtype=torch.long)
    pos = torch.zeros((3, R, L), dtype=torch.long)
    lk_rows, lk_cols, lk_t = [], [], []
    for r, c in enumerate(rows):
        n = len(c["seq"])
        ids[r, :n] = torch.tensor(c["seq"])
        am[r, :n] = 1
        targets[r, :n] = torch.tensor(c["targets"])
        weights[r, :n] = torch.tensor(c["weights"])
        p, _ = get_rope_index(c["seq"], [im["grid"] for im in c["images"]], tcfg)
        pos[:, r, :n] = torch.tensor(p)
        for col, *t in c["lookups"]:
            lk_rows.append(r)
            lk_cols.append(col)
            lk_t.append(t)
    pv = torch.from_numpy(np.concatenate([im["pv"] for im in images], axis=0))
    aux = np.concatenate([im["aux"] for im in images], axis=0)
    owner = np.repeat(np.arange(len(images)), [len(im["aux"]) for im in images])
    per_image = len(scenes.QUADRANTS)  # at most one shape per quadrant
    aux[:, 4] = np.where(aux[:, 4] >= 0, aux[:, 4] + per_image * owner, -1)  # shape ids unique in the batch
    row_images = [[index[id(im)] for im in c["images"]] for c in rows]
    lookup = (torch.tensor(lk_rows, dtype=torch.long), torch.tensor(lk_cols, dtype=torch.long),
              torch.tensor(lk_t, dtype=torch.long).view(-1, 3))
    return dict(ids=ids, targets=targets, weights=weights, am=am, pos=pos, pv=pv,
                grids=[im["grid"] for im in images], aux=torch.from_numpy(aux), row_images=row_images, lookup=lookup)


def answer_loss(logits, targets, weights):
    """Cross-entropy of the answer tokens weighted so that every answer weighs the same (a one-word answer "red" as much
    as a ten-token description): weights are 1/answer length (collate). logits [R, L, V], targets/weights [R, L]."""
    ce = torch.nn.functional.cross_entropy(logits.transpose(1, 2), targets, ignore_index=-100, reduction="none")
    return (ce * weights).sum() / weights.sum().clamp(min=1e-6)


@torch.no_grad()
def greedy(model, tok, prompt, grids, image_embeds, max_new=24):
    """Greedy answer ids (without the final <|im_end|>) to the prompt ids, whose images have `grids`."""
    seq, out = list(prompt), []
    for _ in range(max_new):
        p, _ = get_rope_index(seq, grids, model.tcfg)
        ids = torch.tensor([seq])
        nxt = int(model(ids, torch.tensor(p).unsqueeze(1), torch.ones_like(ids), image_embeds=image_embeds)[0, -1].argmax())
        if nxt in (tok.im_end, tok.endoftext):
            break
        out.append(nxt)
        seq.append(nxt)
    return out


def evaluate(model, tok, n=250, seed=HELDOUT_SEED):
    """Greedy accuracy per question type on `n` single questions about held-out scenes (odd sizes, own seed)."""
    model.eval()
    rng = np.random.default_rng(seed)
    right = {q: 0 for q in scenes.QTYPES}
    total = {q: 0 for q in scenes.QTYPES}
    for i in range(n):
        qt = scenes.QTYPES[i % len(scenes.QTYPES)]
        scene = scenes.random_scene(rng, "odd", grey_ok=qt in scenes.GREY_QTYPES)
        im = _prepare(scene, rng)
        qa = scenes.question(scene, qt, rng)
        emb = model.visual(torch.from_numpy(im["pv"]), [im["grid"]])
        pred = tok.decode(greedy(model, tok, tok.prompt_ids(qa.question, im["tokens"]), [im["grid"]], emb))
        total[qt] += 1
        right[qt] += int(pred == qa.answer)
    model.train()
    acc = {q: right[q] / max(1, total[q]) for q in scenes.QTYPES}
    acc["all"] = sum(right.values()) / max(1, sum(total.values()))
    return acc


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--vision-steps", type=int, default=4000,
                    help="phase 1: steps that train only the vision tower on the visual-token labels (AuxHeads)")
    ap.add_argument("--vision-minutes", type=float, default=0.0, help="phase 1 wall-time budget (0 = by steps only)")
    ap.add_argument("--vision-lr", type=float, default=1e-3)
    ap.add_argument("--steps", type=int, default=6000, help="phase 2: steps that train the whole model")
    ap.add_argument("--minutes", type=float, default=0.0,
                    help="phase 2 wall-time budget: the schedule advances by max(step/steps, elapsed/minutes), stops at 1")
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--stop-after", type=int, default=0,
                    help="end phase 2 after this many steps without changing its schedule (0 = run it to the end)")
    ap.add_argument("--batch", type=int, default=16, help="scenes per step and rank")
    ap.add_argument("--seed", type=int, default=1234)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--eval-n", type=int, default=250)
    ap.add_argument("--out", default="/tmp/demo-train/ckpt.pt")
    ap.add_argument("--resume", default="", help="continue from this checkpoint's weights (fresh optimizer, new "
                                                  "data seed = seed + its step count)")
    ap.add_argument("--ranks", type=int, default=1,
                    help="data-parallel training processes (gloo all-reduce of gradients; each rank its own data seed)")
    ap.add_argument("--warmup", type=int, default=0, help="warm-up steps of each phase (default its steps/20)")
    ap.add_argument("--aux-weight", type=float, default=1.0,
                    help="phase 2 weight of the training-only visual-token loss (AuxHeads); 0 disables it")
    ap.add_argument("--lookup-layer", type=int, default=1,
                    help="decoder layer (0-based) whose output at a named shape's position the LookupHead reads")
    ap.add_argument("--lookup-weight", type=float, default=1.0,
                    help="phase 2 weight of the training-only LookupHead loss; 0 disables it")
    ap.add_argument("--qtype-weight", action="append", default=[], metavar="TYPE=W",
                    help="override a QTYPE_WEIGHTS entry (repeatable), e.g. describe=0.35")
    ap.add_argument("--second-image-p", type=float, default=SECOND_IMAGE_P,
                    help="chance that the last turn of a conversation of 2+ turns attaches a second image")
    args = ap.parse_args()
    if args.ranks > 1:
        import tempfile
        import torch.multiprocessing as mp
        with tempfile.TemporaryDirectory(prefix="edgevl-train-") as tmp:  # a fresh rendezvous file for every launch
            args.rendezvous = os.path.join(tmp, "rendezvous")
            mp.spawn(train_rank, args=(args,), nprocs=args.ranks, join=True)
    else:
        train_rank(0, args)


def apply_mix(args):
    """The question mix of this run (module globals, inherited by the data worker processes)."""
    global SECOND_IMAGE_P
    for kv in args.qtype_weight:
        k, _, v = kv.partition("=")
        if k not in QTYPE_WEIGHTS:
            raise SystemExit(f"--qtype-weight: unknown question type {k!r} (one of {', '.join(QTYPE_WEIGHTS)})")
        QTYPE_WEIGHTS[k] = float(v)
    SECOND_IMAGE_P = args.second_image_p


def train_rank(rank, args):
    import torch.distributed as dist
    apply_mix(args)
    world = args.ranks
    if world > 1:
        dist.init_process_group("gloo", init_method="file://" + args.rendezvous,
                                rank=rank, world_size=world)
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    tok = demo_tokenizer.Tokenizer()
    vcfg, tcfg = make_configs(tok)
    model = Qwen2VL(vcfg, tcfg)
    aux_heads = AuxHeads(tcfg.hidden_size)
    lookup_head = LookupHead(tcfg.hidden_size)
    prior = {}
    if args.resume:
        prior = torch.load(args.resume)
        model.load_state_dict(prior["model"])
        if "aux" in prior:
            aux_heads.load_state_dict(prior["aux"])
        if "lookup" in prior:
            lookup_head.load_state_dict(prior["lookup"])
        args.seed += int(prior["steps"])
        if rank == 0:
            print(f"resumed from {args.resume} after {prior['steps']} steps", flush=True)
    if rank == 0:
        nparams = sum(p.numel() for p in model.parameters())
        print(f"params {nparams} vocab {tcfg.vocab_size} (tokenizer {tok.size}), {world} rank(s) x batch {args.batch}",
              flush=True)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    loader = iter(torch.utils.data.DataLoader(Stream(args.seed + 100003 * rank, args.batch), batch_size=None,
                                              num_workers=1, prefetch_factor=4))
    t_start = time.time()
    curves = {k: list(prior.get(k, [])) for k in ("loss_curve", "aux_curve", "lookup_curve")}
    history = list(prior.get("history", []))
    done = int(prior.get("steps", 0))

    def save():
        torch.save({"model": model.state_dict(), "aux": aux_heads.state_dict(), "lookup": lookup_head.state_dict(),
                    "vision": vcfg.__dict__,
                    "text": tcfg.__dict__, "steps": done, "batch": args.batch * world,
                    "questions_per_image": QUESTIONS_PER_IMAGE,
                    "train_seconds": time.time() - t_start + prior.get("train_seconds", 0.0), "args": vars(args),
                    "history": history, "final_loss": curves["loss_curve"][-1] if curves["loss_curve"] else None,
                    **curves}, args.out)

    def phase(name, steps, minutes, lr_max, lm):
        """Trains for `steps` (or `minutes`): lm=False only the vision tower + AuxHeads on the visual-token labels,
        lm=True the whole model on answer tokens + aux_weight x the visual-token loss. Warm-up, then cosine to 3%."""
        nonlocal done
        if steps <= 0:
            return
        params = list(aux_heads.parameters()) + (list(lookup_head.parameters()) + list(model.parameters()) if lm
                                                  else list(model.visual.parameters()))
        opt = torch.optim.AdamW([{"params": [p for p in params if p.dim() >= 2], "weight_decay": 0.01},
                                 {"params": [p for p in params if p.dim() < 2], "weight_decay": 0.0}],
                                lr=lr_max, betas=(0.9, 0.98))
        warm = args.warmup if args.warmup > 0 else max(1, steps // 20)
        t0 = time.time()
        run, aux_run, lk_run = [], [], []
        taken = 0
        for step in range(steps):
            f = step / steps
            if minutes > 0:
                f = max(f, (time.time() - t0) / (60 * minutes))
            f = torch.tensor([min(1.0, f)])
            if world > 1:
                dist.broadcast(f, 0)  # every rank follows rank 0's clock
            if float(f[0]) >= 1.0 or (lm and 0 < args.stop_after <= step):
                break
            lr = lr_max * (step + 1) / warm if step < warm else \
                lr_max * (0.03 + 0.97 * 0.5 * (1 + math.cos(math.pi * float(f[0]))))
            for g in opt.param_groups:
                g["lr"] = lr
            b = collate(next(loader), tcfg, tok.endoftext)
            emb = model.visual(b["pv"], b["grids"])
            aux_loss, aux_acc = aux_heads(emb, b["aux"])
            loss = aux_loss
            if lm:
                per_image = emb.split([t * gh * gw // 4 for t, gh, gw in b["grids"]])
                row_emb = torch.cat([per_image[i] for r in b["row_images"] for i in r])
                logits, hidden = model(b["ids"], b["pos"], b["am"], image_embeds=row_emb,
                                       hidden_layer=args.lookup_layer)
                lm_loss = answer_loss(logits, b["targets"], b["weights"])
                lk_loss, lk_acc = lookup_head(hidden, *b["lookup"])
                loss = lm_loss + args.aux_weight * aux_loss + args.lookup_weight * lk_loss
                run.append(float(lm_loss))
                lk_run.append([float(lk_loss), lk_acc])
            opt.zero_grad()
            loss.backward()
            if world > 1:
                for p in params:
                    dist.all_reduce(p.grad)
                    p.grad /= world
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            aux_run.append([float(aux_loss)] + aux_acc)
            done += 1
            taken += 1
            if (step + 1) % 50 == 0:
                a = np.mean(aux_run[-50:], axis=0)
                curves["aux_curve"].append(float(a[0]))
                if lm:
                    curves["loss_curve"].append(float(np.mean(run[-50:])))
                    curves["lookup_curve"].append(float(np.mean([x[0] for x in lk_run[-50:]])))
                if rank == 0:
                    text = (f"loss {np.mean(run[-50:]):.4f} lookup {np.mean([x[0] for x in lk_run[-50:]]):.3f} "
                            f"quadrant {np.mean([x[1] for x in lk_run[-50:]]):.3f} ") if lm else ""
                    print(f"{name} step {step + 1:5d} {text}lr {lr:.2e} {time.time() - t0:7.1f}s | visual tokens: "
                          f"loss {a[0]:.3f} kind {a[1]:.3f} colour {a[2]:.3f} right {a[3]:.3f} bottom {a[4]:.3f} | "
                          f"shape kind {a[5]:.3f}",
                          flush=True)
            if rank == 0 and (step + 1) % 200 == 0:
                save()
        history.append({"phase": name, "steps": taken, "seconds": time.time() - t0, "lr": lr_max,
                        "minutes": minutes, "batch": args.batch, "ranks": world,
                        "command": " ".join(["models/demo/train.py"] + sys.argv[1:])})

    phase("vision", args.vision_steps, args.vision_minutes, args.vision_lr, lm=False)
    phase("full", args.steps, args.minutes, args.lr, lm=True)
    if rank != 0:
        return
    save()
    print(f"trained {done} steps in {time.time() - t_start:.0f}s, saved {args.out}", flush=True)
    acc = evaluate(model, tok, args.eval_n)
    print("held-out accuracy " + json.dumps({k: round(v, 4) for k, v in acc.items()}), flush=True)
    ck = torch.load(args.out)
    ck["heldout_accuracy"] = acc
    torch.save(ck, args.out)


if __name__ == "__main__":
    main()
