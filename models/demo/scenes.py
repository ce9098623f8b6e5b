"""Synthetic shape scenes with canonical questions and answers (numpy + Pillow only, no torch).

A scene holds 1-3 shapes of distinct kinds and distinct colours, each drawn entirely inside its own quadrant of the image
(top left, top right, bottom left, bottom right), so every position answer is unambiguous. Backgrounds are plain or noisy
low-saturation colours; shape colours are saturated and well separated.

Image sizes: `parity="even"` draws width and height from even numbers (training), `parity="odd"` from odd numbers
(held-out evaluation), so the evaluation never sees a training image size.

Questions (one fixed wording per type, answers short and canonical):
  describe  "Describe the image."          -> "a red circle and a blue square" (shapes in quadrant order TL, TR, BL, BR)
  color     "What color is the circle?"    -> "red"
  count     "How many shapes are there?"   -> "2"
  where     "Where is the circle?"         -> "top left"
  exists    "Is there a star?"             -> "yes" / "no"
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import List, Tuple

import numpy as np
from PIL import Image, ImageDraw

SHAPES = ["circle", "square", "triangle", "star", "cross"]
COLORS = {
    "red": (220, 40, 40),
    "green": (40, 170, 60),
    "blue": (40, 80, 225),
    "yellow": (240, 215, 40),
    "purple": (145, 55, 195),
    "orange": (250, 140, 25),
}
COLOR_NAMES = list(COLORS)
QUADRANTS = ["top left", "top right", "bottom left", "bottom right"]
QTYPES = ["describe", "color", "count", "where", "exists"]

SIZE_MIN, SIZE_MAX = 64, 512  # image side range in pixels
ASPECT_MAX = 1.5
SHAPE_FRACTION = (0.55, 0.85)  # shape bounding box side / short side of its quadrant


@dataclass
class Shape:
    kind: str
    color: str
    quadrant: int  # index into QUADRANTS
    cx: float
    cy: float
    size: float  # bounding box side in pixels


@dataclass
class Scene:
    width: int
    height: int
    shapes: List[Shape] = field(default_factory=list)
    background: Tuple[int, int, int] = (255, 255, 255)
    noise: float = 0.0
    fmt: str = "png"  # "png" or "jpeg"
    jpeg_quality: int = 90


def _pick_size(rng: np.random.Generator, parity: str) -> Tuple[int, int]:
    while True:
        w = int(rng.integers(SIZE_MIN, SIZE_MAX + 1))
        h = int(rng.integers(SIZE_MIN, SIZE_MAX + 1))
        want = 0 if parity == "even" else 1
        w += (w % 2) != want
        h += (h % 2) != want
        if w > SIZE_MAX or h > SIZE_MAX:
            continue
        if max(w, h) / min(w, h) <= ASPECT_MAX:
            return w, h


def random_scene(rng: np.random.Generator, parity: str = "even") -> Scene:
    """Draws the parameters of one scene from `rng` (parity "even" = training sizes, "odd" = held-out sizes)."""
    w, h = _pick_size(rng, parity)
    n = int(rng.integers(1, 4))
    kinds = rng.choice(len(SHAPES), size=n, replace=False)
    cols = rng.choice(len(COLOR_NAMES), size=n, replace=False)
    quads = rng.choice(4, size=n, replace=False)
    shapes = []
    qw, qh = w / 2.0, h / 2.0
    for k, c, q in zip(kinds, cols, quads):
        side = min(qw, qh)
        size = float(rng.uniform(*SHAPE_FRACTION)) * side
        margin = 0.08 * side
        x0 = (q % 2) * qw
        y0 = (q // 2) * qh
        cx = x0 + margin + size / 2 + float(rng.uniform(0, max(0.0, qw - 2 * margin - size)))
        cy = y0 + margin + size / 2 + float(rng.uniform(0, max(0.0, qh - 2 * margin - size)))
        shapes.append(Shape(SHAPES[int(k)], COLOR_NAMES[int(c)], int(q), cx, cy, size))
    if rng.random() < 0.5:
        v = int(rng.integers(185, 256))
    else:
        v = int(rng.integers(15, 80))
    bg = tuple(int(np.clip(v + rng.integers(-12, 13), 0, 255)) for _ in range(3))
    noise = float(rng.uniform(5, 25)) if rng.random() < 0.5 else 0.0
    fmt = "jpeg" if rng.random() < 0.4 else "png"
    return Scene(w, h, shapes, bg, noise, fmt, int(rng.integers(75, 96)))


def _polygon(kind: str, cx: float, cy: float, r: float) -> List[Tuple[float, float]]:
    if kind == "square":
        s = r * 0.9
        return [(cx - s, cy - s), (cx + s, cy - s), (cx + s, cy + s), (cx - s, cy + s)]
    if kind == "triangle":
        return [(cx, cy - r), (cx + r * 0.95, cy + r * 0.8), (cx - r * 0.95, cy + r * 0.8)]
    if kind == "star":
        pts = []
        for i in range(10):
            rad = r if i % 2 == 0 else r * 0.42
            a = -math.pi / 2 + math.pi / 5 * i
            pts.append((cx + rad * math.cos(a), cy + rad * math.sin(a)))
        return pts
    if kind == "cross":
        t = r * 0.33
        return [(cx - t, cy - r), (cx + t, cy - r), (cx + t, cy - t), (cx + r, cy - t), (cx + r, cy + t),
                (cx + t, cy + t), (cx + t, cy + r), (cx - t, cy + r), (cx - t, cy + t), (cx - r, cy + t),
                (cx - r, cy - t), (cx - t, cy - t)]
    raise ValueError(f"unknown shape kind {kind!r}")


def render(scene: Scene, rng: np.random.Generator) -> Image.Image:
    """Renders the scene as an RGB Pillow image (`rng` only drives the background noise and colour jitter)."""
    img = Image.new("RGB", (scene.width, scene.height), scene.background)
    if scene.noise > 0:
        arr = np.asarray(img, dtype=np.float32)
        arr = arr + rng.standard_normal(size=arr.shape, dtype=np.float32) * np.float32(scene.noise)
        img = Image.fromarray(np.clip(arr + 0.5, 0, 255).astype(np.uint8), "RGB")
    draw = ImageDraw.Draw(img)
    for s in scene.shapes:
        base = COLORS[s.color]
        _draw_shape(draw, s, tuple(int(np.clip(v + rng.integers(-15, 16), 0, 255)) for v in base))
    return img


def label_map(scene: Scene) -> np.ndarray:
    """[height, width] uint8 map of which shape covers each pixel: 0 = background, i + 1 = scene.shapes[i]
    (training-only supervision of the vision tower; see train.py)."""
    img = Image.new("L", (scene.width, scene.height), 0)
    draw = ImageDraw.Draw(img)
    for i, s in enumerate(scene.shapes):
        _draw_shape(draw, s, i + 1)
    return np.asarray(img)


def _draw_shape(draw: ImageDraw.ImageDraw, s: Shape, fill) -> None:
    r = s.size / 2
    if s.kind == "circle":
        draw.ellipse([s.cx - r, s.cy - r, s.cx + r, s.cy + r], fill=fill)
    else:
        draw.polygon(_polygon(s.kind, s.cx, s.cy, r), fill=fill)


def encode(scene: Scene, img: Image.Image) -> bytes:
    """The image file bytes (PNG, or JPEG at the scene's quality)."""
    buf = io.BytesIO()
    if scene.fmt == "jpeg":
        img.save(buf, format="JPEG", quality=scene.jpeg_quality)
    else:
        img.save(buf, format="PNG")
    return buf.getvalue()


def article(word: str) -> str:
    return "an" if word[0] in "aeiou" else "a"


def _ordered(scene: Scene) -> List[Shape]:
    return sorted(scene.shapes, key=lambda s: s.quadrant)


def describe(scene: Scene) -> str:
    parts = [f"{article(s.color)} {s.color} {s.kind}" for s in _ordered(scene)]
    if len(parts) == 1:
        return parts[0]
    return ", ".join(parts[:-1]) + " and " + parts[-1]


def question(scene: Scene, qtype: str, rng: np.random.Generator) -> Tuple[str, str]:
    """One (question, canonical answer) pair of type `qtype` about the scene."""
    if qtype == "describe":
        return "Describe the image.", describe(scene)
    if qtype == "count":
        return "How many shapes are there?", str(len(scene.shapes))
    if qtype in ("color", "where"):
        s = scene.shapes[int(rng.integers(len(scene.shapes)))]
        if qtype == "color":
            return f"What color is the {s.kind}?", s.color
        return f"Where is the {s.kind}?", QUADRANTS[s.quadrant]
    if qtype == "exists":
        present = [s.kind for s in scene.shapes]
        if rng.random() < 0.5:
            return f"Is there a {present[int(rng.integers(len(present)))]}?", "yes"
        absent = [k for k in SHAPES if k not in present]
        return f"Is there a {absent[int(rng.integers(len(absent)))]}?", "no"
    raise ValueError(f"unknown question type {qtype!r}")


def all_texts() -> List[str]:
    """Every question and answer string the task can produce (the tokenizer's training corpus)."""
    texts = ["Describe the image.", "How many shapes are there?", "1", "2", "3", "yes", "no"]
    texts += [f"What color is the {k}?" for k in SHAPES]
    texts += [f"Where is the {k}?" for k in SHAPES]
    texts += [f"Is there a {k}?" for k in SHAPES]
    texts += list(COLOR_NAMES) + list(QUADRANTS)
    texts += [f"{article(c)} {c} {k}" for c in COLOR_NAMES for k in SHAPES]
    texts += [f"a red circle, a blue square and a green star", "a red circle and a blue square"]
    return texts


def scene_to_json(scene: Scene) -> dict:
    return {
        "width": scene.width, "height": scene.height, "format": scene.fmt,
        "shapes": [{"kind": s.kind, "color": s.color, "position": QUADRANTS[s.quadrant]} for s in _ordered(scene)],
    }
