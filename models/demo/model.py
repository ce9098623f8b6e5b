"""A tiny Qwen2-VL in PyTorch, written from the behaviour in docs (see models/demo/README.md for the facts used).

Same architecture and checkpoint names as Qwen2-VL (`visual.*`, `model.*`, tied head), only smaller dimensions:
vision tower (patch embed over 1176 columns, VisionRoPE, LayerNorm blocks with quick_gelu MLP, non-causal attention per
image, PatchMerger LN -> mlp.0 -> exact GELU -> mlp.2), LLM decoder (RMSNorm, GQA with q/k/v biases, SwiGLU, M-RoPE).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field, asdict
from typing import List, Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class VisionConfig:
    depth: int = 3
    embed_dim: int = 128
    num_heads: int = 4
    mlp_ratio: float = 4.0
    in_channels: int = 3
    patch_size: int = 14
    spatial_merge_size: int = 2
    temporal_patch_size: int = 2
    hidden_size: int = 128  # merger output width == text hidden size


@dataclass
class TextConfig:
    vocab_size: int = 512
    hidden_size: int = 128
    intermediate_size: int = 384
    num_hidden_layers: int = 3
    num_attention_heads: int = 4
    num_key_value_heads: int = 2
    rms_norm_eps: float = 1e-6
    rope_theta: float = 10000.0
    mrope_section: List[int] = field(default_factory=lambda: [4, 6, 6])
    image_token_id: int = 0
    vision_start_token_id: int = 0


# ----------------------------------------------------------------------------------------------------------------- vision
def rotate_half(x: torch.Tensor) -> torch.Tensor:
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


def vision_rope_angles(grid_thw: List[Tuple[int, int, int]], head_dim: int) -> torch.Tensor:
    """[sum(t*gh*gw), head_dim/2] VisionRoPE angles: (py*θ_0.., px*θ_0..) per patch in merge-cell row order."""
    dim = head_dim // 2
    inv = 1.0 / (10000.0 ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))
    out = []
    for t, gh, gw in grid_thw:
        hp = torch.arange(gh).unsqueeze(1).expand(gh, gw)
        wp = torch.arange(gw).unsqueeze(0).expand(gh, gw)
        hp = hp.reshape(gh // 2, 2, gw // 2, 2).permute(0, 2, 1, 3).flatten()
        wp = wp.reshape(gh // 2, 2, gw // 2, 2).permute(0, 2, 1, 3).flatten()
        pos = torch.stack([hp, wp], dim=-1).repeat(t, 1).float()  # [N, 2]
        ang = torch.cat([pos[:, :1] * inv, pos[:, 1:] * inv], dim=-1)  # [N, dim]
        out.append(ang)
    return torch.cat(out, dim=0)


class VisionAttention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim, bias=True)

    def forward(self, x, cos, sin, mask):
        # x [B, N, D]; cos/sin [B, N, hd]; mask [B, 1, N, N] additive
        b, n, d = x.shape
        hd = d // self.heads
        q, k, v = self.qkv(x).view(b, n, 3, self.heads, hd).permute(2, 0, 3, 1, 4)  # [B, H, N, hd] each
        c, s = cos.unsqueeze(1), sin.unsqueeze(1)
        q = q * c + rotate_half(q) * s
        k = k * c + rotate_half(k) * s
        att = (q @ k.transpose(-1, -2)) / math.sqrt(hd) + mask
        o = att.softmax(-1) @ v
        return self.proj(o.transpose(1, 2).reshape(b, n, d))


class VisionMlp(nn.Module):
    def __init__(self, dim: int, hidden: int):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        h = self.fc1(x)
        return self.fc2(h * torch.sigmoid(1.702 * h))  # quick_gelu


class VisionBlock(nn.Module):
    def __init__(self, cfg: VisionConfig):
        super().__init__()
        self.norm1 = nn.LayerNorm(cfg.embed_dim, eps=1e-6)
        self.norm2 = nn.LayerNorm(cfg.embed_dim, eps=1e-6)
        self.attn = VisionAttention(cfg.embed_dim, cfg.num_heads)
        self.mlp = VisionMlp(cfg.embed_dim, int(cfg.embed_dim * cfg.mlp_ratio))

    def forward(self, x, cos, sin, mask):
        x = x + self.attn(self.norm1(x), cos, sin, mask)
        return x + self.mlp(self.norm2(x))


class PatchEmbed(nn.Module):
    def __init__(self, cfg: VisionConfig):
        super().__init__()
        p, t = cfg.patch_size, cfg.temporal_patch_size
        self.proj = nn.Conv3d(cfg.in_channels, cfg.embed_dim, kernel_size=(t, p, p), stride=(t, p, p), bias=False)

    def forward(self, x):  # [N, 1176] -> [N, D]; the conv weight flattened (c, τ, i, j) matches the columns
        return x @ self.proj.weight.reshape(self.proj.weight.shape[0], -1).t()


class PatchMerger(nn.Module):
    def __init__(self, cfg: VisionConfig):
        super().__init__()
        ctx = cfg.embed_dim * cfg.spatial_merge_size ** 2
        self.ln_q = nn.LayerNorm(cfg.embed_dim, eps=1e-6)
        self.mlp = nn.Sequential(nn.Linear(ctx, ctx), nn.GELU(), nn.Linear(ctx, cfg.hidden_size))
        self.ctx = ctx

    def forward(self, x):
        return self.mlp(self.ln_q(x).reshape(-1, self.ctx))


class VisionTower(nn.Module):
    def __init__(self, cfg: VisionConfig):
        super().__init__()
        self.cfg = cfg
        self.patch_embed = PatchEmbed(cfg)
        self.blocks = nn.ModuleList([VisionBlock(cfg) for _ in range(cfg.depth)])
        self.merger = PatchMerger(cfg)

    def forward(self, pixel_values: torch.Tensor, grid_thw: List[Tuple[int, int, int]]) -> torch.Tensor:
        """pixel_values [sum N_i, 1176] (images concatenated) -> merged tokens [sum N_i/4, hidden]."""
        cfg = self.cfg
        hd = cfg.embed_dim // cfg.num_heads
        ang = vision_rope_angles(grid_thw, hd)
        emb = torch.cat([ang, ang], dim=-1)
        x = self.patch_embed(pixel_values)
        # Each (image, temporal frame) is one attention segment (cu_seqlens); pad segments into a batch.
        lens = [gh * gw for t, gh, gw in grid_thw for _ in range(t)]
        nmax = max(lens)
        b = len(lens)
        xb = x.new_zeros(b, nmax, x.shape[-1])
        cb = emb.new_zeros(b, nmax, hd)
        sb = emb.new_zeros(b, nmax, hd)
        mask = x.new_full((b, 1, 1, nmax), float("-inf"))
        off = 0
        for i, n in enumerate(lens):
            xb[i, :n] = x[off:off + n]
            cb[i, :n] = emb[off:off + n].cos()
            sb[i, :n] = emb[off:off + n].sin()
            mask[i, :, :, :n] = 0.0
            off += n
        for blk in self.blocks:
            xb = blk(xb, cb, sb, mask)
        x = torch.cat([xb[i, :n] for i, n in enumerate(lens)], dim=0)
        return self.merger(x)


# ------------------------------------------------------------------------------------------------------------------- text
class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


class TextAttention(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.nh, self.nkv = cfg.num_attention_heads, cfg.num_key_value_heads
        self.hd = cfg.hidden_size // self.nh
        self.q_proj = nn.Linear(cfg.hidden_size, self.nh * self.hd, bias=True)
        self.k_proj = nn.Linear(cfg.hidden_size, self.nkv * self.hd, bias=True)
        self.v_proj = nn.Linear(cfg.hidden_size, self.nkv * self.hd, bias=True)
        self.o_proj = nn.Linear(self.nh * self.hd, cfg.hidden_size, bias=False)

    def forward(self, x, cos, sin, mask):
        b, l, _ = x.shape
        q = self.q_proj(x).view(b, l, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, l, self.nkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, l, self.nkv, self.hd).transpose(1, 2)
        c, s = cos.unsqueeze(1), sin.unsqueeze(1)
        q = q * c + rotate_half(q) * s
        k = k * c + rotate_half(k) * s
        g = self.nh // self.nkv
        k = k.repeat_interleave(g, dim=1)
        v = v.repeat_interleave(g, dim=1)
        att = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd) + mask
        o = att.softmax(-1) @ v
        return self.o_proj(o.transpose(1, 2).reshape(b, l, -1))


class TextMlp(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.gate_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.up_proj = nn.Linear(cfg.hidden_size, cfg.intermediate_size, bias=False)
        self.down_proj = nn.Linear(cfg.intermediate_size, cfg.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class DecoderLayer(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.input_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.post_attention_layernorm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)
        self.self_attn = TextAttention(cfg)
        self.mlp = TextMlp(cfg)

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class TextModel(nn.Module):
    def __init__(self, cfg: TextConfig):
        super().__init__()
        self.embed_tokens = nn.Embedding(cfg.vocab_size, cfg.hidden_size)
        self.layers = nn.ModuleList([DecoderLayer(cfg) for _ in range(cfg.num_hidden_layers)])
        self.norm = RMSNorm(cfg.hidden_size, cfg.rms_norm_eps)


def mrope_cos_sin(pos: torch.Tensor, cfg: TextConfig) -> Tuple[torch.Tensor, torch.Tensor]:
    """pos [3, B, L] -> cos, sin [B, L, head_dim] with M-RoPE sections (t, h, w) over channel index mod head_dim/2."""
    hd = cfg.hidden_size // cfg.num_attention_heads
    inv = 1.0 / (cfg.rope_theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd))  # [hd/2]
    fr = pos.float().unsqueeze(-1) * inv  # [3, B, L, hd/2]
    axis = torch.cat([torch.full((n,), i, dtype=torch.long) for i, n in enumerate(cfg.mrope_section)])  # [hd/2]
    sel = fr.gather(0, axis.view(1, 1, 1, -1).expand(1, fr.shape[1], fr.shape[2], -1))[0]  # [B, L, hd/2]
    emb = torch.cat([sel, sel], dim=-1)
    return emb.cos(), emb.sin()


def get_rope_index(ids: List[int], grids: List[Tuple[int, int, int]], cfg: TextConfig,
                   merge: int = 2) -> Tuple[List[List[int]], int]:
    """M-RoPE positions [3][L] for one sequence (spec get_rope_index) and rope_delta."""
    pos = [[], [], []]
    i, gi, st = 0, 0, 0
    n = len(ids)
    while i < n:
        if ids[i] == cfg.image_token_id:
            t, gh, gw = grids[gi]
            gi += 1
            h2, w2 = gh // merge, gw // merge
            for ti in range(t):
                for r in range(h2):
                    for c in range(w2):
                        pos[0].append(st + ti)
                        pos[1].append(st + r)
                        pos[2].append(st + c)
            i += t * h2 * w2
            st = st + max(t - 1, h2 - 1, w2 - 1) + 1
        else:
            for a in range(3):
                pos[a].append(st)
            st += 1
            i += 1
    delta = max(max(p) for p in pos) + 1 - n
    return pos, delta


class Qwen2VL(nn.Module):
    def __init__(self, vcfg: VisionConfig, tcfg: TextConfig):
        super().__init__()
        self.vcfg, self.tcfg = vcfg, tcfg
        self.visual = VisionTower(vcfg)
        self.model = TextModel(tcfg)
        self.apply(self._init)

    @staticmethod
    def _init(m):
        if isinstance(m, (nn.Linear, nn.Embedding, nn.Conv3d)):
            nn.init.normal_(m.weight, std=0.02)
            if getattr(m, "bias", None) is not None:
                nn.init.zeros_(m.bias)

    def forward(self, input_ids: torch.Tensor, pos: torch.Tensor, attn_mask: torch.Tensor,
                pixel_values: Optional[torch.Tensor] = None, grid_thw=None,
                image_embeds: Optional[torch.Tensor] = None, hidden_layer: Optional[int] = None):
        """input_ids [B, L], pos [3, B, L], attn_mask [B, L] (1 = real token) -> logits [B, L, V]; with
        `hidden_layer` = i, (logits, the output of decoder layer i [B, L, hidden]) (training-only probes)."""
        x = self.model.embed_tokens(input_ids)
        if image_embeds is None and pixel_values is not None:
            image_embeds = self.visual(pixel_values, grid_thw)
        if image_embeds is not None:
            sel = input_ids == self.tcfg.image_token_id
            if int(sel.sum()) != image_embeds.shape[0]:
                raise ValueError(f"{int(sel.sum())} image tokens but {image_embeds.shape[0]} image embeddings")
            x = x.masked_scatter(sel.unsqueeze(-1), image_embeds.to(x.dtype))
        b, l = input_ids.shape
        causal = torch.full((l, l), float("-inf")).triu(1)
        mask = causal.view(1, 1, l, l) + torch.where(attn_mask.bool(), 0.0, float("-inf")).view(b, 1, 1, l)
        cos, sin = mrope_cos_sin(pos, self.tcfg)
        hidden = None
        for i, layer in enumerate(self.model.layers):
            x = layer(x, cos, sin, mask)
            if i == hidden_layer:
                hidden = x
        logits = self.model.norm(x) @ self.model.embed_tokens.weight.t()
        return logits if hidden_layer is None else (logits, hidden)
