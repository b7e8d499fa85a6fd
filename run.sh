#!/usr/bin/env bash
# Installs what is missing, builds Litescope (Release, in build/) and runs it with the given arguments.
# With no arguments it opens the GUI on the built-in demo model.
set -euo pipefail
cd "$(dirname "$0")"
.ci/install-deps
.ci/build >&2
exec build/bin/litescope "$@"
