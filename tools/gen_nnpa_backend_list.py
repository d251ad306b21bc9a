#!/usr/bin/env python3
"""Extract onnx-mlir's NNPA backend test lists into data/nnpa_backend_tests.json.

onnx-mlir's test/accelerators/NNPA/backend/CMakeLists.txt lists, per NNPA
level, the ONNX node tests its NNPA backend runs (NNPA_TEST_LIST_z16 at
--march=z16, NNPA_TEST_LIST_ARCH_15 at --march=arch15 = z17). Enabled entries
are compiled and checked for the named zDNN instruction; commented-out entries
are cases the backend does not run, some with a comment saying why.

Usage:
  tools/gen_nnpa_backend_list.py [--git-dir DIR] [--commit SHA] [--cmake FILE]
                                 [--curated FILE] [-o data/nnpa_backend_tests.json]

By default the CMakeLists.txt is read from the onnx-mlir mirror with `git show`.
Curated fields (commented-out entries whose reason is the section's ==LIM==
text, and the documented expected disagreements) are kept from the existing
output file so regenerating does not lose them.
"""

import argparse
import json
import os
import re
import subprocess
import sys

CMAKE_PATH = "test/accelerators/NNPA/backend/CMakeLists.txt"
DEFAULT_GIT_DIR = "/work/.mirror/onnx+onnx-mlir/repo"
DEFAULT_COMMIT = "ec744fe6d3d077f002200e5c6bb0c3c4ba777af3"
LISTS = {"NNPA_TEST_LIST_z16": "z16", "NNPA_TEST_LIST_ARCH_15": "z17"}

# A comment that states a legality limit (as opposed to accuracy or TODO notes).
LEGALITY_WORDS = re.compile(r"not supported|doesn't run on NNPA|does not run on NNPA|must be", re.I)
ENTRY = re.compile(r"^(test_[A-Za-z0-9_]+_cpu)\b(.*)$")
TAG = re.compile(r"^==([A-Z_]+)==\s*(.*)$")
# A free comment naming an op section without tags, e.g. "# Gemm Transpose", "# GlobalMaxPool".
SECTION = re.compile(r"^([A-Z][A-Za-z0-9]+)(?: [A-Z][a-z]+)?$")


def split_flags(rest):
    """Splits ',zdnn_add,"0:0=a,1=b"' into ['zdnn_add', '0:0=a,1=b'] honouring quotes."""
    flags, cur, quoted = [], "", False
    for ch in rest:
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            if cur.strip():
                flags.append(cur.strip())
            cur = ""
        else:
            cur += ch
    if cur.strip():
        flags.append(cur.strip())
    return flags


def describe_flags(flags):
    """test.py reads field 1 as the symbol the compiled library must export
    (checked with TEST_INSTRUCTION_CHECK) and fields 2.. joined as --dimParams;
    the CMake list drops entries ending in NO_DYNAMIC_SHAPE_TEST from the dynamic runs."""
    dim_params = ",".join(flags[1:]) if len(flags) > 1 else None
    return {
        "instruction": flags[0] if flags else None,
        "dim_params": dim_params,
        "dynamic_test": dim_params != "NO_DYNAMIC_SHAPE_TEST",
    }


def parse(text):
    lists = {}
    for var, march in LISTS.items():
        m = re.search(r"set\(" + var + r"\b(.*?)\n\)", text, re.S)
        if not m:
            raise SystemExit(f"{var} not found")
        enabled, commented = [], []
        op, lim, pending_comment, after_lim = None, None, None, False
        for raw in m.group(1).splitlines():
            line = raw.strip()
            if not line:
                pending_comment, after_lim = None, False
                continue
            if not line.startswith("#"):
                em = ENTRY.match(line)
                if not em:
                    continue
                name, rest = em.group(1), em.group(2)
                entry = {"test": name, "model": name[: -len("_cpu")], "op": op}
                entry.update(describe_flags(split_flags(rest)))
                enabled.append(entry)
                pending_comment = None
                continue
            body = line.lstrip("#").strip()
            tm = TAG.match(body)
            if tm:
                tag, value = tm.group(1), tm.group(2).strip()
                if tag == "OP":
                    op, lim = value, None
                elif tag == "LIM":
                    lim = value
                pending_comment, after_lim = None, tag == "LIM"
                continue
            em = ENTRY.match(body)
            if em:
                after_lim = False
                name, rest = em.group(1), em.group(2)
                inline = None
                if "#" in rest:
                    rest, inline = rest.split("#", 1)
                    inline = inline.strip()
                comment = inline or pending_comment
                entry = {
                    "test": name,
                    "model": name[: -len("_cpu")],
                    "op": op,
                    "comment": comment,
                    "legality_limit": comment if comment and LEGALITY_WORDS.search(comment) else None,
                    "section_limitation": lim,
                }
                entry.update(describe_flags(split_flags(rest)))
                commented.append(entry)
                continue
            sm = SECTION.match(body)
            if sm and sm.group(1) not in ("To", "Commented", "Currrently", "Currently", "Error"):
                op = None if sm.group(1) == "Model" else sm.group(1)
                lim, pending_comment = None, None
                continue
            if after_lim:  # a comment line continuing the ==LIM== text (it may also introduce entries)
                lim = f"{lim} {body}"
            pending_comment = body
        lists[march] = {"cmake_list": var, "enabled": enabled, "commented_out": commented}
    return lists


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--git-dir", default=DEFAULT_GIT_DIR)
    ap.add_argument("--commit", default=DEFAULT_COMMIT)
    ap.add_argument("--cmake", help="read this file instead of git show COMMIT:" + CMAKE_PATH)
    ap.add_argument("-o", "--output", default=os.path.join(os.path.dirname(__file__), "..", "data",
                                                           "nnpa_backend_tests.json"))
    args = ap.parse_args()
    if args.cmake:
        with open(args.cmake, encoding="utf-8") as f:
            text = f.read()
    else:
        text = subprocess.run(["git", "-C", args.git_dir, "show", f"{args.commit}:{CMAKE_PATH}"],
                              check=True, capture_output=True, text=True).stdout
    lists = parse(text)
    curated = {"limit_from_section": {}, "limit_from_section_note": "", "expected_disagreements": []}
    if os.path.exists(args.output):
        with open(args.output, encoding="utf-8") as f:
            old = json.load(f)
        for key in curated:
            if key in old:
                curated[key] = old[key]
    # Curated: commented-out entries whose model violates the section's ==LIM== text.
    for march_lists in lists.values():
        for e in march_lists["commented_out"]:
            why = curated["limit_from_section"].get(e["test"])
            if why:
                e["legality_limit"] = why
                e["legality_limit_curated"] = True
    doc = {
        "source": {
            "repository": "github:onnx/onnx-mlir",
            "commit": args.commit,
            "path": CMAKE_PATH,
            "generator": "tools/gen_nnpa_backend_list.py",
        },
        "note": ("Enabled entries: onnx-mlir's NNPA backend compiles the ONNX node test model alone at that "
                 "--march and checks that the named zDNN instruction is called, so the tested op is placed on "
                 "NNPA. commented_out: entries the backend does not run; legality_limit is set when the "
                 "comment (or, curated in limit_from_section, the section's ==LIM== text) states a legality "
                 "limit, so the op is not placed on NNPA."),
        "lists": lists,
        "limit_from_section": curated["limit_from_section"],
        "limit_from_section_note": curated["limit_from_section_note"],
        "expected_disagreements": curated["expected_disagreements"],
    }
    with open(args.output, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    n = {m: (len(v["enabled"]), len(v["commented_out"])) for m, v in lists.items()}
    print(f"wrote {args.output}: {n}", file=sys.stderr)


if __name__ == "__main__":
    main()
