#!/usr/bin/env bash
# The test command: install what is missing, lint, type-check, run every test.
# Extra arguments go to pytest (e.g. hack/test.sh tests/unit -x).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$REPO_ROOT"
mkdir -p "$CACHE_DIR"

start=$SECONDS
"$REPO_ROOT/hack/install-tools.sh"
"$REPO_ROOT/hack/python-env.sh"
note "set-up took $((SECONDS - start))s"

step "ruff"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
step "mypy (strict)"
.venv/bin/mypy

step "pytest"
set +e
.venv/bin/pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  die "pytest collected no tests: that is a failure, not a pass"
fi
exit "$status"
