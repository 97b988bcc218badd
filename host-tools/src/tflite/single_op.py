"""Write a one-operator int8 .tflite model (input [1, 256], output [1, 256]),
with the flatbuffer schema module the tflite-micro wheel ships: the per-
operator cases of the TFLite importer's tests (`tflite::oracle`).

usage: single_op.py OP IN_SCALE IN_ZP OUT_SCALE OUT_ZP ALPHA OUT.tflite
"""
import sys

import flatbuffers
from tflite_micro.tensorflow.lite.micro.python import schema_py_generated as s

op_name, in_scale, in_zp, out_scale, out_zp, alpha, out = sys.argv[1:8]
code = getattr(s.BuiltinOperator, op_name)


def tensor(buffer, name, scale, zp):
    t = s.TensorT()
    t.shape, t.type, t.buffer, t.name = [1, 256], s.TensorType.INT8, buffer, name
    q = s.QuantizationParametersT()
    q.scale, q.zeroPoint = [float(scale)], [int(zp)]
    t.quantization = q
    return t


m = s.ModelT()
m.version = 3
oc = s.OperatorCodeT()
oc.builtinCode, oc.deprecatedBuiltinCode, oc.version = code, min(code, 127), 1
m.operatorCodes = [oc]
op = s.OperatorT()
op.opcodeIndex, op.inputs, op.outputs = 0, [0], [1]
if op_name == "LEAKY_RELU":
    o = s.LeakyReluOptionsT()
    o.alpha = float(alpha)
    op.builtinOptionsType, op.builtinOptions = s.BuiltinOptions.LeakyReluOptions, o
sg = s.SubGraphT()
sg.tensors = [tensor(1, "x", in_scale, in_zp), tensor(2, "y", out_scale, out_zp)]
sg.inputs, sg.outputs, sg.operators = [0], [1], [op]
m.subgraphs = [sg]
m.buffers = [s.BufferT(), s.BufferT(), s.BufferT()]
b = flatbuffers.Builder(1024)
b.Finish(m.Pack(b), file_identifier=b"TFL3")
open(out, "wb").write(b.Output())
