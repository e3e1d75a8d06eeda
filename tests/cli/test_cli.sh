#!/usr/bin/env bash
# The command line's contract: help on every command, the version with the knowledge
# version, exit statuses (0 ok, 1 kb check errors, 2 bad input, 3 knowledge did not load),
# errors that name where, site knowledge directories, and determinism.
set -u
bin=$1; root=$2
pass=0; fail=0
t() { # name, expected status, command...
  local name=$1 want=$2; shift 2
  out=$("$@" 2>&1); got=$?
  if [ "$got" = "$want" ]; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $name: status $got, wanted $want"; echo "$out" | head -5; fi
}
has() { # name, text, file
  if grep -qF -- "$2" "$3"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $1: no '$2' in output"; head -5 "$3"; fi
}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ex=$root/examples/depression-trd.json

t "help" 0 "$bin" --help
t "assess --help" 0 "$bin" assess --help
t "kb --help" 0 "$bin" kb --help
t "no command" 2 "$bin"
t "unknown command" 2 "$bin" frobnicate
t "version" 0 "$bin" --version
"$bin" --version > "$tmp/v"; has "version names the knowledge" "knowledge: refract-kb" "$tmp/v"

t "assess text" 0 "$bin" assess "$ex"
"$bin" assess "$ex" > "$tmp/text"
has "text disclaimer" "not a prescription" "$tmp/text"
has "text knowledge version" "knowledge: refract-kb" "$tmp/text"
t "assess json" 0 "$bin" assess --format json "$ex"
"$bin" assess --format json "$ex" > "$tmp/a.json"
"$bin" assess --format json "$ex" > "$tmp/b.json"
if cmp -s "$tmp/a.json" "$tmp/b.json"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL determinism"; fi
has "json knowledge version" '"knowledge_version": "refract-kb' "$tmp/a.json"
t "assess from stdin" 0 sh -c "\"$bin\" assess - < \"$ex\""
t "as-of override" 0 "$bin" assess --as-of 2025-01-01 "$ex"
t "bad as-of" 2 "$bin" assess --as-of 2025-13-01 "$ex"
t "bad format" 2 "$bin" assess --format xml "$ex"
t "missing file" 2 "$bin" assess "$tmp/none.json"

printf '{"refract_case": 1, "patient": {"sex": "female"}, "trials": [{"agent": "sertraline", "dose": {"value": -5, "unit": "mg"}}]}' > "$tmp/neg.json"
t "negative dose" 2 "$bin" assess "$tmp/neg.json"
"$bin" assess "$tmp/neg.json" 2> "$tmp/neg.err"; has "error names the path" '$.trials[0].dose.value' "$tmp/neg.err"
printf '{"refract_case": 1, "patient": {"sex": "female"}, "trials": [{"agent": "sertraline", "dose": {"value": 5, "unit": "mL"}, "frequency": "daily"}]}' > "$tmp/unit.json"
"$bin" assess "$tmp/unit.json" 2> "$tmp/unit.err"; has "unit does not fit the agent" 'does not fit sertraline' "$tmp/unit.err"
printf '{"refract_case": 1, "patient": {"sex": "female"}, "trials": [{"agent": "sertralin"}]}' > "$tmp/agent.json"
t "unknown agent" 2 "$bin" assess "$tmp/agent.json"
printf '{"refract_case": 1, "patient": ' > "$tmp/trunc.json"
t "malformed json" 2 "$bin" assess "$tmp/trunc.json"
python3 -c "print('{\"resourceType\": \"Bundle\", \"entry\": ' + '[' * 10000 + ']' * 10000 + '}')" > "$tmp/deep.json"
t "nesting 10,000 deep" 2 "$bin" assess "$tmp/deep.json"
"$bin" assess "$tmp/deep.json" 2> "$tmp/deep.err"; has "deep nesting names where" 'nesting deeper than' "$tmp/deep.err"

t "kb check clean" 0 "$bin" kb check
mkdir -p "$tmp/site" "$tmp/bad"
printf 'source site_protocol { citation: "Local protocol, 2026" }\ndisable strategy dep_ketamine_iv\n' > "$tmp/site/site.kb"
t "kb check site" 0 "$bin" kb check "$tmp/site"
"$bin" assess --kb-dir "$tmp/site" --format json "$ex" > "$tmp/site.json"
has "site named in version" ' site:site+' "$tmp/site.json"
if grep -q '"dep_ketamine_iv"' "$tmp/site.json"; then fail=$((fail+1)); echo "FAIL disable"; else pass=$((pass+1)); fi
printf 'let x = nope\n' > "$tmp/bad/bad.kb"
t "kb check errors" 1 "$bin" kb check "$tmp/bad"
"$bin" kb check "$tmp/bad" > "$tmp/bad.out"; has "kb error position" 'bad.kb:1:9: unknown name' "$tmp/bad.out"
t "assess with bad kb" 3 "$bin" assess --kb-dir "$tmp/bad" "$ex"
t "kb list" 0 "$bin" kb list
"$bin" kb list --format json > "$tmp/list.json"; has "kb list json ids" '"id": "regulatory_2ad_current_episode"' "$tmp/list.json"

echo "cli: $pass passed, $fail failed"
[ "$fail" = 0 ]
