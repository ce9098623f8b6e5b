#!/usr/bin/python3
"""NumPy interpreter of one graph of an EdgeVL bundle (NAME.evl/manifest.json + weights.bin), written from
docs/graph-ir.md (ops, bundle layout) and docs/quantization.md ("Execution by the emulator"), independent of qnn/src.

Execution rule (quantized graphs):
  - a tensor with a scale_offset encoding holds its integer codes (uint16 / uint8);
  - an op dequantizes its per-tensor-quantized inputs (real = scale * float(q + offset)), computes in float32 and
    quantizes its output to the output's encoding (round half to even, saturate);
  - int8 (axis_scale_offset) / int4 (blockwise_expansion) weights are dequantized exactly (real = scale_c * q,
    e_cb * q) in weight slots (GEMM weights, Gather tables);
  - Reshape / Transpose / Concat / StridedSlice move codes unchanged;
  - Quantize / Dequantize convert float32 <-> codes.
Float mode fp16 (docs/graph-ir.md, HTP FP16 mode): float constants and float graph inputs are rounded to float16; every
op's FLOAT output is rounded to float16 at the tensor boundary (quantized outputs follow their encodings).

Precision choices of this reference (the docs only say "float32 kernel"): GEMMs (Conv2d, MatMul) and reductions
(RmsNorm, LayerNorm, Softmax sums, ReduceSum/Mean) accumulate in float64 and round the result to float32, so the
reference is the correctly rounded float32 value of the exact product; an emulator accumulating in float32 differs by
float rounding only, which shows as an occasional one-code difference where a value lies next to a rounding boundary.

Usage as a script: graph_ref.py BUNDLE GRAPH IN_DIR OUT_DIR [fp32|fp16]   (same contract as edgevl-run-graph)
"""

import json
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import quant_ref as qr  # noqa: E402

F32 = np.float32
DATA_MOVEMENT = {"Reshape", "Transpose", "Concat", "StridedSlice"}


class Bundle:
    def __init__(self, path):
        self.path = path
        with open(os.path.join(path, "manifest.json")) as f:
            self.manifest = json.load(f)
        assert self.manifest["format"] == "edgevl-bundle" and self.manifest["format_version"] == 1
        self.weights = np.fromfile(os.path.join(path, self.manifest["weights"]["file"]), dtype=np.uint8)
        self.graphs = {g["name"]: g for g in self.manifest["graphs"]}
        self.metadata = self.manifest.get("model_metadata", {})

    def float_mode(self):
        return self.metadata.get("recipe", {}).get("float_mode", "fp32")

    def graph(self, name):
        return Graph(self, self.graphs[name])


def count(shape):
    n = 1
    for d in shape:
        n *= d
    return n


class Graph:
    def __init__(self, bundle, g):
        self.bundle = bundle
        self.g = g
        self.tensors = g["tensors"]
        self.by_name = {t["name"]: i for i, t in enumerate(self.tensors)}

    # -- constants -----------------------------------------------------------------------------------------------------
    def raw_constant(self, t):
        """Stored value of a constant: float/int arrays as their dtype, int4 unpacked to int8 codes."""
        b = self.bundle.weights[t["offset"]:t["offset"] + t["nbytes"]]
        n = count(t["shape"])
        if t["dtype"] == "int4":
            return qr.unpack_int4(b, n).reshape(t["shape"])
        arr = np.frombuffer(b.tobytes(), dtype=np.dtype(qr.NP_DTYPE[t["dtype"]]).newbyteorder("<"))
        assert arr.size == n, (t["name"], arr.size, n)
        return arr.reshape(t["shape"]).astype(qr.NP_DTYPE[t["dtype"]])

    def quant_array(self, q, key):
        """A quant field: an inline list or {"tensor": companion constant name}."""
        v = q[key]
        if isinstance(v, dict):
            return self.raw_constant(self.tensors[self.by_name[v["tensor"]]]).reshape(-1)
        return np.asarray(v)

    def encoding(self, t):
        """(kind, details) of a tensor's quant object; kind None for float/int tensors."""
        q = t.get("quant")
        if not q or q.get("kind") in (None, "none"):
            return None
        return q

    def weight_real(self, t):
        """Exact dequantization of an int8 / int4 weight (or a float constant as float32)."""
        q = self.encoding(t)
        codes = self.raw_constant(t)
        if q is None:
            return codes.astype(F32)
        if q["kind"] == "axis_scale_offset":
            scales = self.quant_array(q, "scales").astype(F32)
            offsets = self.quant_array(q, "offsets").astype(np.int64)
            shape = [1] * codes.ndim
            shape[q["axis"] % codes.ndim] = -1
            return (scales.reshape(shape) * (codes.astype(np.int64) + offsets.reshape(shape)).astype(F32)).astype(F32)
        if q["kind"] == "blockwise_expansion":
            assert q["axis"] == 3 and q.get("block_axis", 2) == 2, q
            scales = self.quant_array(q, "scales").astype(F32)
            offsets = self.quant_array(q, "offsets")
            assert np.all(offsets == 0)
            mult = self.quant_array(q, "block_scales")
            return qr.lpbq_dequantize(codes, scales, mult, q["block_size"])
        raise NotImplementedError("weight encoding " + q["kind"])


class Interpreter:
    def __init__(self, graph, float_mode):
        self.G = graph
        self.fp16 = float_mode == "fp16"
        self.vals = {}  # tensor id -> stored value (codes for per-tensor-quantized tensors)
        self.weight_cache = {}

    # per-tensor encodings
    def per_tensor(self, tid):
        t = self.G.tensors[tid]
        q = self.G.encoding(t)
        if q is None or q["kind"] != "scale_offset":
            return None
        s = self.G.quant_array(q, "scales").astype(F32)
        o = self.G.quant_array(q, "offsets").astype(np.int64)
        assert s.size == 1 and o.size == 1, t["name"]
        return F32(s[0]), int(o[0]), t["dtype"]

    def real(self, tid):
        """float32 real value of tensor `tid` as an op input."""
        t = self.G.tensors[tid]
        if t["kind"] == "constant":
            if tid not in self.weight_cache:
                v = self.G.weight_real(t)
                if self.fp16 and self.G.encoding(t) is None and t["dtype"] in ("float32", "float16"):
                    v = qr.fp16_round(v)
                self.weight_cache[tid] = v
            return self.weight_cache[tid]
        v = self.vals[tid]
        enc = self.per_tensor(tid)
        if enc is not None:
            return qr.dequantize(v, enc[0], enc[1])
        return v

    def store(self, tid, real):
        """Store an op's float32 result in the output tensor: quantize to its encoding, or (fp16) round floats."""
        t = self.G.tensors[tid]
        enc = self.per_tensor(tid)
        if enc is not None:
            self.vals[tid] = qr.quantize(np.asarray(real, F32), enc[0], enc[1], enc[2])
        elif t["dtype"] == "float32":
            v = np.asarray(real).astype(F32)
            self.vals[tid] = qr.fp16_round(v) if self.fp16 else v
        else:
            self.vals[tid] = np.asarray(real).astype(qr.NP_DTYPE[t["dtype"]])

    def bind(self, inputs):
        for tid in self.G.g["inputs"]:
            t = self.G.tensors[tid]
            v = np.asarray(inputs[t["name"]])
            assert list(v.shape) == list(t["shape"]), (t["name"], v.shape, t["shape"])
            assert v.dtype == np.dtype(qr.NP_DTYPE[t["dtype"]]), (t["name"], v.dtype, t["dtype"])
            if t["dtype"] == "float32" and self.fp16:
                v = qr.fp16_round(v)
            self.vals[tid] = v

    def run(self, inputs, trace=None):
        """Runs the graph; `trace` (a dict) receives every op output's real value (float32) by tensor name."""
        self.bind(inputs)
        for op in self.G.g["ops"]:
            self.run_op(op)
            if trace is not None:
                tid = op["outputs"][0]
                if self.G.tensors[tid]["dtype"] in ("float32", "uint8", "uint16") or self.per_tensor(tid):
                    trace[self.G.tensors[tid]["name"]] = self.real(tid)
        return {self.G.tensors[tid]["name"]: self.vals[tid] for tid in self.G.g["outputs"]}

    # -- ops -----------------------------------------------------------------------------------------------------------
    def run_op(self, op):
        ty = op["type"]
        p = {k: list(v.values())[0] for k, v in op.get("params", {}).items()}
        ins, out = op["inputs"], op["outputs"][0]
        if ty in DATA_MOVEMENT:
            return self.data_movement(ty, p, ins, out)
        if ty == "Quantize":
            return self.store(out, self.real(ins[0]))
        if ty == "Dequantize":
            return self.store(out, self.real(ins[0]))
        if ty == "Gather":
            return self.gather(p, ins, out)
        x = [self.real(i) for i in ins]
        self.store(out, compute(ty, p, x))

    def data_movement(self, ty, p, ins, out):
        """Moves stored values (codes of a quantized tensor) unchanged; inputs and output share one encoding."""
        enc_out = self.per_tensor(out)
        for i in ins:
            assert self.per_tensor(i) == enc_out, "data movement %s: encodings differ" % ty
        vals = [self.vals[i] if self.G.tensors[i]["kind"] != "constant" else self.G.raw_constant(self.G.tensors[i])
                for i in ins]
        if enc_out is None:
            vals = [self.real(i) if self.G.tensors[i]["dtype"] in ("float32", "float16") else v
                    for i, v in zip(ins, vals)]
        r = move(ty, p, vals)
        assert list(r.shape) == list(self.G.tensors[out]["shape"]), (ty, r.shape, self.G.tensors[out]["shape"])
        if enc_out is None and self.G.tensors[out]["dtype"] == "float32":
            self.store(out, r)
        else:
            self.vals[out] = r

    def gather(self, p, ins, out):
        table = self.real(ins[0])
        idx = self.vals[ins[1]] if self.G.tensors[ins[1]]["kind"] != "constant" else \
            self.G.raw_constant(self.G.tensors[ins[1]])
        axis = p.get("axis", 0) % table.ndim
        if np.any(idx < 0) or np.any(idx >= table.shape[axis]):
            raise IndexError("Gather: index out of range")
        self.store(out, np.take(table, idx.astype(np.int64), axis=axis))


def move(ty, p, vals):
    x = vals[0]
    if ty == "Reshape":
        return x.reshape(p["shape"])
    if ty == "Transpose":
        return np.transpose(x, p["perm"])
    if ty == "Concat":
        return np.concatenate(vals, axis=p["axis"])
    if ty == "StridedSlice":
        sl = []
        for d, (b, e, s) in enumerate(zip(p["begin"], p["end"], p["strides"])):
            n = x.shape[d]
            b = b + n if b < 0 else b
            e = e + n if e < 0 else e
            sl.append(slice(min(max(b, 0), n), min(max(e, 0), n), s))
        r = x[tuple(sl)]
        assert r.size > 0, "StridedSlice: empty result"
        return r
    raise NotImplementedError(ty)


def _f32(x):
    return np.asarray(x).astype(F32)


def matmul64(a, b):
    return _f32(np.matmul(a.astype(np.float64), b.astype(np.float64)))


def conv2d(x, w, b, stride, pad):
    """x NHWC, w HWIO, float64 accumulation."""
    n, h, wd, cin = x.shape
    kh, kw, _, cout = w.shape
    pt, pb, pl, pr = pad
    xp = np.pad(x.astype(np.float64), ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    ho = (h + pt + pb - kh) // stride[0] + 1
    wo = (wd + pl + pr - kw) // stride[1] + 1
    acc = np.zeros((n, ho, wo, cout), np.float64)
    for i in range(kh):
        for j in range(kw):
            patch = xp[:, i:i + stride[0] * ho:stride[0], j:j + stride[1] * wo:stride[1], :]
            acc += patch @ w[i, j].astype(np.float64)
    if b is not None:
        acc += b.astype(np.float64)
    return _f32(acc)


_erf = np.vectorize(math.erf, otypes=[np.float64])


def compute(ty, p, x):
    """Float32 (real-valued) kernel of every non-data-movement op of docs/graph-ir.md."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        if ty == "Conv2d":
            return conv2d(x[0], x[1], x[2] if len(x) > 2 else None, p.get("stride", [1, 1]),
                          p.get("pad_amount", [0, 0, 0, 0]))
        if ty == "FullyConnected":
            y = matmul64(x[0], np.swapaxes(x[1], -1, -2))
            return _f32(y + x[2]) if len(x) > 2 else y
        if ty == "MatMul":
            a, b = x
            if p.get("transpose_in0", False):
                a = np.swapaxes(a, -1, -2)
            if p.get("transpose_in1", False):
                b = np.swapaxes(b, -1, -2)
            return matmul64(a, b)
        binary = {"ElementWiseAdd": np.add, "ElementWiseSubtract": np.subtract, "ElementWiseMultiply": np.multiply,
                  "ElementWiseDivide": np.divide, "ElementWiseMaximum": np.maximum, "ElementWiseMinimum": np.minimum}
        if ty in binary:
            return binary[ty](x[0], x[1])
        unary = {"ElementWiseNeg": np.negative, "ElementWiseExp": np.exp, "ElementWiseSqrt": np.sqrt,
                 "ElementWiseRsqrt": lambda v: F32(1) / np.sqrt(v), "ElementWiseSin": np.sin, "ElementWiseCos": np.cos,
                 "ElementWiseAbs": np.abs, "Tanh": np.tanh, "Relu": lambda v: np.maximum(v, F32(0)),
                 "Sigmoid": lambda v: _f32(1.0 / (1.0 + np.exp(-v.astype(np.float64)))),
                 "Gelu": lambda v: _f32(0.5 * v.astype(np.float64) * (1.0 + _erf(v.astype(np.float64) / math.sqrt(2))))}
        if ty in unary:
            return _f32(unary[ty](x[0]))
        if ty == "Softmax":
            v = x[0].astype(np.float64)
            axis = p.get("axis", -1)
            m = np.max(v, axis=axis, keepdims=True)
            m = np.where(np.isneginf(m), 0.0, m)
            e = np.exp(v - m)
            s = np.sum(e, axis=axis, keepdims=True)
            return _f32(np.where(s > 0, e / np.where(s > 0, s, 1.0), 0.0))
        if ty == "RmsNorm":
            v = x[0].astype(np.float64)
            r = 1.0 / np.sqrt(np.mean(v * v, axis=-1, keepdims=True) + p["epsilon"])
            return _f32(x[1].astype(np.float64) * v * r)
        if ty == "LayerNorm":
            v = x[0].astype(np.float64)
            mu = np.mean(v, axis=-1, keepdims=True)
            var = np.mean((v - mu) ** 2, axis=-1, keepdims=True)
            return _f32(x[1].astype(np.float64) * (v - mu) / np.sqrt(var + p["epsilon"]) + x[2].astype(np.float64))
        if ty in ("ReduceSum", "ReduceMean", "ReduceMax"):
            fn = {"ReduceSum": np.sum, "ReduceMean": np.mean, "ReduceMax": np.max}[ty]
            axes = tuple(a % x[0].ndim for a in p["axes"])
            return _f32(fn(x[0].astype(np.float64), axis=axes, keepdims=bool(p.get("keep_dims", False))))
        if ty == "Argmax":
            r = np.argmax(x[0], axis=p["axis"])
            if p.get("keep_dims", False):
                r = np.expand_dims(r, p["axis"])
            return r.astype(np.int32)
        if ty == "Cast":
            to = p["to"]
            v = x[0]
            if to in ("int32", "int64") and v.dtype.kind == "f":
                v = np.trunc(v)
            return v.astype(qr.NP_DTYPE[to])
    raise NotImplementedError("op " + ty)


def run_graph(bundle_path, graph_name, inputs, float_mode=None):
    b = Bundle(bundle_path)
    mode = float_mode or b.float_mode()
    return Interpreter(b.graph(graph_name), mode).run(inputs)


def main(argv):
    if len(argv) not in (5, 6):
        sys.exit(__doc__)
    bundle_path, graph_name, in_dir, out_dir = argv[1:5]
    b = Bundle(bundle_path)
    g = b.graph(graph_name)
    inputs = {g.tensors[i]["name"]: np.load(os.path.join(in_dir, g.tensors[i]["name"] + ".npy"))
              for i in g.g["inputs"]}
    outs = Interpreter(g, argv[5] if len(argv) == 6 else b.float_mode()).run(inputs)
    for name, v in outs.items():
        np.save(os.path.join(out_dir, name + ".npy"), v)


if __name__ == "__main__":
    main(sys.argv)
