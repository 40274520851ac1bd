#!/usr/bin/env bash
# Puts a Prometheus server at bin/prometheus/prometheus for the metrics
# integration test: Debian's package (bookworm: 2.42), unpacked with
# dpkg-deb -x, so that no maintainer script runs and no service starts
# (the package's init script would listen on 0.0.0.0:9090). The binary
# needs only libc.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
out="${PROMETHEUS_DIR:-$root/bin/prometheus}"
if [ -x "$out/prometheus" ]; then
  echo "prometheus: $("$out/prometheus" --version 2>&1 | head -1)"
  exit 0
fi
command -v apt-get >/dev/null || { echo "prometheus: apt-get is needed to fetch Debian's package" >&2; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cd "$work"
# apt-get download needs the package lists; a fresh machine has none.
if ! apt-get download prometheus >/dev/null 2>&1; then
  apt-get update -qq
  apt-get download prometheus >/dev/null
fi
dpkg-deb -x prometheus_*.deb unpacked
mkdir -p "$out"
cp unpacked/usr/bin/prometheus "$out/prometheus.tmp"
mv "$out/prometheus.tmp" "$out/prometheus"
echo "prometheus: installed $("$out/prometheus" --version 2>&1 | head -1)"
