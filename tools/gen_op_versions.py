#!/usr/bin/python3
"""Generate data/op_versions.json: the since_versions of every ai.onnx and
ai.onnx.ml operator, for ai.onnx opsets 1..27 and ai.onnx.ml opsets 1..5.

  /usr/bin/python3 tools/gen_op_versions.py           # rewrite data/op_versions.json
  /usr/bin/python3 tools/gen_op_versions.py --check   # exit 1 if the committed file is stale

Sources (no network access is needed):
  * ai.onnx opsets 1..17 and ai.onnx.ml opsets 1..3: the schema registry of
    Debian's python3-onnx 1.12 (onnx.defs.get_all_schemas_with_history()),
    which is why the script runs under /usr/bin/python3. A newer onnx also
    works: only schemas up to those opsets are read from it.
  * ai.onnx opsets 18..27 and ai.onnx.ml opsets 4..5: the hand-written tables
    below, taken from the ONNX operator changelog as summarised in the
    project's opset fact sheet (../shared/reference/opset-changes.md, section 2)
    for the newest ONNX release, 1.22.0 (ai.onnx opset 27, ai.onnx.ml opset 5).

Output format "zonnx.op-versions/1" (see docs/support-tables.md):
  "ops"      ai.onnx op -> ascending since_versions of its real (non-deprecated) schemas
  "removed"  ai.onnx op -> the opset whose schema is a deprecation tombstone; the op
             does not exist from that opset on
  "deprecated_versions"  op -> since_versions that later ONNX releases mark as
             deprecated although the op itself lives on (informational)
  "ml_ops", "ml_removed"  the same for the ai.onnx.ml domain
"""

import argparse
import json
import os
import sys

from generated_file import write_or_check

FORMAT = "zonnx.op-versions/1"
REGISTRY_MAX_OPSET = 17     # newest ai.onnx opset read from the onnx package
REGISTRY_ML_MAX_OPSET = 3   # newest ai.onnx.ml opset read from the onnx package
MAX_OPSET = 27              # ONNX 1.22.0
ML_MAX_OPSET = 5            # ONNX 1.16.0 and later

# Schema versions of the ai.onnx domain in opsets 1..17, tombstones included
# (ONNX 1.12.0). Together with the 190 versions below this gives the 609
# ai.onnx schema versions of the released opsets 1..27.
EXPECTED_REGISTRY_COUNT = 419

# ---------------------------------------------------------------------------
# ai.onnx opsets 18..27. For each opset: the ops that first appear ("new") and
# the existing ops that get a new since_version ("changed"). The counts are
# checked below so that an edit that drops an op is caught.
#
# Left out on purpose:
#  * Attention-25 and everything in opset 28 (SwiGLU, Celu-28): only on ONNX's
#    unreleased main branch. In released ONNX (1.20-1.22) the newest Attention
#    in opsets 25..27 is Attention-24.
#  * The experimental ops removed in ONNX 1.5.0 (ATen, Affine, ConstantFill,
#    Crop, DynamicSlice, GRUUnit, GivenTensorFill, ImageScaler,
#    ParametricSoftplus, Scale, ScaledTanh) never had versioned schemas, so they
#    are neither in "ops" nor in "removed": zonnx treats them as unknown ops.
# ---------------------------------------------------------------------------
AI_ONNX_STEPS = {
    18: {
        "new": ["BitwiseAnd", "BitwiseNot", "BitwiseOr", "BitwiseXor", "CenterCropPad", "Col2Im",
                "GroupNormalization", "Mish"],
        "changed": [
            # axes attribute -> optional input, noop_with_empty_axes
            "ReduceL1", "ReduceL2", "ReduceLogSum", "ReduceLogSumExp", "ReduceMax", "ReduceMean",
            "ReduceMin", "ReduceProd", "ReduceSumSquare",
            "Split",                          # num_outputs
            "Pad",                            # optional axes input
            "Resize",                         # antialias, axes, keep_aspect_ratio_policy
            "ScatterElements", "ScatterND",   # reduction max/min
            "LpPool",                         # ceil_mode, dilations
            "OptionalGetElement", "OptionalHasElement",
        ],
    },
    19: {
        "new": ["DeformConv"],
        "changed": [
            "Cast", "CastLike", "QuantizeLinear", "DequantizeLinear",  # float8, saturate
            "Constant", "Identity", "Reshape", "Shape", "Size", "If", "Loop", "Scan",  # float8
            "Equal",        # string
            "AveragePool",  # dilations
            "Pad",          # mode wrap
            "Resize",       # half_pixel_symmetric
        ],
    },
    20: {
        "new": ["AffineGrid", "Gelu", "ImageDecoder", "RegexFullMatch", "StringConcat",
                "StringSplit"],
        "changed": ["ConstantOfShape", "DFT", "GridSample", "IsInf", "IsNaN", "ReduceMax",
                    "ReduceMin"],
    },
    21: {
        "new": [],
        "changed": [
            # int4/uint4
            "Cast", "CastLike", "Constant", "ConstantOfShape", "Identity", "If", "Loop",
            "Reshape", "Scan", "Shape", "Size",
            # float8 + int4/uint4
            "Flatten", "Pad", "Squeeze", "Transpose", "Unsqueeze",
            # blocked quantization
            "QuantizeLinear", "DequantizeLinear", "QLinearMatMul",
            # per-channel scale/bias, stash_type
            "GroupNormalization",
        ],
    },
    22: {
        "new": [],
        # bfloat16 for 48 ops
        "changed": [
            "Acos", "Acosh", "Asin", "Asinh", "Atan", "Atanh", "AveragePool", "Bernoulli", "Conv",
            "ConvTranspose", "Cos", "Cosh", "DeformConv", "Det", "Dropout", "Elu", "EyeLike",
            "GRU", "GlobalAveragePool", "GlobalLpPool", "GlobalMaxPool", "GridSample",
            "HardSigmoid", "HardSwish", "InstanceNormalization", "LSTM", "LpNormalization",
            "LpPool", "MaxPool", "MaxRoiPool", "MaxUnpool", "Mish", "Multinomial",
            "NegativeLogLikelihoodLoss", "RNN", "RandomNormal", "RandomNormalLike",
            "RandomUniform", "RandomUniformLike", "RoiAlign", "Round", "Selu", "Sin", "Sinh",
            "Softplus", "Softsign", "Tan", "ThresholdedRelu",
        ],
    },
    23: {
        "new": ["Attention", "RMSNormalization", "RotaryEmbedding"],
        "changed": [
            # float4e2m1
            "Cast", "CastLike", "Constant", "ConstantOfShape", "Flatten", "Identity", "If",
            "Loop", "Pad", "Reshape", "Scan", "Shape", "Size", "Squeeze", "Transpose",
            "Unsqueeze",
            "DequantizeLinear",  # output_dtype, float4
            "QuantizeLinear",    # precision, float4
        ],
    },
    24: {
        "new": ["Swish", "TensorScatter"],
        "changed": [
            # float8e8m0
            "Constant", "ConstantOfShape", "DequantizeLinear", "Flatten", "Identity", "If",
            "Loop", "Pad", "QuantizeLinear", "Reshape", "Scan", "Shape", "Size", "Squeeze",
            "Transpose", "Unsqueeze",
            "Cast", "CastLike",           # float8e8m0, round_mode
            "TopK", "SplitToSequence",    # bfloat16
            "Attention",                  # nonpad_kv_seqlen input
        ],
    },
    25: {
        "new": [],
        # int2/uint2
        "changed": [
            "Cast", "CastLike", "Constant", "ConstantOfShape", "DequantizeLinear", "Flatten",
            "Identity", "If", "Loop", "Pad", "QuantizeLinear", "Reshape", "Scan", "Shape", "Size",
            "Squeeze", "Transpose", "Unsqueeze",
        ],
    },
    26: {"new": ["BitCast", "CumProd"], "changed": []},
    27: {
        "new": ["CausalConvWithState", "LinearAttention"],
        "changed": ["Range"],  # float16/bfloat16, stash_type
    },
}
# (new, changed) per opset, as counted in the fact sheet.
AI_ONNX_STEP_COUNTS = {18: (8, 17), 19: (1, 16), 20: (6, 7), 21: (0, 20), 22: (0, 48),
                       23: (3, 18), 24: (2, 21), 25: (0, 18), 26: (2, 0), 27: (2, 1)}

# Versions that ONNX >= 1.18 marks deprecated at their own since_version while
# the op continues with a newer version. GroupNormalization-18 had per-group
# scale/bias; onnx >= 1.18's checker rejects it in opset 18..20 models and
# GroupNormalization-21 replaces it. It is kept in "ops" (onnx 1.13..1.17 and
# exporters produced it) and not in "removed", which means "the op is gone".
DEPRECATED_VERSIONS = {"GroupNormalization": [18]}

# ai.onnx.ml opsets 4..5.
ML_STEPS = {
    4: {"new": [], "changed": ["LabelEncoder"], "deprecated": []},
    5: {"new": ["TreeEnsemble"], "changed": [],
        # Tombstones: TreeEnsemble-5 replaces both.
        "deprecated": ["TreeEnsembleClassifier", "TreeEnsembleRegressor"]},
}


class GenError(Exception):
    pass


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def registry(domain, max_opset):
    """(versions, removed) from the installed onnx package, up to max_opset."""
    try:
        import onnx.defs  # noqa: PLC0415 - only needed here
    except ImportError as e:
        raise GenError("the onnx Python package is needed for opsets <= %d (Debian: "
                       "python3-onnx, run with /usr/bin/python3): %s" % (REGISTRY_MAX_OPSET, e))
    versions = {}
    removed = {}
    count = 0
    newest = 0
    for s in onnx.defs.get_all_schemas_with_history():
        if s.domain != domain or s.since_version > max_opset:
            continue
        count += 1
        newest = max(newest, s.since_version)
        if s.deprecated:
            if s.name in removed:
                raise GenError("%s deprecated twice" % s.name)
            removed[s.name] = s.since_version
        else:
            versions.setdefault(s.name, set()).add(s.since_version)
    if newest != max_opset:
        raise GenError("the onnx package has %s schemas only up to opset %d, need %d"
                       % (domain or "ai.onnx", newest, max_opset))
    for op, since in removed.items():
        if any(v > since for v in versions.get(op, ())):
            raise GenError("%s has versions after its deprecation" % op)
    return {k: sorted(v) for k, v in versions.items()}, removed, count


def apply_steps(versions, removed, steps, first, last):
    for opset in range(first, last + 1):
        step = steps[opset]
        for op in step["new"]:
            if op in versions or op in removed:
                raise GenError("opset %d: new op %s already exists" % (opset, op))
            versions[op] = [opset]
        for op in step["changed"]:
            if op not in versions or op in removed:
                raise GenError("opset %d: changed op %s does not exist" % (opset, op))
            if versions[op][-1] >= opset:
                raise GenError("opset %d: %s listed twice" % (opset, op))
            versions[op].append(opset)
        for op in step.get("deprecated", []):
            if op not in versions or op in removed:
                raise GenError("opset %d: deprecated op %s does not exist" % (opset, op))
            removed[op] = opset


def generate():
    for opset, (n_new, n_changed) in AI_ONNX_STEP_COUNTS.items():
        step = AI_ONNX_STEPS[opset]
        if (len(step["new"]), len(step["changed"])) != (n_new, n_changed):
            raise GenError("opset %d: table has %d new / %d changed ops, expected %d / %d"
                           % (opset, len(step["new"]), len(step["changed"]), n_new, n_changed))
        for key in ("new", "changed"):
            if len(set(step[key])) != len(step[key]):
                raise GenError("opset %d: duplicate in %s" % (opset, key))

    ops, removed, count = registry("", REGISTRY_MAX_OPSET)
    if count != EXPECTED_REGISTRY_COUNT:
        raise GenError("expected %d ai.onnx schema versions up to opset %d, the onnx package has %d"
                       % (EXPECTED_REGISTRY_COUNT, REGISTRY_MAX_OPSET, count))
    apply_steps(ops, removed, AI_ONNX_STEPS, REGISTRY_MAX_OPSET + 1, MAX_OPSET)
    for op, vs in DEPRECATED_VERSIONS.items():
        if any(v not in ops.get(op, []) for v in vs):
            raise GenError("deprecated version of %s is not a version" % op)

    ml_ops, ml_removed, _ = registry("ai.onnx.ml", REGISTRY_ML_MAX_OPSET)
    apply_steps(ml_ops, ml_removed, ML_STEPS, REGISTRY_ML_MAX_OPSET + 1, ML_MAX_OPSET)

    doc = {
        "format": FORMAT,
        "max_opset": MAX_OPSET,
        "ml_max_opset": ML_MAX_OPSET,
        "ops": ops,
        "removed": removed,
        "deprecated_versions": DEPRECATED_VERSIONS,
        "ml_ops": ml_ops,
        "ml_removed": ml_removed,
    }
    return render(doc)


def render(doc):
    """JSON with sorted keys, one op per line."""
    out = ["{"]
    keys = sorted(doc)
    for i, key in enumerate(keys):
        value = doc[key]
        comma = "," if i + 1 < len(keys) else ""
        if isinstance(value, dict):
            out.append("  %s: {" % json.dumps(key))
            names = sorted(value)
            for j, name in enumerate(names):
                inner = "," if j + 1 < len(names) else ""
                out.append("    %s: %s%s" % (json.dumps(name), json.dumps(value[name]), inner))
            out.append("  }" + comma)
        else:
            out.append("  %s: %s%s" % (json.dumps(key), json.dumps(value), comma))
    out.append("}")
    return "\n".join(out) + "\n"


def main(argv):
    root = repo_root()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--output", default=os.path.join(root, "data", "op_versions.json"))
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="do not write; exit 1 if --output differs from the generated text")
    mode.add_argument("--stdout", action="store_true", help="print the JSON instead of writing")
    args = ap.parse_args(argv)

    try:
        text = generate()
    except GenError as e:
        print("gen_op_versions: error: %s" % e, file=sys.stderr)
        return 2
    json.loads(text)  # the renderer must produce valid JSON

    return write_or_check("gen_op_versions", text, args.output, root, stdout=args.stdout, check=args.check,
                          regenerate="/usr/bin/python3 tools/gen_op_versions.py")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
