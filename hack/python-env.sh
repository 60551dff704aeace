#!/usr/bin/env bash
# Create .venv and install the project with its dev extras; skipped when pyproject.toml is unchanged.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' ||
  die "$PYTHON is $("$PYTHON" --version 2>&1); Python >= 3.11 is required (set PYTHON=...)"
venv=$REPO_ROOT/.venv
stamp=$(sha256sum "$REPO_ROOT/pyproject.toml" | cut -c1-16)
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.installed" 2>/dev/null)" = "$stamp" ]; then
  note "python environment: up to date ($venv)"
  exit 0
fi
step "Installing Python dependencies into $venv"
[ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv" ||
  die "could not create a virtualenv (on Debian: apt-get install python3-venv)"
"$venv/bin/python" -m pip install --quiet --upgrade pip
run_with_progress "pip install" "$CACHE_DIR/pip-install.log" \
  "$venv/bin/python" -m pip install --progress-bar off -e "$REPO_ROOT[dev]"
echo "$stamp" >"$venv/.installed"
