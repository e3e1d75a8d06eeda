#!/usr/bin/env bash
# Refuses the C functions that cannot be bounded or that read the locale (curl's checksrc
# list, STYLE.md 10): atoi, atof, sprintf, vsprintf, strcpy, strcat, strtok, gets.
set -u
root=$1
hits=$(grep -rnE '\b(atoi|atof|sprintf|vsprintf|strcpy|strcat|strtok|gets)\s*\(' \
         "$root/src" "$root/tests" "$root/fuzz" "$root/bench" --include='*.c' --include='*.h' |
       grep -vE '\b(snprintf|vsnprintf)\s*\(' || true)
if [ -n "$hits" ]; then
  echo "banned functions:"; echo "$hits"; exit 1
fi
echo "style: no banned function in src, tests, fuzz or bench"
