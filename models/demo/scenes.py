"""Synthetic shape scenes with questions and canonical answers (numpy + Pillow only, no torch).

A scene holds 1-3 shapes of distinct kinds and distinct colours, each drawn entirely inside its own quadrant of the image
(top left, top right, bottom left, bottom right), so every position answer is unambiguous. Backgrounds are plain or noisy
low-saturation colours of any brightness from black to white (mid-grey included); 15% of scenes are greyscale (their
background is kept at least GREY_CONTRAST grey levels from every shape, and no question about colour is asked of them);
15% are large (up to SIZE_MAX_LARGE px per side), so the preprocessor shrinks them.

Image sizes: `parity="even"` draws width and height from even numbers (training), `parity="odd"` from odd numbers
(held-out evaluation), so the evaluation never sees a training image size.

Questions have several wordings each (WORDINGS: casing, punctuation, colour/color and paraphrases; {k} = a shape kind)
and one canonical short answer:
  describe  "Describe the image."              -> "a red circle and a blue square" (quadrant order TL, TR, BL, BR)
  color     "What color is the circle?"        -> "red"
  count     "How many shapes are there?"       -> "2"
  where     "Where is the circle?"             -> "top left"
  exists    "Is there a star?"                 -> "yes" / "no"
and, in a later turn that attaches a second image (two-image questions, TWO_IMAGE_QTYPES):
  more      "Which image has more shapes?"     -> "the first" / "the second" / "the same"
  both      "Is there a star in both images?"  -> "yes" / "no"
"""
from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

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
QTYPES = ["describe", "color", "count", "where", "exists"]  # questions about one image
TWO_IMAGE_QTYPES = ["more", "both"]  # questions over the first image and a second one attached in a later turn
GREY_QTYPES = ["count", "where", "exists"]  # the questions a greyscale scene can answer

# Every wording the generator uses, per question type ({k} = shape kind). The first one is the canonical wording (the
# samples, references and README use it); training draws all of them uniformly; the held-out set cycles through them.
WORDINGS = {
    "describe": ["Describe the image.", "describe the image.", "Describe the image", "What is in the image?",
                 "What do you see?", "Describe this picture.", "what's in the picture?"],
    "color": ["What color is the {k}?", "what colour is the {k}", "What colour is the {k}?",
              "What's the color of the {k}?", "Which color is the {k}?", "what is the colour of the {k}?"],
    "count": ["How many shapes are there?", "how many shapes are there", "How many shapes?", "Count the shapes.",
              "How many shapes are in the image?", "what is the number of shapes?"],
    "where": ["Where is the {k}?", "where is the {k}", "Where's the {k}?", "Where is the {k} in the image?",
              "In which corner is the {k}?", "where can you see the {k}?"],
    "exists": ["Is there a {k}?", "is there a {k}", "Do you see a {k}?", "Is there a {k} in the image?",
               "Does the image contain a {k}?", "any {k}?"],
    "more": ["Which image has more shapes?", "which image has more shapes", "Which picture has more shapes?",
             "Which of the two images has more shapes?"],
    "both": ["Is there a {k} in both images?", "is there a {k} in both images", "Do both images have a {k}?",
             "Is there a {k} in both pictures?"],
}
MORE_ANSWERS = ["the first", "the second", "the same"]

SIZE_MIN, SIZE_MAX = 64, 512  # image side range in pixels
SIZE_MAX_LARGE = 1024  # side range of the large scenes (LARGE_FRACTION of them)
LARGE_FRACTION = 0.15
GREY_FRACTION = 0.15
GREY_CONTRAST = 45  # least grey-level distance between a greyscale scene's background and each of its shapes
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
    grey: bool = False  # rendered in greyscale (stored as RGB)


@dataclass
class QA:
    """One question with its canonical answer. `name_end`: the character offset in `question` just after the shape kind
    the question names (None when it names none); `shape`: index into scene.shapes of that shape (None when absent)."""
    qtype: str
    wording: int
    question: str
    answer: str
    name_end: Optional[int] = None
    shape: Optional[int] = None


def _pick_size(rng: np.random.Generator, parity: str, size_max: int) -> Tuple[int, int]:
    while True:
        w = int(rng.integers(SIZE_MIN, size_max + 1))
        h = int(rng.integers(SIZE_MIN, size_max + 1))
        want = 0 if parity == "even" else 1
        w += (w % 2) != want
        h += (h % 2) != want
        if w > size_max or h > size_max:
            continue
        if max(w, h) / min(w, h) <= ASPECT_MAX:
            return w, h


def luminance(rgb) -> float:
    """ITU-R 601-2 luma, as Pillow's convert("L")."""
    return rgb[0] * 299 / 1000 + rgb[1] * 587 / 1000 + rgb[2] * 114 / 1000


def random_scene(rng: np.random.Generator, parity: str = "even", grey_ok: bool = True,
                 with_kind: Optional[str] = None) -> Scene:
    """Draws the parameters of one scene from `rng` (parity "even" = training sizes, "odd" = held-out sizes).
    grey_ok=False never draws a greyscale scene; `with_kind` makes that shape kind one of the scene's shapes."""
    large = rng.random() < LARGE_FRACTION
    w, h = _pick_size(rng, parity, SIZE_MAX_LARGE if large else SIZE_MAX)
    n = int(rng.integers(1, 4))
    kinds = list(rng.choice(len(SHAPES), size=n, replace=False))
    if with_kind is not None and SHAPES.index(with_kind) not in kinds:
        kinds[int(rng.integers(n))] = SHAPES.index(with_kind)
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
    grey = grey_ok and rng.random() < GREY_FRACTION
    while True:
        v = int(rng.integers(0, 256))
        if not grey or all(abs(v - luminance(COLORS[s.color])) >= GREY_CONTRAST for s in shapes):
            break
    bg = tuple(int(np.clip(v + rng.integers(-12, 13), 0, 255)) for _ in range(3))
    noise = float(rng.uniform(5, 25)) if rng.random() < 0.5 else 0.0
    fmt = "jpeg" if rng.random() < 0.4 else "png"
    return Scene(w, h, shapes, bg, noise, fmt, int(rng.integers(75, 96)), grey)


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
    return img.convert("L").convert("RGB") if scene.grey else img


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


def qtypes_for(scene: Scene) -> List[str]:
    """The one-image question types the scene can answer (no colour or description of a greyscale scene)."""
    return GREY_QTYPES if scene.grey else QTYPES


def _pose(qtype: str, wording: int, kind: Optional[str]) -> Tuple[str, Optional[int]]:
    template = WORDINGS[qtype][wording]
    if "{k}" not in template:
        return template, None
    return template.format(k=kind), template.index("{k}") + len(kind)


def question(scene: Scene, qtype: str, rng: np.random.Generator, wording: Optional[int] = None) -> QA:
    """One question of type `qtype` about the scene, in WORDINGS[qtype][wording] (drawn uniformly when None)."""
    if wording is None:
        wording = int(rng.integers(len(WORDINGS[qtype])))
    if qtype in ("describe", "count"):
        q, _ = _pose(qtype, wording, None)
        return QA(qtype, wording, q, describe(scene) if qtype == "describe" else str(len(scene.shapes)))
    if qtype in ("color", "where"):
        i = int(rng.integers(len(scene.shapes)))
        s = scene.shapes[i]
        q, end = _pose(qtype, wording, s.kind)
        return QA(qtype, wording, q, s.color if qtype == "color" else QUADRANTS[s.quadrant], end, i)
    if qtype == "exists":
        present = [s.kind for s in scene.shapes]
        if rng.random() < 0.5:
            i = int(rng.integers(len(present)))
            q, end = _pose(qtype, wording, present[i])
            return QA(qtype, wording, q, "yes", end, i)
        absent = [k for k in SHAPES if k not in present]
        q, end = _pose(qtype, wording, absent[int(rng.integers(len(absent)))])
        return QA(qtype, wording, q, "no", end, None)
    raise ValueError(f"unknown question type {qtype!r}")


def second_scene(first: Scene, qtype: str, rng: np.random.Generator, parity: str = "even") -> Tuple[Scene, QA]:
    """A second image for a two-image question about (`first`, second) and that question (wording drawn uniformly).
    "both" asks about a shape kind of the first image; half of the time the second image is drawn to hold it too."""
    wording = int(rng.integers(len(WORDINGS[qtype])))
    if qtype == "more":
        second = random_scene(rng, parity)
        q, _ = _pose(qtype, wording, None)
        a, b = len(first.shapes), len(second.shapes)
        return second, QA(qtype, wording, q, MORE_ANSWERS[0 if a > b else 1 if b > a else 2])
    if qtype == "both":
        kind = first.shapes[int(rng.integers(len(first.shapes)))].kind
        second = random_scene(rng, parity, with_kind=kind if rng.random() < 0.5 else None)
        q, end = _pose(qtype, wording, kind)
        return second, QA(qtype, wording, q, "yes" if kind in [s.kind for s in second.shapes] else "no", end)
    raise ValueError(f"unknown two-image question type {qtype!r}")


def all_texts() -> List[str]:
    """Every question and answer string the task can produce (the tokenizer's training corpus)."""
    texts = ["1", "2", "3", "yes", "no"] + MORE_ANSWERS + list(COLOR_NAMES) + list(QUADRANTS)
    for qtype, templates in WORDINGS.items():
        for t in templates:
            texts += [t.format(k=k) for k in SHAPES] if "{k}" in t else [t]
    texts += [f"{article(c)} {c} {k}" for c in COLOR_NAMES for k in SHAPES]
    texts += [f"a red circle, a blue square and a green star", "a red circle and a blue square"]
    return texts


def scene_to_json(scene: Scene) -> dict:
    return {
        "width": scene.width, "height": scene.height, "format": scene.fmt,
        "grey": scene.grey,
        "shapes": [{"kind": s.kind, "color": s.color, "position": QUADRANTS[s.quadrant]} for s in _ordered(scene)],
    }
