"""Issue 13's networks: a MobileNetV3-style convolutional network on MNIST
(BatchNorm, HardSwish, inverted residual blocks with residual adds), MLPs on
digits with version-B rational and xATLU activations, and a Conv1D network on
BasicMotions. All are written as their papers' reference code writes them and
take their input in PyTorch's own layout (NCHW / NCW / [N, features]): the
exported files are imported unmodified.
"""
import math

import torch
from torch import nn

from activations import XATLU, PAUVersionB


def conv_bn(cin, cout, k, stride=1, groups=1, act=True):
    layers = [nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, groups=groups, bias=False), nn.BatchNorm2d(cout)]
    if act:
        layers.append(nn.Hardswish())
    return nn.Sequential(*layers)


class InvertedResidual(nn.Module):
    """MobileNetV3's bneck without squeeze-excite: expand 1x1 (skipped when
    the expansion is 1, as torchvision does), depthwise 3x3, project 1x1
    (linear), and a residual add when the shape allows."""

    def __init__(self, cin, expand, cout, stride):
        super().__init__()
        layers = [] if expand == cin else [conv_bn(cin, expand, 1)]
        layers += [conv_bn(expand, expand, 3, stride=stride, groups=expand), conv_bn(expand, cout, 1, act=False)]
        self.block = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.block(x)
        return x + y if self.residual else y


class MobileNetV3Mnist(nn.Module):
    """A MobileNetV3-Small-shaped network sized for a 16 KB-RAM Cortex-M0:
    stem 3x3/2 to 14x14, four bnecks (two with residual adds), global
    average pool, the V3 head (Linear, HardSwish, Linear). Input [N, 1, 28, 28]."""

    def __init__(self):
        super().__init__()
        self.stem = conv_bn(1, 8, 3, stride=2)
        self.blocks = nn.Sequential(
            InvertedResidual(8, 8, 16, 2),
            InvertedResidual(16, 24, 16, 1),
            InvertedResidual(16, 48, 24, 2),
            InvertedResidual(24, 48, 24, 1),
        )
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.head = nn.Sequential(nn.Linear(24, 32), nn.Hardswish(), nn.Linear(32, 10))

    def forward(self, x):
        x = self.pool(self.blocks(self.stem(x)))
        return self.head(x.flatten(1))


def digits_mlp(act_factory, hidden=32):
    return nn.Sequential(nn.Linear(64, hidden), act_factory(), nn.Linear(hidden, hidden), act_factory(), nn.Linear(hidden, 10))


class MotionNetNCW(nn.Module):
    """The Conv1D classifier as PyTorch users write it: input [N, C, T] =
    [N, 6, 100], nn.Conv1d straight on it, no transposes."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv1d(6, 16, 5, stride=2, padding=2)
        self.c2 = nn.Conv1d(16, 16, 5, stride=2, padding=2)
        self.act = nn.SiLU()
        self.fc = nn.Linear(16, 4)

    def forward(self, x):
        x = self.act(self.c1(x))
        x = self.act(self.c2(x))
        return self.fc(x.mean(dim=2))


# name: (constructor, activation description, dynamo exporter)
DIGITS = {
    "digits_pau_version_b": (lambda: digits_mlp(lambda: PAUVersionB(3, 2)), "PAU version B (3,2): P(x)/(1+|Q(x)|)", False),
    "digits_xatlu": (lambda: digits_mlp(XATLU), "xATLU x((1+2a)(atan(x)/pi+1/2)-a)", True),
    "digits_kan": (lambda: DigitsKAN(), "KAN (efficient-kan style: SiLU base + cubic B-splines, G=5)", False),
    "digits_fastkan": (lambda: DigitsFastKAN(), "FastKAN (LayerNorm, Gaussian RBF basis, 8 centres, SiLU base)", True),
}


class Sine(nn.Module):
    def __init__(self, w0):
        super().__init__()
        self.w0 = w0

    def forward(self, x):
        return torch.sin(self.w0 * x)


def siren_linear(cin, cout, first, w0=30.0):
    """SIREN's initialisation (Sitzmann et al. 2020): U(-1/n, 1/n) for the
    first layer, U(-sqrt(6/n)/w0, sqrt(6/n)/w0) after it."""
    lin = nn.Linear(cin, cout)
    bound = 1.0 / cin if first else math.sqrt(6.0 / cin) / w0
    with torch.no_grad():
        lin.weight.uniform_(-bound, bound)
    return lin


class Siren(nn.Module):
    """SIREN: sin(30 (W x + b)) layers on pixel coordinates, a linear output."""

    def __init__(self, hidden=64, layers=3, w0=30.0):
        super().__init__()
        mods = [siren_linear(2, hidden, True), Sine(w0)]
        for _ in range(layers - 1):
            mods += [siren_linear(hidden, hidden, False), Sine(w0)]
        mods.append(siren_linear(hidden, 1, False))
        self.net = nn.Sequential(*mods)

    def forward(self, x):
        return self.net(x)


class KANLinear(nn.Module):
    """A Kolmogorov-Arnold layer as efficient-kan writes it: a SiLU base
    branch plus cubic B-splines on a uniform grid (G intervals on [-r, r],
    extended by k on each side), evaluated with the Cox-de Boor recursion,
    each with its own learned coefficients and a per-edge spline scaler."""

    def __init__(self, cin, cout, grid_size=5, spline_order=3, grid_range=(-1.0, 1.0)):
        super().__init__()
        self.cin, self.cout, self.k = cin, cout, spline_order
        h = (grid_range[1] - grid_range[0]) / grid_size
        grid = torch.arange(-spline_order, grid_size + spline_order + 1, dtype=torch.float32) * h + grid_range[0]
        self.register_buffer("grid", grid.expand(cin, -1).contiguous())
        self.base_weight = nn.Parameter(torch.empty(cout, cin))
        self.spline_weight = nn.Parameter(torch.randn(cout, cin, grid_size + spline_order) * 0.1)
        self.spline_scaler = nn.Parameter(torch.ones(cout, cin))
        nn.init.kaiming_uniform_(self.base_weight, a=math.sqrt(5))

    def b_splines(self, x):
        """Bases of shape [batch, cin, grid_size + k]."""
        grid = self.grid
        x = x.unsqueeze(-1)
        bases = ((x >= grid[:, :-1]) & (x < grid[:, 1:])).to(x.dtype)
        for k in range(1, self.k + 1):
            bases = (x - grid[:, : -(k + 1)]) / (grid[:, k:-1] - grid[:, : -(k + 1)]) * bases[:, :, :-1] + (
                grid[:, k + 1 :] - x
            ) / (grid[:, k + 1 :] - grid[:, 1:(-k)]) * bases[:, :, 1:]
        return bases

    def forward(self, x):
        base = nn.functional.linear(nn.functional.silu(x), self.base_weight)
        scaled = self.spline_weight * self.spline_scaler.unsqueeze(-1)
        spline = nn.functional.linear(self.b_splines(x).view(x.size(0), -1), scaled.view(self.cout, -1))
        return base + spline


class DigitsKAN(nn.Module):
    """64 -> 16 -> 10 KAN on digits (pixels in [0, 1], the grid on [-1, 1])."""

    def __init__(self):
        super().__init__()
        self.l1 = KANLinear(64, 16, grid_range=(-1.0, 1.0))
        self.l2 = KANLinear(16, 10, grid_range=(-2.0, 2.0))

    def forward(self, x):
        return self.l2(self.l1(x))


class FastKANLayer(nn.Module):
    """FastKAN (Li 2024): Gaussian radial basis functions on a uniform grid
    replace the B-splines, `exp(-((x - c_j) / h)^2)`, after a LayerNorm; plus
    the SiLU base branch."""

    def __init__(self, cin, cout, num_grids=8, grid_range=(-2.0, 2.0)):
        super().__init__()
        self.norm = nn.LayerNorm(cin)
        self.register_buffer("grid", torch.linspace(grid_range[0], grid_range[1], num_grids))
        self.denominator = (grid_range[1] - grid_range[0]) / (num_grids - 1)
        self.spline = nn.Linear(cin * num_grids, cout, bias=False)
        nn.init.trunc_normal_(self.spline.weight, std=0.1)
        self.base = nn.Linear(cin, cout)

    def forward(self, x):
        basis = torch.exp(-(((self.norm(x)[..., None] - self.grid) / self.denominator) ** 2))
        return self.spline(basis.view(*basis.shape[:-2], -1)) + self.base(nn.functional.silu(x))


class DigitsFastKAN(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = FastKANLayer(64, 16)
        self.l2 = FastKANLayer(16, 10)

    def forward(self, x):
        return self.l2(self.l1(x))
