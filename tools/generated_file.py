"""Publishing a generated file the same way from every generator in tools/.

write_or_check(...) prints the text (--stdout), compares it with the file in the
tree (--check: exit 1 when it is out of date), or replaces the file atomically.
"""
import os
import sys


def write_or_check(tool, text, output, root, stdout=False, check=False, regenerate=None):
    """Returns the generator's exit status: 0 done / up to date, 1 out of date or unreadable."""
    shown = os.path.relpath(output, root)
    if stdout:
        sys.stdout.write(text)
        return 0
    if check:
        try:
            with open(output, "r", encoding="utf-8") as f:
                current = f.read()
        except OSError as e:
            print("%s: %s" % (tool, e), file=sys.stderr)
            return 1
        if current != text:
            print("%s: %s is out of date; run %s" % (tool, shown, regenerate or "tools/%s.py" % tool),
                  file=sys.stderr)
            return 1
        print("%s: %s is up to date" % (tool, shown))
        return 0
    tmp = output + ".tmp"
    with open(tmp, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    os.replace(tmp, output)
    print("%s: wrote %s" % (tool, shown))
    return 0
