#!/usr/bin/env bash
# Runs `litescope run --check` on every model that has a reference folder in ../shared/golden and prints one
# line per model: PASS, FAIL (outputs out of tolerance), UNSUPPORTED (an op or type the runtime lacks),
# ERROR (anything else). Usage: tests/tools/run_golden.sh [BUILD_DIR] [FILTER_REGEX]
set -u
here=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-$here/build}
filter=${2:-.}
shared=$here/../shared
cd "$shared/golden" || exit 1
find . -name manifest.json | sed 's|^\./||; s|/manifest.json$||' | sort | grep -E "$filter" | while read -r rel; do
  model=""
  for ext in tflite bin tfl; do [ -f "$shared/models/$rel.$ext" ] && model="$shared/models/$rel.$ext"; done
  [ -z "$model" ] && { echo "NOMODEL $rel"; continue; }
  out=$(timeout 120 "$build/bin/litescope" run "$model" --check "$shared/golden/$rel" 2>&1); rc=$?
  case $rc in
    0) echo "PASS $rel";;
    4) echo "FAIL $rel :: $(echo "$out" | grep -m1 FAIL)";;
    3) echo "UNSUPPORTED $rel :: $(echo "$out" | tail -1)";;
    *) echo "ERROR($rc) $rel :: $(echo "$out" | tail -1)";;
  esac
done
