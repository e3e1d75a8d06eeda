#!/usr/bin/env python3
"""Every end-to-end case validates against schema/case.schema.json (except the ones that
test refusal), and every expected output against schema/output.schema.json: the schemas and
the code cannot drift apart."""
import glob
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    print("python3-jsonschema is not installed (scripts/deps installs it)")
    sys.exit(77)

root = sys.argv[1]
case_schema = json.load(open(os.path.join(root, "schema/case.schema.json")))
out_schema = json.load(open(os.path.join(root, "schema/output.schema.json")))
jsonschema.Draft202012Validator.check_schema(case_schema)
jsonschema.Draft202012Validator.check_schema(out_schema)
cv = jsonschema.Draft202012Validator(case_schema)
ov = jsonschema.Draft202012Validator(out_schema)
failed = 0
cases = outputs = 0
for path in sorted(glob.glob(os.path.join(root, "tests/cases/*/*.json")) +
                   glob.glob(os.path.join(root, "examples/*.json"))):
    doc = json.load(open(path))
    if path.endswith(".expected.json"):
        if "error" in doc:
            continue
        outputs += 1
        errs = list(ov.iter_errors(doc))
    else:
        cases += 1
        expected = path[:-5] + ".expected.json"
        if os.path.exists(expected) and "error" in json.load(open(expected)):
            continue  # a case that must be refused need not be valid
        errs = list(cv.iter_errors(doc))
    for e in errs[:3]:
        print(f"{path}: {'/'.join(str(x) for x in e.absolute_path)}: {e.message}")
    failed += bool(errs)
print(f"{cases} cases and {outputs} outputs checked against the schemas, {failed} invalid")
sys.exit(1 if failed or outputs == 0 else 0)
