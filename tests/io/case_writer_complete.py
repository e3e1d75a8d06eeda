#!/usr/bin/env python3
"""The case writer cannot fall behind the reader: a field that the case format has, the
reader reads and `refract convert` does not write back would be lost from every converted
record. Two checks:
1. tests/io/data/full_case.json uses every property of schema/case.schema.json (so a field
   added to the format must be added to the full case too);
2. `refract convert` of the full case writes it back whole: the same JSON once the values
   the writer leaves out because they are the defaults (null, false) are dropped, numbers
   compared as numbers.
Usage: case_writer_complete.py REFRACT_BINARY SOURCE_DIR"""
import json
import os
import subprocess
import sys

binary, root = sys.argv[1], sys.argv[2]
schema = json.load(open(os.path.join(root, "schema/case.schema.json")))
full_path = os.path.join(root, "tests/io/data/full_case.json")
full = json.load(open(full_path))
defs = schema["$defs"]


def expand(node):
    """The node's keywords merged with those of the definitions it refers to ($ref may sit
    beside items or properties, as in `conditions: {$ref: list, items: ...}`)."""
    seen = []
    while isinstance(node, dict):
        seen.append(node)
        ref = node.get("$ref")
        if not ref:
            break
        node = defs[ref.rsplit("/", 1)[-1]]
    merged = {}
    for n in reversed(seen):
        for k, v in n.items():
            if k == "properties" and k in merged:
                merged[k] = {**merged[k], **v}
            elif k != "$ref":
                merged[k] = v
    return merged


def subschemas(node):
    yield node
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in node.get(key, []):
            yield expand(sub)


def properties(node, where, out, seen):
    node = expand(node)
    for sub in subschemas(node):
        for name, prop in sub.get("properties", {}).items():
            out.add(f"{where}.{name}")
            key = (f"{where}.{name}", json.dumps(prop, sort_keys=True))
            if key not in seen:
                seen.add(key)
                properties(prop, f"{where}.{name}", out, seen)
        if "items" in sub:
            properties(sub["items"], f"{where}[]", out, seen)


def used(node, value, where, out):
    node = expand(node)
    for sub in subschemas(node):
        if isinstance(value, dict):
            for name, prop in sub.get("properties", {}).items():
                if name in value:
                    out.add(f"{where}.{name}")
                    used(prop, value[name], f"{where}.{name}", out)
        if isinstance(value, list) and "items" in sub:
            for item in value:
                used(sub["items"], item, f"{where}[]", out)


declared, present = set(), set()
properties(schema, "$", declared, set())
used(schema, full, "$", present)
failed = 0
for path in sorted(declared - present):
    print(f"{full_path}: the case format's {path} is not used by the full case")
    failed += 1


def normal(value):
    """Drop the defaults the writer leaves out; numbers as floats."""
    if isinstance(value, dict):
        return {k: normal(v) for k, v in value.items() if v is not None and v is not False}
    if isinstance(value, list):
        return [normal(v) for v in value]
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return value


run = subprocess.run([binary, "convert", full_path], capture_output=True, text=True)
if run.returncode != 0:
    print(f"refract convert {full_path} failed ({run.returncode}): {run.stderr.strip()}")
    sys.exit(1)
written = json.loads(run.stdout)


def compare(a, b, where):
    global failed
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in b:
                print(f"{where}.{k}: read from the full case but not written by refract convert")
                failed += 1
            elif k not in a:
                print(f"{where}.{k}: written by refract convert but not in the full case")
                failed += 1
            else:
                compare(a[k], b[k], f"{where}.{k}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            compare(x, y, f"{where}[{i}]")
    elif a != b:
        print(f"{where}: full case has {json.dumps(a)}, refract convert wrote {json.dumps(b)}")
        failed += 1


compare(normal(full), normal(written), "$")
print(f"{len(declared)} case-format properties, {len(present)} used by the full case; "
      f"{failed} problem(s)")
sys.exit(1 if failed else 0)
