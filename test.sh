#!/usr/bin/env bash
# Installs what is missing, builds Litescope and runs every test (unit, corpus, CLI end to end, and the
# loader mutation test under AddressSanitizer + UndefinedBehaviorSanitizer).
set -euo pipefail
cd "$(dirname "$0")"
.ci/install-deps
.ci/build
jobs=$(nproc 2>/dev/null || echo 2)
ctest --test-dir build --output-on-failure --parallel "$jobs" --timeout 900 "$@"
