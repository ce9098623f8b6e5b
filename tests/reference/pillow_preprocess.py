#!/usr/bin/python3
"""Reference outputs of Qwen2-VL image preprocessing, computed with Pillow + NumPy straight from the Hugging Face recipe
(Qwen2VLImageProcessor, the slow PIL processor), independently of EdgeVL's C++ code.

    pillow_preprocess.py OUTDIR

writes into OUTDIR:
  images/          the inputs: real photographs copied from scikit-image's data dir + generated synthetic images
  bad/             inputs that must be rejected (truncated JPEG/PNG, zero bytes, text named .png, 201:1, GIF)
  configs/NAME/preprocessor_config.json   "default" (Qwen2-VL-2B-Instruct values) and "small" (max_pixels forces downscaling)
  expected/CASE.resized.npy       uint8 [h, w, 3]   Image.resize((w, h), BICUBIC) of the RGB-converted input
  expected/CASE.pixel_values.npy  float32 [N, 1176] (omitted for very large cases; the resized image is still compared)
  cases.tsv        case, image file, config, resized h, resized w, grid t, grid h, grid w, has pixel_values (0/1)
  smart_resize.tsv H, W, min_pixels, max_pixels, expected h, expected w (or "error")

Needs Debian's python3-pil, python3-numpy, python3-skimage (only for locating its data directory).
"""
import io
import json
import math
import os
import shutil
import struct
import sys
import zlib

import numpy as np
from PIL import Image, ImageOps

FACTOR = 28
PATCH = 14
TEMPORAL = 2
MERGE = 2
MEAN = [0.48145466, 0.4578275, 0.40821073]
STD = [0.26862954, 0.26130258, 0.27577711]
CONFIGS = {
    "default": {"min_pixels": 3136, "max_pixels": 12845056},
    "small": {"min_pixels": 3136, "max_pixels": 50176},  # 64 merged tokens at most: forces downscaling
}
MAX_PIXEL_VALUES = 1_500_000  # floats; larger cases only compare the resized image


# ---- Hugging Face's smart_resize, with the first transformers rule for tiny inputs (a side < 10 is an error) ----
def smart_resize(height, width, factor=FACTOR, min_pixels=56 * 56, max_pixels=14 * 14 * 4 * 1280):
    if height < 10 or width < 10:
        raise ValueError(f"height:{height} and width:{width} must be at least 10")
    if max(height, width) / min(height, width) > 200:
        raise ValueError(f"absolute aspect ratio must be smaller than 200, got {max(height, width) / min(height, width)}")
    h_bar = round(height / factor) * factor
    w_bar = round(width / factor) * factor
    if h_bar * w_bar > max_pixels:
        beta = math.sqrt((height * width) / max_pixels)
        h_bar = max(factor, math.floor(height / beta / factor) * factor)
        w_bar = max(factor, math.floor(width / beta / factor) * factor)
    elif h_bar * w_bar < min_pixels:
        beta = math.sqrt(min_pixels / (height * width))
        h_bar = math.ceil(height * beta / factor) * factor
        w_bar = math.ceil(width * beta / factor) * factor
    return h_bar, w_bar


# ---- loading: HF load_image (exif_transpose) + convert_to_rgb; 16-bit: EdgeVL's documented high-byte deviation ----
def load_rgb(path):
    img = Image.open(path)
    img = ImageOps.exif_transpose(img)
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        arr = np.asarray(img).astype(np.uint32)
        img = Image.fromarray((arr >> 8).astype(np.uint8), mode="L")
    return img.convert("RGB") if img.mode != "RGB" else img


def preprocess(img, min_pixels, max_pixels):
    """Returns (resized uint8 [h,w,3], pixel_values float32 [N,1176], grid_thw)."""
    width, height = img.size
    h, w = smart_resize(height, width, FACTOR, min_pixels, max_pixels)
    resized = img.resize((w, h), resample=Image.BICUBIC)
    arr = np.asarray(resized)  # [h, w, 3] uint8
    x = (arr.astype(np.float64) * (1 / 255)).astype(np.float32)          # HF rescale
    x = (x - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)  # HF normalize (float32)
    x = x.transpose(2, 0, 1)                                               # [C, H, W]
    patches = np.tile(x[None], (TEMPORAL, 1, 1, 1))                        # still image: 2 identical frames
    gt, gh, gw = 1, h // PATCH, w // PATCH
    patches = patches.reshape(gt, TEMPORAL, 3, gh // MERGE, MERGE, PATCH, gw // MERGE, MERGE, PATCH)
    patches = patches.transpose(0, 3, 6, 4, 7, 2, 1, 5, 8)
    flat = patches.reshape(gt * gh * gw, 3 * TEMPORAL * PATCH * PATCH)
    return arr, flat, (gt, gh, gw)


# ---- synthetic inputs ----
def pattern(h, w, seed, channels=3):
    """Smooth gradients + sharp edges + noise, so resampling has something to do."""
    rng = np.random.RandomState(seed)
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float64)
    planes = []
    for c in range(channels):
        f = 128 + 100 * np.sin(xx / (3.0 + 5 * c) + yy / (7.0 + 3 * c))
        f += 60 * ((xx // 9 + yy // 13 + c) % 2) - 30
        f += rng.normal(0, 20, size=(h, w))
        planes.append(f)
    out = np.clip(np.stack(planes, axis=-1), 0, 255).astype(np.uint8)
    return out[..., 0] if channels == 1 else out


def write_png16_rgb(path, arr16):
    """A 16-bit RGB PNG (Pillow cannot write one)."""
    h, w, _ = arr16.shape
    raw = b"".join(b"\x00" + arr16[y].astype(">u2").tobytes() for y in range(h))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 16, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def make_synthetic(d):
    """Returns {name: filename}."""
    made = {}

    def save(name, img, **kw):
        img.save(os.path.join(d, name), **kw)
        made[name.replace(".", "_")] = name

    save("up_small.png", Image.fromarray(pattern(37, 53, 1)))
    save("odd_333x517.png", Image.fromarray(pattern(333, 517, 2)))
    save("exact_224.png", Image.fromarray(pattern(224, 224, 3)))             # no resize at all
    save("width_only_56x100.png", Image.fromarray(pattern(56, 100, 4)))      # only the horizontal pass runs
    save("height_only_100x56.png", Image.fromarray(pattern(100, 56, 5)))     # only the vertical pass runs
    save("wide_20to1.png", Image.fromarray(pattern(60, 1200, 6)))
    save("tall_1to150.png", Image.fromarray(pattern(1500, 10, 7)))
    save("ratio_200to1.png", Image.fromarray(pattern(10, 2000, 8)))          # exactly 200: accepted
    save("big_1000x1500.png", Image.fromarray(pattern(1000, 1500, 9)))
    save("min_side_10x13.png", Image.fromarray(pattern(10, 13, 10)))         # smallest accepted side
    save("grey_101x203.png", Image.fromarray(pattern(101, 203, 11, channels=1), mode="L"))
    rgba = np.dstack([pattern(90, 130, 12), pattern(90, 130, 13, channels=1)])
    rgba[:20, :, 3] = 0                                                      # colour kept under alpha 0
    save("rgba_90x130.png", Image.fromarray(rgba, mode="RGBA"))
    save("palette_120x77.png", Image.fromarray(pattern(120, 77, 14)).quantize(colors=200))
    pal_t = Image.fromarray(pattern(64, 64, 15)).quantize(colors=16)
    save("palette_transparent_64.png", pal_t, transparency=3)
    save("grey16_64x96.png", Image.fromarray((pattern(64, 96, 16, channels=1).astype(np.uint16) * 257
                                              + np.arange(96, dtype=np.uint16)[None, :]), mode="I;16"))
    rgb16 = pattern(48, 70, 17).astype(np.uint16) * 256 + np.arange(70, dtype=np.uint16)[None, :, None] * 3
    write_png16_rgb(os.path.join(d, "rgb16_48x70.png"), rgb16)
    made["rgb16_48x70_png"] = "rgb16_48x70.png"
    save("lossy_150x100.webp", Image.fromarray(pattern(150, 100, 18)), quality=80)
    save("lossless_90x60.webp", Image.fromarray(pattern(90, 60, 19)), lossless=True)
    save("bmp_77x91.bmp", Image.fromarray(pattern(77, 91, 20)))
    save("tiff_64x200.tif", Image.fromarray(pattern(64, 200, 21)))
    save("jpeg_250x375.jpg", Image.fromarray(pattern(250, 375, 22)), quality=90)
    save("jpeg_progressive.jpg", Image.fromarray(pattern(130, 170, 23)), quality=85, progressive=True)
    save("jpeg_grey.jpg", Image.fromarray(pattern(140, 90, 24, channels=1), mode="L"), quality=90)
    base = Image.fromarray(pattern(80, 120, 25))
    for orientation in range(1, 9):
        exif = Image.Exif()
        exif[0x0112] = orientation
        save(f"exif_orientation_{orientation}.jpg", base, quality=92, exif=exif.tobytes())
        save(f"exif_orientation_{orientation}.webp", base, lossless=True, exif=exif.tobytes())
        if orientation in (3, 6):
            save(f"exif_orientation_{orientation}.png", base, exif=exif.tobytes())
    return made


PHOTOS = ["astronaut.png", "chelsea.png", "coffee.png", "camera.png", "rocket.jpg", "motorcycle_left.png",
          "hubble_deep_field.jpg", "ihc.png", "retina.jpg", "color.png", "horse.png", "logo.png",
          "green_palette.png", "chessboard_GRAY_U16.tif"]  # foo3x5x4indexed.png is below the 10-pixel minimum


def make_bad(d, images_dir, photo_dir):
    rocket = open(os.path.join(photo_dir, "rocket.jpg"), "rb").read()
    open(os.path.join(d, "truncated_half.jpg"), "wb").write(rocket[: len(rocket) // 2])
    prog = open(os.path.join(images_dir, "jpeg_progressive.jpg"), "rb").read()
    open(os.path.join(d, "truncated_progressive.jpg"), "wb").write(prog[: len(prog) * 2 // 3])
    shutil.copy(os.path.join(photo_dir, "truncated.jpg"), os.path.join(d, "skimage_truncated.jpg"))
    png = open(os.path.join(photo_dir, "astronaut.png"), "rb").read()
    open(os.path.join(d, "truncated_half.png"), "wb").write(png[: len(png) // 2])
    open(os.path.join(d, "truncated_no_iend.png"), "wb").write(png[: len(png) - 6])
    open(os.path.join(d, "zero_bytes.png"), "wb").close()
    open(os.path.join(d, "text.png"), "w").write("this is a text file, not a PNG\n")
    Image.fromarray(pattern(10, 2010, 30)).save(os.path.join(d, "ratio_201to1.png"))
    Image.fromarray(pattern(1, 1, 31)).save(os.path.join(d, "one_pixel.png"))
    shutil.copy(os.path.join(photo_dir, "no_time_for_that_tiny.gif"), os.path.join(d, "animated.gif"))


def smart_resize_table():
    sizes = [(480, 640), (640, 480), (28, 28), (14, 14), (42, 42), (70, 70), (98, 98), (56, 56), (1, 1), (1, 200),
             (200, 1), (10, 2000), (3, 600), (224, 224), (256, 256), (512, 512), (600, 400), (427, 640), (1080, 1920),
             (1920, 1080), (2160, 3840), (3000, 4000), (4000, 3000), (6000, 8000), (1000, 1), (999, 5), (37, 53),
             (333, 517), (1500, 10), (60, 1200), (13, 2600), (100, 56), (56, 100), (300, 451), (872, 1000),
             (1411, 1411), (741, 500), (3584, 3584), (3585, 3585), (4096, 4096), (5000, 2), (7, 9), (29, 29),
             (27, 27), (126, 70), (154, 182), (210, 350), (378, 434), (12, 2401), (2, 401), (201, 1), (1, 201)]
    rows = []
    for min_p, max_p in [(3136, 12845056), (3136, 50176), (56 * 56, 28 * 28 * 1280), (200704, 1003520)]:
        for h, w in sizes:
            try:
                rh, rw = smart_resize(h, w, FACTOR, min_p, max_p)
                rows.append(f"{h}\t{w}\t{min_p}\t{max_p}\t{rh}\t{rw}")
            except ValueError:
                rows.append(f"{h}\t{w}\t{min_p}\t{max_p}\terror\terror")
    return rows


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out = sys.argv[1]
    import skimage.data  # only to find the photographs
    photo_dir = os.path.dirname(skimage.data.__file__)
    images, bad, expected = (os.path.join(out, n) for n in ("images", "bad", "expected"))
    for d in (images, bad, expected):
        os.makedirs(d, exist_ok=True)
    files = {}
    for name in PHOTOS:
        shutil.copy(os.path.join(photo_dir, name), os.path.join(images, name))
        files["photo_" + name.rsplit(".", 1)[0]] = name
    files.update(make_synthetic(images))
    make_bad(bad, images, photo_dir)

    full_config = {"min_pixels": 0, "max_pixels": 0, "patch_size": PATCH, "temporal_patch_size": TEMPORAL,
                   "merge_size": MERGE, "image_mean": MEAN, "image_std": STD, "image_processor_type":
                   "Qwen2VLImageProcessor", "processor_class": "Qwen2VLProcessor"}
    for cname, c in CONFIGS.items():
        os.makedirs(os.path.join(out, "configs", cname), exist_ok=True)
        cfg = dict(full_config, **c)
        with open(os.path.join(out, "configs", cname, "preprocessor_config.json"), "w") as f:
            json.dump(cfg, f, indent=2)

    rows = []
    for case, fname in sorted(files.items()):
        img = load_rgb(os.path.join(images, fname))
        for cname, c in CONFIGS.items():
            resized, pv, grid = preprocess(img, c["min_pixels"], c["max_pixels"])
            key = f"{case}.{cname}"
            np.save(os.path.join(expected, key + ".resized.npy"), resized)
            has_pv = pv.size <= MAX_PIXEL_VALUES
            if has_pv:
                np.save(os.path.join(expected, key + ".pixel_values.npy"), pv)
            rows.append(f"{key}\t{fname}\t{cname}\t{resized.shape[0]}\t{resized.shape[1]}\t"
                        f"{grid[0]}\t{grid[1]}\t{grid[2]}\t{int(has_pv)}")
    with open(os.path.join(out, "cases.tsv"), "w") as f:
        f.write("\n".join(rows) + "\n")
    with open(os.path.join(out, "smart_resize.tsv"), "w") as f:
        f.write("\n".join(smart_resize_table()) + "\n")
    print(f"{len(rows)} cases, {len(files)} images -> {out}")


if __name__ == "__main__":
    main()
