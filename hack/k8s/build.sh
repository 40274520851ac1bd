#!/usr/bin/env bash
# Builds the control plane for integration tests and the lab into bin/k8s/,
# skipping what is already there: etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, kubectl (this module, from the
# Go module proxy) and kwok/kwokctl (go install at a pinned version). A first build
# takes about 25 minutes on 2 cores; Go's build cache makes later ones fast.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${K8S_BIN_DIR:-$root/bin/k8s}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
mkdir -p "$out"

build() { # name package
  if [ -x "$out/$1" ]; then echo "k8s-bins: $1 already built"; return; fi
  echo "k8s-bins: building $1 ($2)"
  local start=$SECONDS
  (cd "$here" && CGO_ENABLED=0 go build -trimpath -ldflags '-s -w' -o "$out/$1.tmp" "$2")
  mv "$out/$1.tmp" "$out/$1"
  echo "k8s-bins: $1 built in $((SECONDS - start))s"
}

install_kwok() { # name
  if [ -x "$out/$1" ]; then echo "k8s-bins: $1 already built"; return; fi
  echo "k8s-bins: installing $1 $KWOK_VERSION"
  local start=$SECONDS
  GOBIN="$out" CGO_ENABLED=0 go install -trimpath "sigs.k8s.io/kwok/cmd/$1@$KWOK_VERSION"
  echo "k8s-bins: $1 built in $((SECONDS - start))s"
}

build etcd go.etcd.io/etcd/server/v3
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
build kube-scheduler k8s.io/kubernetes/cmd/kube-scheduler
build kube-controller-manager k8s.io/kubernetes/cmd/kube-controller-manager
# kubectl: the fix scripts' commands are run with it against the control
# plane (cmd's integration tests), and make bench-live compares with it.
build kubectl k8s.io/kubernetes/cmd/kubectl
install_kwok kwok
install_kwok kwokctl
