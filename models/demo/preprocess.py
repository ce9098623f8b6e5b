"""Qwen2-VL image preprocessing (the slow PIL-based processor), numpy + Pillow only.

smart_resize (factor 28, float64, round half to even) -> Pillow BICUBIC resize on uint8 RGB -> x/255 -> CLIP mean/std
normalisation -> patchify to pixel_values [gh*gw, 1176] in merge-cell order, image_grid_thw [1, gh, gw].
"""
from __future__ import annotations

import math
from typing import Tuple

import numpy as np
from PIL import Image

PATCH = 14
MERGE = 2
TEMPORAL = 2
FACTOR = PATCH * MERGE
MEAN_LIST = [0.48145466, 0.4578275, 0.40821073]
STD_LIST = [0.26862954, 0.26130258, 0.27577711]
MEAN = np.array(MEAN_LIST, dtype=np.float32)
STD = np.array(STD_LIST, dtype=np.float32)

# The demo model's pixel budget: 20..40 visual tokens (merge cells) per image, so the smallest shape still spans about
# three 14-pixel patches.
MIN_PIXELS = 28 * 28 * 20
MAX_PIXELS = 28 * 28 * 40


def smart_resize(height: int, width: int, min_pixels: int = MIN_PIXELS, max_pixels: int = MAX_PIXELS) -> Tuple[int, int]:
    if max(height, width) / min(height, width) > 200:
        raise ValueError(f"aspect ratio of {width}x{height} exceeds 200")
    h = round(height / FACTOR) * FACTOR
    w = round(width / FACTOR) * FACTOR
    if h * w > max_pixels:
        beta = math.sqrt(height * width / max_pixels)
        h = max(FACTOR, math.floor(height / beta / FACTOR) * FACTOR)
        w = max(FACTOR, math.floor(width / beta / FACTOR) * FACTOR)
    elif h * w < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h = math.ceil(height * beta / FACTOR) * FACTOR
        w = math.ceil(width * beta / FACTOR) * FACTOR
    return h, w


def preprocess(img: Image.Image, min_pixels: int = MIN_PIXELS, max_pixels: int = MAX_PIXELS):
    """Returns (pixel_values float32 [gh*gw, 1176], grid_thw int64 [1, 3] = [[1, gh, gw]])."""
    img = img.convert("RGB")
    h, w = smart_resize(img.height, img.width, min_pixels, max_pixels)
    img = img.resize((w, h), Image.BICUBIC)
    x = (np.asarray(img, dtype=np.float64) * (1.0 / 255.0)).astype(np.float32)
    x = (x - MEAN) / STD
    x = x.transpose(2, 0, 1)  # [C, H, W]
    frames = np.stack([x, x], axis=0)  # [T=2, C, H, W]
    gh, gw = h // PATCH, w // PATCH
    p = frames.reshape(1, TEMPORAL, 3, gh // MERGE, MERGE, PATCH, gw // MERGE, MERGE, PATCH)
    # (grid_t, τ, C, bh, mh, i, bw, mw, j) -> (grid_t, bh, bw, mh, mw, C, τ, i, j)
    p = p.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    pixel_values = np.ascontiguousarray(p.reshape(gh * gw, 3 * TEMPORAL * PATCH * PATCH), dtype=np.float32)
    return pixel_values, np.array([[1, gh, gw]], dtype=np.int64)
