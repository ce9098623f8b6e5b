#!/usr/bin/python3
"""Independent NumPy reference of EdgeVL's quantized numerics, written from docs/quantization.md (not from qnn/src).

QNN sign convention: real = scale * (q + offset).

  - uint16 activations (scale_offset): range [min, max] widened to include 0, scale = (max - min) / 65535,
    offset = round(min / scale) in [-65535, 0].
  - uint8 KV cache (scale_offset): symmetric, zero point 128: scale = absmax / 127, offset = -128.
  - w8 weights / int8 embedding rows (axis_scale_offset): per channel on `axis`, scale_c = absmax_c / 127 (0 -> 1),
    offsets 0, q in [-127, 127].
  - LPBQ (blockwise_expansion, int4) of an HWIO [1, 1, In, Out] weight: blocks of `block_size` input channels,
    s_cb = absmax_cb / 7 (minmax) or the best clip ratio (mse); S_c = max_b s_cb / 16 (all-zero channel: 1/16);
    m_cb = clamp(round(s_cb / S_c), 1, 16) in block_scales [Out, In / block_size]; e_cb = S_c * m_cb in float32;
    q = clamp(round(w / e_cb), -8, 7); real = e_cb * q.
  - int4 packing: two per byte in row-major element order, element 2i in the low nibble, 2i+1 in the high nibble.
  - Rounding: round half to even, then saturation; NaN quantizes to the code of 0.

All scale arithmetic is float32 (the dtype the scales are stored in); where the docs do not say whether an
intermediate is float32 or wider, this file says which choice it makes.
"""

import numpy as np

F32 = np.float32

# Code range of each storage dtype.
CODE_RANGE = {"uint16": (0, 65535), "uint8": (0, 255), "int8": (-128, 127), "int4": (-8, 7)}
NP_DTYPE = {"float32": np.float32, "float16": np.float16, "int32": np.int32, "int64": np.int64, "uint8": np.uint8,
            "int8": np.int8, "uint16": np.uint16}


def round_half_even(x):
    """std::nearbyint under the default rounding mode = numpy.rint."""
    return np.rint(x)


# ----------------------------------------------------------------------------------------------------------------------
# Per-tensor (scale_offset) encodings

def activation_encoding(lo, hi, bits=16):
    """uint16 asymmetric encoding of the range [lo, hi] (widened to include 0). Returns (scale float32, offset int)."""
    lo, hi = min(float(lo), 0.0), max(float(hi), 0.0)
    levels = (1 << bits) - 1
    if hi == lo:  # an all-zero range: any positive scale works; the docs do not say which (not exercised here)
        return F32(1.0), 0
    scale = F32(F32(hi) - F32(lo)) / F32(levels)
    offset = int(round_half_even(F32(lo) / scale))
    return F32(scale), int(np.clip(offset, -levels, 0))


def kv_encoding(absmax):
    """uint8 symmetric encoding with zero point 128: (absmax / 127, -128)."""
    absmax = F32(absmax)
    return (F32(absmax / F32(127)) if absmax > 0 else F32(1.0)), -128


def quantize(x, scale, offset, dtype):
    """real -> codes of a per-tensor encoding: q = round(x / scale) - offset, saturated; NaN -> the code of 0.

    The division is float32 x / float32 scale (the docs say "round(min/scale)" for the offset and give no other
    formula; a reciprocal multiply could differ by one code at exact ties)."""
    lo, hi = CODE_RANGE[dtype]
    x = np.asarray(x, dtype=F32)
    with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
        q = round_half_even(x / F32(scale)).astype(np.float64) - float(offset)
    zero_code = float(np.clip(-offset, lo, hi))
    q = np.where(np.isnan(q), zero_code, q)
    return np.clip(q, lo, hi).astype(NP_DTYPE[dtype])


def dequantize(q, scale, offset):
    """codes -> real = scale * float(q + offset), in float32."""
    return (F32(scale) * (np.asarray(q).astype(np.int64) + int(offset)).astype(F32)).astype(F32)


# ----------------------------------------------------------------------------------------------------------------------
# w8 per channel (axis_scale_offset)

def w8_encode(w, axis):
    """Per-channel int8: scale_c = absmax_c / 127 (0 -> 1), q = clamp(round(w / scale_c), -127, 127).
    Returns (scales float32 [C], codes int8 like w)."""
    w = np.asarray(w, dtype=F32)
    axis = axis % w.ndim
    red = tuple(i for i in range(w.ndim) if i != axis)
    absmax = np.max(np.abs(w), axis=red).astype(F32)
    scales = np.where(absmax > 0, absmax / F32(127), F32(1)).astype(F32)
    shape = [1] * w.ndim
    shape[axis] = -1
    q = round_half_even(w / scales.reshape(shape))
    return scales, np.clip(q, -127, 127).astype(np.int8)


def w8_dequantize(q, scales, axis):
    shape = [1] * q.ndim
    shape[axis % q.ndim] = -1
    return (np.asarray(scales, F32).reshape(shape) * q.astype(F32)).astype(F32)


# ----------------------------------------------------------------------------------------------------------------------
# LPBQ (blockwise_expansion)

MSE_CLIP_RATIOS = [1.00 - 0.05 * i for i in range(11)]  # 1.00, 0.95, ..., 0.50


def _block_scale_mse(block):
    """`mse` range method: the clip ratio r of absmax whose scale r*absmax/7 minimises the block's squared error.
    The docs leave open which scale the error is measured with (the block's own, taken here) and how ties break
    (first, i.e. the largest r, here). Not used by the minmax presets."""
    absmax = F32(np.max(np.abs(block)))
    best, best_err = F32(absmax / F32(7)), None
    for r in MSE_CLIP_RATIOS:
        s = F32(F32(r) * absmax) / F32(7)
        if s <= 0:
            continue
        q = np.clip(round_half_even(block / s), -8, 7)
        err = float(np.sum((q.astype(np.float64) * float(s) - block.astype(np.float64)) ** 2))
        if best_err is None or err < best_err:
            best, best_err = s, err
    return best


def lpbq_encode(w_hwio, block_size, range_method="minmax"):
    """LPBQ of an HWIO [1, 1, In, Out] weight. Returns dict with
    scales [Out] float32 (S_c), multipliers [Out, In/bs] uint8 (m_cb), expanded [Out, In/bs] float32 (e_cb),
    codes [1, 1, In, Out] int8 (values in [-8, 7])."""
    w = np.asarray(w_hwio, dtype=F32)
    assert w.ndim == 4 and w.shape[0] == 1 and w.shape[1] == 1, w.shape
    n_in, n_out = w.shape[2], w.shape[3]
    assert n_in % block_size == 0, "block size %d does not divide In %d" % (block_size, n_in)
    nb = n_in // block_size
    wt = w[0, 0].T.reshape(n_out, nb, block_size)  # [Out, blocks, bs]
    if range_method == "minmax":
        s = (np.max(np.abs(wt), axis=2) / F32(7)).astype(F32)  # [Out, nb]
    elif range_method == "mse":
        s = np.array([[_block_scale_mse(wt[c, b]) for b in range(nb)] for c in range(n_out)], dtype=F32)
    else:
        raise ValueError(range_method)
    smax = np.max(s, axis=1)
    S = np.where(smax > 0, smax / F32(16), F32(1) / F32(16)).astype(F32)  # [Out]
    m = np.clip(round_half_even(s / S[:, None]), 1, 16).astype(np.uint8)  # [Out, nb]
    e = (S[:, None] * m.astype(F32)).astype(F32)  # expanded scale, float32
    q = np.clip(round_half_even(wt / e[:, :, None]), -8, 7).astype(np.int8)  # [Out, nb, bs]
    codes = q.reshape(n_out, n_in).T.reshape(1, 1, n_in, n_out)
    return {"scales": S, "multipliers": m, "expanded": e, "codes": codes}


def lpbq_dequantize(codes, scales, multipliers, block_size):
    """codes [1, 1, In, Out] -> real = e_cb * q (float32), e_cb = S_c * m_cb in float32."""
    n_in, n_out = codes.shape[2], codes.shape[3]
    e = (np.asarray(scales, F32)[:, None] * np.asarray(multipliers).reshape(n_out, -1).astype(F32)).astype(F32)
    e_in = np.repeat(e, block_size, axis=1).T  # [In, Out]
    return (e_in * codes[0, 0].astype(F32)).reshape(codes.shape).astype(F32)


# ----------------------------------------------------------------------------------------------------------------------
# int4 packing

def pack_int4(codes):
    """Row-major int4 codes in [-8, 7] -> bytes: element 2i in the low nibble, 2i+1 in the high nibble."""
    flat = np.asarray(codes, dtype=np.int8).reshape(-1)
    if flat.size % 2:
        flat = np.concatenate([flat, np.zeros(1, np.int8)])
    nib = (flat.astype(np.int16) & 0xF).astype(np.uint8)
    return (nib[0::2] | (nib[1::2] << 4)).astype(np.uint8)


def unpack_int4(packed, count):
    """Bytes -> `count` int8 values in [-8, 7] (two's complement nibbles, low nibble first)."""
    b = np.asarray(packed, dtype=np.uint8)
    nib = np.empty(b.size * 2, dtype=np.int16)
    nib[0::2] = b & 0xF
    nib[1::2] = b >> 4
    nib = np.where(nib >= 8, nib - 16, nib)
    return nib[:count].astype(np.int8)


# ----------------------------------------------------------------------------------------------------------------------
# Float modes

def fp16_round(x):
    """Round float32 values to float16 (round to nearest even) and back: HTP FP16 mode's tensor boundary."""
    with np.errstate(over="ignore"):
        return np.asarray(x, dtype=F32).astype(np.float16).astype(F32)


def _self_test():
    # Round half to even and saturation.
    assert list(quantize(np.array([0.5, 1.5, 2.5, -0.5, 1e9, -1e9, np.nan], F32), 1.0, 0, "uint16")) == \
        [0, 2, 2, 0, 65535, 0, 0]
    assert list(quantize(np.array([np.nan, 0.0, 1.0, -1.0, 1e9], F32), 1.0, -128, "uint8")) == [128, 128, 129, 127, 255]
    s, o = activation_encoding(-1.0, 3.0)
    assert s == F32(4.0) / F32(65535) and o == int(np.rint(F32(-1.0) / s))
    s, o = activation_encoding(0.5, 3.0)  # widened to include 0
    assert o == 0 and s == F32(3.0) / F32(65535)
    # int4 packing round trip and nibble order.
    c = np.array([1, -1, 7, -8, 0, 3], np.int8)
    p = pack_int4(c)
    assert list(p) == [0xF1, 0x87, 0x30], p
    assert list(unpack_int4(p, 6)) == list(c)
    # LPBQ invariants.
    rng = np.random.default_rng(0)
    w = rng.standard_normal((1, 1, 64, 8)).astype(F32)
    w[0, 0, :, 3] = 0
    enc = lpbq_encode(w, 32)
    assert enc["scales"][3] == F32(1) / F32(16) and np.all(enc["multipliers"][3] == 1)
    assert np.all((enc["multipliers"] >= 1) & (enc["multipliers"] <= 16))
    assert np.all(np.max(enc["multipliers"], axis=1)[[0, 1, 2, 4, 5, 6, 7]] == 16)
    err = np.abs(lpbq_dequantize(enc["codes"], enc["scales"], enc["multipliers"], 32) - w)
    assert np.all(err <= np.repeat(enc["expanded"], 32, axis=1).T[None, None] * 0.5 + 1e-7)
    sc, q = w8_encode(w[0, 0].T, axis=0)
    assert sc[3] == 1 and np.all(q[3] == 0) and np.max(np.abs(q)) == 127
    print("quant_ref self-test ok")


if __name__ == "__main__":
    _self_test()
