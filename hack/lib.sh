# Shared shell helpers for hack/ scripts. Source it; it defines functions only.

REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE_DIR=${GITOPS_REVERSER_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/gitops-reverser}
BIN_DIR=$CACHE_DIR/bin
STAMP_DIR=$BIN_DIR/.stamps

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
note() { printf '    %s\n' "$*"; }
die() { printf '\033[31mERROR: %s\033[0m\n' "$*" >&2; exit 1; }

# run_with_progress LABEL LOGFILE CMD...: run CMD, printing a heartbeat every 30 s
# (elapsed time and log lines so far); on failure print the log tail and die.
run_with_progress() {
  local label=$1 log=$2; shift 2
  local start=$SECONDS
  "$@" >"$log" 2>&1 &
  local pid=$!
  while kill -0 "$pid" 2>/dev/null; do
    sleep 5
    if (( (SECONDS - start) % 30 < 5 )) && kill -0 "$pid" 2>/dev/null; then
      note "$label: $((SECONDS - start))s, $(wc -l <"$log") packages/log lines so far (log: $log)"
    fi
  done
  if ! wait "$pid"; then
    tail -n 30 "$log" >&2
    die "$label failed after $((SECONDS - start))s; full log: $log"
  fi
  note "$label: done in $((SECONDS - start))s"
}
