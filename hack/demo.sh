#!/usr/bin/env bash
# The demo command: install what is missing, then run the local stack until Ctrl-C.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
mkdir -p "$CACHE_DIR"
"$REPO_ROOT/hack/install-tools.sh"
"$REPO_ROOT/hack/python-env.sh"
step "Starting the local stack"
exec .venv/bin/python hack/demo.py "$@"
