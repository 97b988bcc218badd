"""Activation modules used by the example models.

Each is written with plain tensor ops so that both PyTorch ONNX exporters emit
an elementwise subgraph (Mul, Add, Pow, Abs, Div, Relu, ...) that polyact's
importer fuses into one scalar function -- none of them is a named ONNX op.
"""
import torch
from torch import nn


class PolyReLU(nn.Module):
    """PolyCom PolyReLU of order r: sum_i a_i * relu(x)^i, learned a_i."""

    def __init__(self, order: int = 3):
        super().__init__()
        init = torch.zeros(order + 1)
        init[1] = 1.0
        self.coef = nn.Parameter(init)

    def forward(self, x):
        r = torch.relu(x)
        y = self.coef[0] + self.coef[1] * r
        p = r
        for i in range(2, self.coef.numel()):
            p = p * r
            y = y + self.coef[i] * p
        return y


class PAU(nn.Module):
    """Padé activation unit (m, n) with the safe denominator 1 + sum |b_k| |x|^k."""

    def __init__(self, m: int = 5, n: int = 4):
        super().__init__()
        # Leaky-ReLU-like initialisation (Molina et al. publish fitted inits;
        # these are a small smooth start that trains well on digits).
        self.p = nn.Parameter(torch.tensor([0.03, 0.6, 0.6, 0.1, 0.0, 0.0][: m + 1]))
        self.q = nn.Parameter(torch.tensor([0.1, 0.5, 0.05, 0.01][:n]))

    def forward(self, x):
        num = self.p[-1] * torch.ones_like(x)
        for c in reversed(list(self.p[:-1])):
            num = num * x + c
        ax = torch.abs(x)
        den = torch.zeros_like(x)
        for c in reversed(list(self.q)):
            den = (den + torch.abs(c)) * ax
        return num / (1.0 + den)


class _HeLUFn(torch.autograd.Function):
    """Hysteresis ReLU: forward is ReLU; the gradient passes for x > -alpha."""

    @staticmethod
    def forward(ctx, x, alpha):
        ctx.save_for_backward(x)
        ctx.alpha = alpha
        return torch.relu(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * (x > -ctx.alpha).to(g.dtype), None


class HeLU(nn.Module):
    def __init__(self, alpha: float = 0.05):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        if self.training:
            return _HeLUFn.apply(x, self.alpha)
        return torch.relu(x)  # the deployed forward is exactly ReLU


class Hermite(nn.Module):
    """Learned combination of probabilists' Hermite polynomials He_0..He_4."""

    def __init__(self, degree: int = 4):
        super().__init__()
        init = torch.zeros(degree + 1)
        init[1] = 1.0
        self.coef = nn.Parameter(init)

    def forward(self, x):
        h_prev, h = torch.ones_like(x), x
        y = self.coef[0] * h_prev + self.coef[1] * h
        for k in range(1, self.coef.numel() - 1):
            h_prev, h = h, x * h - k * h_prev
            y = y + self.coef[k + 1] * h
        return y


class PolyNorm(nn.Module):
    """PolyCom PolyNorm: sum_i w_i * RMSNorm(x^i) + b over the feature dim."""

    def __init__(self, order: int = 3, eps: float = 1e-6):
        super().__init__()
        self.w = nn.Parameter(torch.full((order,), 1.0 / order))
        self.b = nn.Parameter(torch.zeros(1))
        self.eps = eps

    def norm(self, x):
        return x * torch.rsqrt(torch.mean(x * x, dim=-1, keepdim=True) + self.eps)

    def forward(self, x):
        y = self.b
        p = x
        for i in range(self.w.numel()):
            if i > 0:
                p = p * x
            y = y + self.w[i] * self.norm(p)
        return y


class PAUVersionB(nn.Module):
    """Padé activation unit, version B: P(x) / (1 + |sum_k b_k x^k|), the
    joint-rational units' form (the denominator's sign is free, its kinks
    are where Q(x) = 0)."""

    def __init__(self, m: int = 3, n: int = 2):
        super().__init__()
        self.p = nn.Parameter(torch.tensor([0.02, 0.8, 0.4, 0.05, 0.0, 0.0][: m + 1]))
        self.q = nn.Parameter(torch.tensor([0.3, 0.2, 0.02, 0.0][:n]))

    def forward(self, x):
        num = self.p[-1] * torch.ones_like(x)
        for c in reversed(list(self.p[:-1])):
            num = num * x + c
        q = torch.zeros_like(x)
        for c in reversed(list(self.q)):
            q = (q + c) * x
        return num / (1.0 + torch.abs(q))


class XATLU(nn.Module):
    """Expanded-gating arctan unit (xATLU): x * ((1 + 2a)(atan(x)/pi + 1/2) - a),
    with a learned gate expansion a."""

    def __init__(self):
        super().__init__()
        self.alpha = nn.Parameter(torch.tensor(0.1))

    def forward(self, x):
        gate = torch.atan(x) / torch.pi + 0.5
        return x * ((1.0 + 2.0 * self.alpha) * gate - self.alpha)
