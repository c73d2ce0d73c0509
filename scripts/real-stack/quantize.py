"""The dtype variants transformers.js ships next to model.onnx, made the way its conversion
scripts make them.

Source imitated: huggingface/transformers.js, scripts/quantize.py and scripts/convert.py at
commit 4e1b4b65^ (the last commit before the v4 restructure removed them; Apache-2.0). What is
kept, per mode:

  fp16  -> model_fp16.onnx       float16.convert_float_to_float16(keep_io_types=True,
                                 op_block_list=DEFAULT_OP_BLOCK_LIST)
  q8    -> model_quantized.onnx  ONNXQuantizer, IntegerOps (dynamic), weights QInt8 unless the
                                 graph has Conv/GroupQueryAttention/MultiHeadAttention (then
                                 QUInt8), activations QUInt8
  int8  -> model_int8.onnx       the same with weights QInt8
  uint8 -> model_uint8.onnx      the same with weights QUInt8
  q4    -> model_q4.onnx         MatMulNBitsQuantizer(block_size=32, is_symmetric=True,
                                 accuracy_level=None)

convert.py sets per_channel = reduce_range = True for every model type outside its
NO_PER_CHANNEL_REDUCE_RANGE_MODELS list (decoder-only models), so every encoder here gets both.
The 8-bit quantizer is given every op type in IntegerOpsRegistry (MatMul, Gather, ...) with
extra_options EnableSubgraph=True, MatMulConstBOnly=True. Every file is checked with
onnx.checker.check_model(full_check=True) before it is saved, tolerating "No Op registered for"
(contrib ops), as transformers.js's utils.check_and_save_model does.

Not imitated: convert.py runs onnxslim over model.onnx before quantizing; onnxslim is not
installable here, so the fp32 file is the exporter's graph as it comes out.
"""

from __future__ import annotations

import onnx
from onnxruntime.quantization import QuantizationMode, QuantType
from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
from onnxruntime.quantization.onnx_quantizer import ONNXQuantizer
from onnxruntime.quantization.registry import IntegerOpsRegistry

import float16

# transformers.js's file name for each dtype.
DTYPE_FILES = {
    "fp32": "model.onnx",
    "fp16": "model_fp16.onnx",
    "q8": "model_quantized.onnx",
    "int8": "model_int8.onnx",
    "uint8": "model_uint8.onnx",
    "q4": "model_q4.onnx",
}

QUINT8_OPS = ("Conv", "GroupQueryAttention", "MultiHeadAttention")


def _operators(model: onnx.ModelProto) -> set[str]:
    ops: set[str] = set()

    def walk(graph):
        for node in graph.node:
            ops.add(node.op_type)
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    walk(attr.g)

    walk(model.graph)
    return ops


def check_model(model: onnx.ModelProto) -> None:
    """transformers.js's strict_check_model."""
    try:
        onnx.checker.check_model(model, full_check=True)
    except Exception as e:  # noqa: BLE001 - same tolerance as the source
        if "No Op registered for" not in str(e):
            raise


def _q8(model: onnx.ModelProto, weight_type: QuantType) -> onnx.ModelProto:
    quantizer = ONNXQuantizer(
        model,
        True,  # per_channel
        True,  # reduce_range
        mode=QuantizationMode.IntegerOps,
        static=False,
        weight_qType=weight_type,
        activation_qType=QuantType.QUInt8,
        tensors_range=None,
        nodes_to_quantize=[],
        nodes_to_exclude=[],
        op_types_to_quantize=set(IntegerOpsRegistry.keys()),
        extra_options=dict(EnableSubgraph=True, MatMulConstBOnly=True),
    )
    quantizer.quantize_model()
    return quantizer.model.model


def derive(fp32_path: str, dtype: str) -> onnx.ModelProto:
    """Builds one dtype variant from the fp32 file (reloaded each time: the tools work in place)."""
    model = onnx.load_model(fp32_path)
    if dtype == "fp16":
        out = float16.convert_float_to_float16(
            model,
            keep_io_types=True,
            disable_shape_infer=False,
            op_block_list=set(float16.DEFAULT_OP_BLOCK_LIST),
        )
    elif dtype == "q8":
        weight = (
            QuantType.QUInt8
            if any(op in QUINT8_OPS for op in _operators(model))
            else QuantType.QInt8
        )
        out = _q8(model, weight)
    elif dtype == "int8":
        out = _q8(model, QuantType.QInt8)
    elif dtype == "uint8":
        out = _q8(model, QuantType.QUInt8)
    elif dtype == "q4":
        quantizer = MatMulNBitsQuantizer(
            model=model, block_size=32, is_symmetric=True, accuracy_level=None
        )
        quantizer.process()
        out = quantizer.model.model
    else:
        raise ValueError(f"unknown dtype {dtype}")
    check_model(out)
    return out
