"""Multiplicative and attention networks (issue 12), written as their papers'
reference code writes them -- plain PyTorch modules, exported unmodified:

- a tiny pre-LN transformer over the 8 rows of a digits image (8 tokens of 8
  pixels), learned positional embedding, multi-head self-attention, FFN with
  PolyCom's PolyReLU; one variant with PolyNorm; one with Power-Softmax
  attention (x^2 / (sum x^2 + eps) in place of softmax);
- a SwiGLU MLP (LLaMA's FFN: w2(SiLU(w1 x) * w3 x));
- a MONet-style multiplicative network (Mu-layers: C((A h) * (B D h)) + x,
  no activation function at all).
"""
import math

import torch
from torch import nn

from activations import PolyNorm, PolyReLU


class SelfAttention(nn.Module):
    """Multi-head self-attention, nanoGPT style: q/k/v projections, head split
    by view + transpose, scaled scores, softmax (or Power-Softmax), merge."""

    def __init__(self, dim: int, heads: int, power_softmax: bool = False, eps: float = 1e-6):
        super().__init__()
        self.heads, self.head_dim = heads, dim // heads
        self.q, self.k, self.v = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.o = nn.Linear(dim, dim)
        self.power_softmax, self.eps = power_softmax, eps

    def forward(self, x):
        b, t, c = x.shape
        q = self.q(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        k = self.k(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        v = self.v(x).view(b, t, self.heads, self.head_dim).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(self.head_dim))
        if self.power_softmax:
            p = torch.pow(att, 2)
            att = p / (p.sum(dim=-1, keepdim=True) + self.eps)
        else:
            att = torch.softmax(att, dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        return self.o(y)


class Block(nn.Module):
    def __init__(self, dim, heads, act, power_softmax):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(dim), nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads, power_softmax)
        self.ffn = nn.Sequential(nn.Linear(dim, 2 * dim), act, nn.Linear(2 * dim, dim))

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        return x + self.ffn(self.ln2(x))


class TinyTransformer(nn.Module):
    """[8 tokens, 8 features] -> 10 logits; mean over tokens before the head."""

    def __init__(self, act, power_softmax=False, tokens=8, features=8, dim=16, heads=2, classes=10):
        super().__init__()
        self.embed = nn.Linear(features, dim)
        self.pos = nn.Parameter(0.02 * torch.randn(1, tokens, dim))
        self.block = Block(dim, heads, act, power_softmax)
        self.ln_f = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        h = self.embed(x) + self.pos
        h = self.block(h)
        return self.head(self.ln_f(h).mean(dim=1))


class SwiGLU(nn.Module):
    def __init__(self, dim_in, hidden, dim_out):
        super().__init__()
        self.w1, self.w3 = nn.Linear(dim_in, hidden, bias=False), nn.Linear(dim_in, hidden, bias=False)
        self.w2 = nn.Linear(hidden, dim_out, bias=False)

    def forward(self, x):
        return self.w2(nn.functional.silu(self.w1(x)) * self.w3(x))


class SwiGLUMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.f1 = SwiGLU(64, 48, 32)
        self.f2 = SwiGLU(32, 48, 32)
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        h = self.f1(x)
        return self.head(h + self.f2(h))


class MuLayer(nn.Module):
    """MONet's Mu-layer: the Hadamard product of two linear maps (one of them
    factored through a low-rank D), projected by C, with a skip connection."""

    def __init__(self, dim, hidden, rank):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.a = nn.Linear(dim, hidden)
        self.d = nn.Linear(dim, rank, bias=False)
        self.b = nn.Linear(rank, hidden)
        self.c = nn.Linear(hidden, dim)

    def forward(self, x):
        h = self.norm(x)
        return x + self.c(self.a(h) * self.b(self.d(h)))


class MONet(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Linear(64, 32)
        self.mu1, self.mu2 = MuLayer(32, 64, 16), MuLayer(32, 64, 16)
        self.head = nn.Linear(32, 10)

    def forward(self, x):
        return self.head(self.mu2(self.mu1(self.embed(x))))


MODELS = {
    # name: (constructor, description, token input?, exporter is dynamo?)
    "digits_transformer_polyrelu": (lambda: TinyTransformer(PolyReLU(3)),
                                    "transformer, softmax attention, FFN PolyReLU (order 3)", True, False),
    "digits_transformer_polynorm": (lambda: TinyTransformer(PolyNorm(3)),
                                    "transformer, softmax attention, FFN PolyNorm (order 3)", True, True),
    "digits_transformer_powersoftmax": (lambda: TinyTransformer(PolyReLU(3), power_softmax=True),
                                        "transformer, Power-Softmax (p=2) attention, FFN PolyReLU", True, False),
    "digits_swiglu": (SwiGLUMLP, "SwiGLU MLP (SiLU gate)", False, True),
    "digits_monet": (MONet, "MONet Mu-layers (Hadamard products, no activation)", False, False),
}
