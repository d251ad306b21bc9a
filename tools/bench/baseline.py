#!/usr/bin/python3
"""The Python baseline users run today: load, infer shapes, walk every node.

Usage: baseline.py MODEL [MODEL...]   (one process per file is how it is used)
"""
import sys

import onnx
import onnx.shape_inference


def inspect(path):
    model = onnx.load(path)
    inferred = onnx.shape_inference.infer_shapes(model)
    ops = {}
    for node in inferred.graph.node:
        ops[node.op_type] = ops.get(node.op_type, 0) + 1
    return sum(ops.values())


def main():
    status = 0
    for path in sys.argv[1:]:
        try:
            print(f"{path}: {inspect(path)} nodes")
        except Exception as e:  # keep going like zonnx does; report it
            print(f"{path}: error: {e}", file=sys.stderr)
            status = 3
    return status


if __name__ == "__main__":
    sys.exit(main())
