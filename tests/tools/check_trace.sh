#!/usr/bin/env bash
# Opens a `litescope profile --trace` file in Chrome DevTools' trace engine (from the npm registry, installed
# once into tests/tools/trace_check/node_modules) and lists the tracks it sees. Not part of ./test.sh: it
# needs Node.js and the registry.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
[ $# -eq 1 ] || { echo "usage: $0 TRACE.json" >&2; exit 2; }
if [ ! -d "$here/trace_check/node_modules/@paulirish/trace_engine" ]; then
  (cd "$here/trace_check" && npm install --no-audit --no-fund --silent)
fi
node "$here/trace_check/check.mjs" "$1"
