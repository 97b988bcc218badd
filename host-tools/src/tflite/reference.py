"""TFLite's interpreters on a model and int inputs: the oracles of the
TFLite importer (`polyact_tools::tflite::oracle`, which embeds this file).

usage: reference.py tflm|litert MODEL.tflite INPUTS.npy OUTPUTS.npy

tflm:   TensorFlow Lite Micro itself (the `tflite-micro` wheel): the
        integer semantics polyact matches bit for bit.
litert: the desktop interpreter (`ai-edge-litert`) with its reference
        kernels; its build requantizes with a single rounding
        (TFLITE_SINGLE_ROUNDING), so it can differ from TFLM by one level.
INPUTS is [N, ...] of the model's input type; OUTPUTS gets [N, ...].
"""
import sys

import numpy as np

which, model, inputs, outputs = sys.argv[1:5]
xs = np.load(inputs)
ys = []
if which == "tflm":
    from tflite_micro.python.tflite_micro import runtime

    it = runtime.Interpreter.from_file(model)
    d = it.get_input_details(0)
    for x in xs:
        it.set_input(x.reshape(d["shape"]).astype(d["dtype"]), 0)
        it.invoke()
        ys.append(it.get_output(0).reshape(-1).copy())
elif which == "litert":
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    it = Interpreter(model_path=model, experimental_op_resolver_type=OpResolverType.BUILTIN_REF)
    it.allocate_tensors()
    i, o = it.get_input_details()[0], it.get_output_details()[0]
    for x in xs:
        it.set_tensor(i["index"], x.reshape(i["shape"]).astype(i["dtype"]))
        it.invoke()
        ys.append(it.get_tensor(o["index"]).reshape(-1).copy())
else:
    sys.exit(f"unknown interpreter {which!r}: tflm or litert")
np.save(outputs, np.stack(ys))
