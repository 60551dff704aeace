#!/usr/bin/env bash
# Install every real component the tests and the demo use, into a cache folder.
#
#   cache: $GITOPS_REVERSER_CACHE, else $XDG_CACHE_HOME/gitops-reverser, else ~/.cache/gitops-reverser
#   pins:  hack/versions.env
#
# Go-built (from the Go module proxy): temporal (CLI + dev server + UI), sops,
# kube-apiserver, kubectl, etcd, helm. From Debian: age, git, openssh-server, haproxy.
# Idempotent: a stamp per tool records what was built; a second run only checks.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$REPO_ROOT/hack/versions.env"

mkdir -p "$BIN_DIR" "$STAMP_DIR"

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo "$@"
  else die "need root to run: $* (install the Debian packages $DEBIAN_PACKAGES yourself, then re-run)"
  fi
}

install_debian_packages() {
  local missing=()
  command -v age >/dev/null && command -v age-keygen >/dev/null || missing+=(age)
  command -v git >/dev/null || missing+=(git)
  [ -x /usr/sbin/sshd ] || command -v sshd >/dev/null || missing+=(openssh-server)
  command -v ssh-keygen >/dev/null || missing+=(openssh-client)
  if [ ${#missing[@]} -eq 0 ]; then note "debian packages: present"; return; fi
  command -v apt-get >/dev/null || die "missing ${missing[*]} and no apt-get: install them with your package manager"
  step "Installing Debian packages: ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# haproxy: the TLS terminator the tests put in front of the Temporal dev server (which
# serves plain gRPC) to prove mutual TLS end to end. It must announce ALPN h2, which the
# SDK's gRPC client insists on; stunnel cannot. Kept apart from the list above so it is
# installed, cached and reported on its own.
install_tls_terminator() {
  if command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ]; then
    note "haproxy: present ($(haproxy_version))"; return
  fi
  command -v apt-get >/dev/null || die "haproxy is missing and there is no apt-get: install haproxy (>= 2.2) with your package manager"
  step "Installing Debian package haproxy (TLS terminator for the mTLS tests)"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends haproxy >/dev/null
  note "haproxy: installed ($(haproxy_version))"
}

haproxy_version() {
  "$(command -v haproxy || echo /usr/sbin/haproxy)" -v 2>/dev/null | awk '/version/ {print $3; exit}'
}

check_go() {
  command -v go >/dev/null || die "Go >= $GO_MIN_VERSION is required to build the tools (https://go.dev/doc/install or Debian golang)"
  local have; have=$(go env GOVERSION | sed 's/^go//')
  if [ "$(printf '%s\n%s\n' "$GO_MIN_VERSION" "$have" | sort -V | head -n1)" != "$GO_MIN_VERSION" ]; then
    die "Go $have is too old: sops $SOPS_VERSION needs Go >= $GO_MIN_VERSION"
  fi
}

fresh() { # fresh TOOL STAMP: true when TOOL is installed from exactly STAMP
  [ -x "$BIN_DIR/$1" ] && [ "$(cat "$STAMP_DIR/$1" 2>/dev/null)" = "$2" ]
}

go_install() { # go_install TOOL MODULE_PATH VERSION
  local tool=$1 module=$2 version=$3 stamp="$2@$3"
  if fresh "$tool" "$stamp"; then note "$tool $version: cached"; return; fi
  step "Building $tool $version with Go (first time only)"
  local tmp; tmp=$(mktemp -d)
  run_with_progress "$tool" "$CACHE_DIR/$tool-build.log" env GOBIN="$tmp" go install -v "$module@$version"
  mv "$tmp/$tool" "$BIN_DIR/$tool" && rmdir "$tmp"
  echo "$stamp" >"$STAMP_DIR/$tool"
}

build_kubernetes_tools() {
  local module=$REPO_ROOT/hack/k8s-tools
  grep -q "k8s.io/kubernetes $KUBERNETES_VERSION" "$module/go.mod" ||
    die "hack/k8s-tools/go.mod does not require k8s.io/kubernetes $KUBERNETES_VERSION (hack/versions.env)"
  grep -q "go.etcd.io/etcd/server/v3 $ETCD_VERSION" "$module/go.mod" ||
    die "hack/k8s-tools/go.mod does not require etcd $ETCD_VERSION (hack/versions.env)"
  local stamp; stamp=$(cat "$module/go.mod" "$module/go.sum" "$module/tools.go" "$module/etcd/main.go" | sha256sum | cut -c1-16)
  if fresh kube-apiserver "$stamp" && fresh kubectl "$stamp" && fresh etcd "$stamp"; then
    note "kube-apiserver, kubectl $KUBERNETES_VERSION, etcd $ETCD_VERSION: cached"; return
  fi
  step "Building kube-apiserver + kubectl $KUBERNETES_VERSION and etcd $ETCD_VERSION (first time: ~10-20 min on 2 cores)"
  local tmp; tmp=$(mktemp -d)
  run_with_progress "kubernetes tools" "$CACHE_DIR/k8s-build.log" \
    bash -c "cd '$module' && go build -v -o '$tmp/' k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kubectl ./etcd"
  for tool in kube-apiserver kubectl etcd; do
    mv "$tmp/$tool" "$BIN_DIR/$tool"
    echo "$stamp" >"$STAMP_DIR/$tool"
  done
  rmdir "$tmp"
}

install_helm() { # the chart's lint/template tests and `helm install` in docs/install.md
  go_install helm helm.sh/helm/v4/cmd/helm "$HELM_VERSION"
}

step "Tools into $BIN_DIR"
install_debian_packages
install_tls_terminator
check_go
go_install temporal github.com/temporalio/cli/cmd/temporal "$TEMPORAL_CLI_VERSION"
go_install sops github.com/getsops/sops/v3/cmd/sops "$SOPS_VERSION"
build_kubernetes_tools
install_helm
