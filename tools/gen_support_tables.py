#!/usr/bin/env python3
"""Generate data/support_tables.json from onnx-mlir's "Supported ONNX ops" docs.

Inputs (default: ../shared/reference/onnx-mlir relative to the repository root,
override with --reference DIR):
  SupportedONNXOps-NNPA.md  the NNPA table (5 columns, with a minimum NNPA level)
  SupportedONNXOps-cpu.md   the CPU table (4 columns, "none" rows for unsupported ops)
  SOURCE.txt                commit, commit date, VERSION_NUMBER and blob ids

Output: data/support_tables.json in zonnx's own format "zonnx.support-tables/1"
(documented in docs/support-tables.md). The output is deterministic: keys are
sorted and rows keep the (alphabetical) order of the docs.

  python3 tools/gen_support_tables.py            # rewrite data/support_tables.json
  python3 tools/gen_support_tables.py --check    # exit 1 if the committed file is stale
  python3 tools/gen_support_tables.py --stdout   # print instead of writing

Only the Python standard library is used. Any cell that does not match a known
format is an error: the generator must be taught about it rather than guess.
"""

import argparse
import hashlib
import json
import os
import re
import sys

from generated_file import write_or_check

FORMAT = "zonnx.support-tables/1"
NNPA_DOC = "SupportedONNXOps-NNPA.md"
CPU_DOC = "SupportedONNXOps-cpu.md"
SOURCE_TXT = "SOURCE.txt"
UPSTREAM_DIR = "docs"

# The opset that `zonnx convert --opset nnpa` targets. onnx-mlir's tables are
# written "up to opset 22", so 22 is the newest opset whose op versions the
# tables vouch for.
NNPA_RECOMMENDED_OPSET = 22

NNPA_HEADER = ["Op", "Supported Opsets (inclusive)", "Minimum NNPA Level(Inclusive)",
               "Limitations", "Notes"]
CPU_HEADER = ["Op", "Supported Opsets (inclusive)", "Limitations", "Notes"]

LOG_LEVEL_NOTE = ("The doc's level cell reads \"z16\" without \"- ^\". This is a "
                  "doc-generation artifact (the test-list tag is \"z16,arch15\" and the doc "
                  "script only knows z16/z17); onnx-mlir's legality check accepts the op on "
                  "z16 and newer, so zonnx treats it as z16 and newer.")


class DocError(Exception):
    pass


def repo_root():
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read_text(path):
    with open(path, "r", encoding="utf-8") as f:
        return f.read()


def git_blob_id(path):
    """The id git gives the file's content (sha1 of "blob <size>\\0<bytes>")."""
    with open(path, "rb") as f:
        data = f.read()
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def split_row(line):
    """Split a markdown table row into stripped cells (outer pipes removed)."""
    s = line.strip()
    if not (s.startswith("|") and s.endswith("|")):
        raise DocError("not a table row: %r" % line)
    return [c.strip() for c in s[1:-1].split("|")]


def table_rows(text, doc):
    """Return (header cells, list of (line number, cells)) of the single table in a doc."""
    lines = text.splitlines()
    header = None
    rows = []
    for i, line in enumerate(lines, start=1):
        s = line.strip()
        if not s.startswith("|"):
            if rows:
                break  # the table ended
            continue
        cells = split_row(s)
        if header is None:
            header = cells
            continue
        if all(re.fullmatch(r"-{3,}", c) for c in cells if c) and not rows:
            continue  # the separator line
        rows.append((i, cells))
    if header is None or not rows:
        raise DocError("%s: no table found" % doc)
    return header, rows


def max_opset_of(text, doc):
    m = re.findall(r"targeting up to opset (\d+)", text)
    if len(m) != 1:
        raise DocError("%s: expected one 'targeting up to opset N' sentence" % doc)
    return int(m[0])


def op_name(cell, where):
    m = re.fullmatch(r"\*\*([A-Za-z][A-Za-z0-9_]*)\*\*", cell)
    if not m:
        raise DocError("%s: op cell %r is not **Name**" % (where, cell))
    return m.group(1)


def opset_range(cell, where):
    """'6 - *' -> (6, 0); '6 - 21' -> (6, 21)."""
    m = re.fullmatch(r"(\d+)\s*-\s*(\*|\d+)", cell)
    if not m:
        raise DocError("%s: opset cell %r is neither 'N - *' nor 'N - M'" % (where, cell))
    lo = int(m.group(1))
    hi = 0 if m.group(2) == "*" else int(m.group(2))
    if hi and hi < lo:
        raise DocError("%s: empty opset range %r" % (where, cell))
    return lo, hi


def clean_text(cell):
    """Limitations/notes cell -> plain text. '<br>- ' separated items become lines
    joined by '\\n- '. A line holding only '.' (left by the doc script, which
    appends a final '.' after a trailing '<br>') is dropped."""
    parts = re.split(r"\s*<br>\s*", cell.strip())
    lines = [p.strip() for p in parts]
    lines = [p for p in lines if p and p not in (".", "- .")]
    if any(re.search(r"</?[a-zA-Z][^>]*>", p) for p in lines):
        raise DocError("unexpected HTML in cell %r" % cell)
    return "\n".join(lines)


def parse_level(cell, where):
    """Returns (level, note)."""
    m = re.fullmatch(r"(z16|z17)\s*-\s*\^", cell)
    if m:
        return m.group(1), ""
    if cell in ("z16", "z17"):
        # A level without "- ^" only comes from the doc script dropping an
        # unknown spelling (Log: "z16,arch15"). The code has no upper bound.
        return cell, LOG_LEVEL_NOTE
    raise DocError("%s: NNPA level cell %r not understood" % (where, cell))


def parse_nnpa(text):
    header, rows = table_rows(text, NNPA_DOC)
    if header != NNPA_HEADER:
        raise DocError("%s: unexpected header %r" % (NNPA_DOC, header))
    out = []
    for line, cells in rows:
        where = "%s:%d" % (NNPA_DOC, line)
        if len(cells) != 5:
            raise DocError("%s: expected 5 cells, got %d" % (where, len(cells)))
        op = op_name(cells[0], where)
        lo, hi = opset_range(cells[1], where)
        level, level_note = parse_level(cells[2], where)
        notes = clean_text(cells[4])
        if level_note:
            notes = (notes + "\n" if notes else "") + level_note
        out.append({
            "op": op,
            "min_opset": lo,
            "max_opset": hi,
            "min_level": level,
            "level_cell": cells[2],
            "limitations": clean_text(cells[3]),
            "notes": notes,
        })
    return out


def parse_cpu(text):
    header, rows = table_rows(text, CPU_DOC)
    if header != CPU_HEADER:
        raise DocError("%s: unexpected header %r" % (CPU_DOC, header))
    out = []
    for line, cells in rows:
        where = "%s:%d" % (CPU_DOC, line)
        op = op_name(cells[0], where)
        if cells[1] == "none":
            # Quirk of the doc script: unsupported rows carry one extra empty
            # cell ([op, "none", ""] followed by limitations and notes).
            if len(cells) == 5 and cells[2] == "":
                cells = [cells[0], cells[1], cells[3], cells[4]]
            if len(cells) != 4:
                raise DocError("%s: unexpected 'none' row layout" % where)
            out.append({"op": op, "supported": False, "min_opset": 0, "max_opset": 0,
                        "limitations": clean_text(cells[2]), "notes": clean_text(cells[3])})
            continue
        if len(cells) != 4:
            raise DocError("%s: expected 4 cells, got %d" % (where, len(cells)))
        lo, hi = opset_range(cells[1], where)
        out.append({"op": op, "supported": True, "min_opset": lo, "max_opset": hi,
                    "limitations": clean_text(cells[2]), "notes": clean_text(cells[3])})
    return out


def check_order(rows, doc):
    names = [r["op"] for r in rows]
    if len(set(names)) != len(names):
        raise DocError("%s: duplicate op rows" % doc)
    if names != sorted(names):
        raise DocError("%s: rows are not in byte order of op names" % doc)


def parse_source(text):
    def one(pattern, what):
        m = re.search(pattern, text, re.MULTILINE)
        if not m:
            raise DocError("%s: %s not found" % (SOURCE_TXT, what))
        return m.group(1).strip()

    # Only the "Top-level files" section describes the files we read; the
    # release-0.5.0.1 section further down has its own commit.
    top = text.split("release-0.5.0.1/ (", 1)[0]
    commit = re.search(r"^Commit\s*:\s*([0-9a-f]{40})\s*$", top, re.MULTILINE)
    date = re.search(r"^Commit date:\s*(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4})", top,
                     re.MULTILINE)
    version = re.search(r"^VERSION_NUMBER at that commit:\s*(\S+)\s*$", top, re.MULTILINE)
    if not (commit and date and version):
        raise DocError("%s: commit, date or VERSION_NUMBER missing" % SOURCE_TXT)
    blobs = {}
    for doc in (NNPA_DOC, CPU_DOC):
        m = re.search(re.escape(doc) + r"\s+<-\s+(\S+)\s*\n\s*\((?:[^)]*?)blob ([0-9a-f]{40})",
                      top)
        if not m:
            raise DocError("%s: no upstream path/blob for %s" % (SOURCE_TXT, doc))
        blobs[doc] = (m.group(1), m.group(2))
    return {
        "repository": one(r"^Repository\s*:\s*(\S+)", "repository"),
        "commit": commit.group(1),
        "date": date.group(1),
        "version": version.group(1),
        "blobs": blobs,
    }


def generate(ref_dir):
    nnpa_text = read_text(os.path.join(ref_dir, NNPA_DOC))
    cpu_text = read_text(os.path.join(ref_dir, CPU_DOC))
    source = parse_source(read_text(os.path.join(ref_dir, SOURCE_TXT)))

    max_nnpa = max_opset_of(nnpa_text, NNPA_DOC)
    max_cpu = max_opset_of(cpu_text, CPU_DOC)
    if max_nnpa != max_cpu:
        raise DocError("the docs disagree on the max opset (%d vs %d)" % (max_nnpa, max_cpu))

    nnpa = parse_nnpa(nnpa_text)
    cpu = parse_cpu(cpu_text)
    check_order(nnpa, NNPA_DOC)
    check_order(cpu, CPU_DOC)

    source_files = []
    for doc in (NNPA_DOC, CPU_DOC):
        upstream, blob = source["blobs"][doc]
        actual = git_blob_id(os.path.join(ref_dir, doc))
        if actual != blob:
            raise DocError("%s: content (git blob %s) is not the blob %s named in %s"
                           % (doc, actual, blob, SOURCE_TXT))
        source_files.append({
            "file": doc,
            "upstream_path": upstream,
            "git_blob": blob,
        })

    profile = {
        "name": "onnx-mlir main %s" % source["commit"][:7],
        "repository": source["repository"],
        "onnx_mlir_commit": source["commit"],
        "onnx_mlir_version": source["version"],
        "commit_date": source["date"],
        "table_max_opset": max_nnpa,
        "nnpa_recommended_opset": NNPA_RECOMMENDED_OPSET,
        "source_files": source_files,
    }
    doc = {"format": FORMAT, "profile": profile, "nnpa": nnpa, "cpu": cpu}
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def main(argv):
    root = repo_root()
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--reference", default=os.path.join(root, "..", "shared", "reference",
                                                        "onnx-mlir"),
                    help="folder with the onnx-mlir docs and SOURCE.txt")
    ap.add_argument("--output", default=os.path.join(root, "data", "support_tables.json"))
    mode = ap.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true",
                      help="do not write; exit 1 if --output differs from the generated text")
    mode.add_argument("--stdout", action="store_true", help="print the JSON instead of writing")
    args = ap.parse_args(argv)

    try:
        text = generate(os.path.normpath(args.reference))
    except (DocError, OSError) as e:
        print("gen_support_tables: error: %s" % e, file=sys.stderr)
        return 2

    return write_or_check("gen_support_tables", text, args.output, root, stdout=args.stdout, check=args.check,
                          regenerate="python3 tools/gen_support_tables.py")

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
