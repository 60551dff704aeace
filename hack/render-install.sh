#!/usr/bin/env bash
# Render deploy/install.yaml: the chart with its default values, for `kubectl apply -f`.
#
#   hack/render-install.sh           copy crds/bases into the chart, write deploy/install.yaml
#   hack/render-install.sh --stdout  print it instead (the CI check compares the two)
#
# Release gitops-reverser in namespace gitops-reverser-system; the Namespace itself comes
# first (helm does not render it), then the CRDs, then the chart's templates.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

HELM=${HELM:-$BIN_DIR/helm}
[ -x "$HELM" ] || die "helm is not installed at $HELM; run hack/install-tools.sh"
NAMESPACE=gitops-reverser-system

render() {
  cat <<HEADER
# gitops-reverser: the Helm chart charts/gitops-reverser rendered with its default values
# (release gitops-reverser, namespace $NAMESPACE) by hack/render-install.sh.
# Do not edit: change the chart and re-run the script. See docs/install.md.
---
apiVersion: v1
kind: Namespace
metadata:
  name: $NAMESPACE
  labels:
    app.kubernetes.io/name: gitops-reverser
HEADER
  "$HELM" template gitops-reverser "$REPO_ROOT/charts/gitops-reverser" \
    --namespace "$NAMESPACE" --include-crds
}

if [ "${1:-}" = --stdout ]; then
  render
else
  # The chart ships the CRDs byte for byte (a test compares them): crds/bases is the source.
  rm -f "$REPO_ROOT"/charts/gitops-reverser/crds/*.yaml
  cp "$REPO_ROOT"/crds/bases/*.yaml "$REPO_ROOT/charts/gitops-reverser/crds/"
  render >"$REPO_ROOT/deploy/install.yaml"
  note "wrote deploy/install.yaml"
fi
