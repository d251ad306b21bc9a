#!/usr/bin/python3
"""Generates the benchmark models of tools/bench/run (outputs are not committed).

  big.onnx    ~1 GiB single file: a MatMul/Relu chain over a few huge float32
              initializers (4 x 8192x8192 = 4 x 256 MiB) plus a small Conv head.
  graph.onnx  ~200,000 small nodes (Add/Relu/Mul/Sigmoid/MatMul on [1,64]),
              sharing a handful of small initializers.
  scale_<kind>_<n>.onnx  pairs of models at n and 4n for the scaling check
              (each a shape that once made zonnx take time quadratic in n).

Usage: gen_models.py OUTDIR [--big-dim 8192] [--big-layers 4] [--graph-nodes 200000]
Needs Debian's python3-onnx and python3-numpy. Files that exist are kept.
"""
import argparse
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 13


def save(model, path):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(model.SerializeToString())
    os.replace(tmp, path)


def big_model(path, dim, layers):
    nodes, inits = [], []
    x = "x"
    for i in range(layers):
        w = f"W{i}"
        # Deterministic, non-zero bytes (a constant pattern, not random: fast to make).
        inits.append(numpy_helper.from_array(np.full((dim, dim), 0.001 * (i + 1), dtype=np.float32), w))
        nodes.append(helper.make_node("MatMul", [x, w], [f"mm{i}"], name=f"/layers.{i}/MatMul"))
        nodes.append(helper.make_node("Relu", [f"mm{i}"], [f"h{i}"], name=f"/layers.{i}/Relu"))
        x = f"h{i}"
    # A small Conv head: [1, dim] -> [1, 16, dim/64, 64] -> Conv 3x3.
    inits.append(numpy_helper.from_array(np.array([1, 16, dim // 1024, 64], dtype=np.int64), "shape"))
    inits.append(numpy_helper.from_array(np.full((16, 16, 3, 3), 0.01, dtype=np.float32), "Wc"))
    nodes.append(helper.make_node("Reshape", [x, "shape"], ["r"], name="/head/Reshape"))
    nodes.append(helper.make_node("Conv", ["r", "Wc"], ["y"], name="/head/Conv", pads=[1, 1, 1, 1]))
    graph = helper.make_graph(
        nodes, "big", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, dim])],
        # The output's shape is declared: onnx's checker (run by zonnx convert) requires one.
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 16, dim // 1024, 64])], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="zonnx-bench")
    model.ir_version = 7
    save(model, path)


def graph_model(path, count):
    width = 64
    inits = [
        numpy_helper.from_array(np.full((1, width), 0.5, dtype=np.float32), "b"),
        numpy_helper.from_array(np.full((1, width), 0.9, dtype=np.float32), "s"),
        numpy_helper.from_array(np.full((width, width), 0.01, dtype=np.float32), "W"),
    ]
    cycle = [("Add", ["b"]), ("Relu", []), ("MatMul", ["W"]), ("Mul", ["s"]), ("Sigmoid", [])]
    nodes = []
    x = "x"
    for i in range(count):
        op, extra = cycle[i % len(cycle)]
        out = f"t{i}" if i + 1 < count else "y"
        nodes.append(helper.make_node(op, [x] + extra, [out], name=f"/block{i // len(cycle)}/{op}_{i}"))
        x = out
    graph = helper.make_graph(
        nodes, "graph_heavy", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, width])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="zonnx-bench")
    model.ir_version = 7
    save(model, path)


def vinfo(name, shape=(1, 4)):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))


# Models whose size grows in one direction: n graph outputs, n graph inputs,
# n distinct ops (custom domain, so the model does not compile and the summary
# lists all n), one value read by n nodes.
SCALE_KINDS = ("outputs", "inputs", "ops", "fanout")
SCALE_SIZES = (10000, 40000)


def scale_model(path, kind, n):
    opsets = [helper.make_opsetid("", OPSET)]
    if kind == "outputs":
        nodes = [helper.make_node("Relu", ["x" if i == 0 else f"t{i - 1}"], [f"t{i}"]) for i in range(n)]
        inputs, outputs = [vinfo("x")], [vinfo(f"t{i}") for i in range(n)]
    elif kind == "inputs":
        nodes = [helper.make_node("Add", [f"x{i}", "x0"], [f"y{i}"]) for i in range(n)]
        inputs, outputs = [vinfo(f"x{i}") for i in range(n)], [vinfo(f"y{i}") for i in range(n)]
    elif kind == "ops":
        nodes = [helper.make_node(f"Op{i}", ["x"], [f"y{i}"], domain="bench.custom") for i in range(n)]
        inputs, outputs = [vinfo("x")], [vinfo(f"y{i}") for i in range(n)]
        opsets.append(helper.make_opsetid("bench.custom", 1))
    else:  # fanout
        nodes = [helper.make_node("Relu", ["x"], [f"y{i}"]) for i in range(n)]
        inputs, outputs = [vinfo("x")], [vinfo(f"y{i}") for i in range(n)]
    graph = helper.make_graph(nodes, f"scale_{kind}", inputs, outputs)
    model = helper.make_model(graph, opset_imports=opsets, producer_name="zonnx-bench")
    model.ir_version = 7
    save(model, path)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--big-dim", type=int, default=8192)
    ap.add_argument("--big-layers", type=int, default=4)
    ap.add_argument("--graph-nodes", type=int, default=200000)
    a = ap.parse_args()
    os.makedirs(a.outdir, exist_ok=True)
    big = os.path.join(a.outdir, f"big_{a.big_layers}x{a.big_dim}_v2.onnx")  # v2: output shape declared
    graph = os.path.join(a.outdir, f"graph_{a.graph_nodes}.onnx")
    if not os.path.exists(big):
        print(f"generating {big}", file=sys.stderr)
        big_model(big, a.big_dim, a.big_layers)
    if not os.path.exists(graph):
        print(f"generating {graph}", file=sys.stderr)
        graph_model(graph, a.graph_nodes)
    print(big)
    print(graph)
    for kind in SCALE_KINDS:
        for n in SCALE_SIZES:
            path = os.path.join(a.outdir, f"scale_{kind}_{n}.onnx")
            if not os.path.exists(path):
                print(f"generating {path}", file=sys.stderr)
                scale_model(path, kind, n)
            print(path)


if __name__ == "__main__":
    main()
