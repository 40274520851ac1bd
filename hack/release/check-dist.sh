#!/usr/bin/env bash
# Checks what make snapshot wrote into dist/: every archive holds both
# names of the binary, the kubectl completion helper, the licence, the
# README and the RBAC roles; the checksums match; and this platform's
# binary prints the version, commit and date it was stamped with; and krew
# installs the plugin from the generated manifest and the archive.
#   KREW="go run sigs.k8s.io/krew/cmd/krew@VERSION" check-dist.sh COMMIT
set -euo pipefail
cd "$(dirname "$0")/../.."
commit=$1
KREW=${KREW:?the krew command, from the Makefile}
fail() { echo "check-dist: $*" >&2; exit 1; }
archives=(dist/tiergate_*.tar.gz dist/tiergate_*.zip)
[ ${#archives[@]} -eq 6 ] || fail "want 6 archives (linux, darwin, windows × amd64, arm64), got ${#archives[@]}"
for a in "${archives[@]}"; do
  case $a in
    *.zip) list=$(unzip -Z1 "$a"); exe=.exe ;;
    *) list=$(tar tzf "$a"); exe= ;;
  esac
  for f in "tiergate$exe" "kubectl-tiergate$exe" kubectl_complete-tiergate LICENSE README.md deploy/rbac/tiergate-readonly.yaml deploy/rbac/tiergate-metrics.yaml deploy/rbac/tiergate-probe.yaml deploy/rbac/tiergate-apply.yaml deploy/rbac/tiergate-reports.yaml deploy/rbac/tiergate-bench.yaml; do
    grep -qx "$f" <<<"$list" || fail "$a lacks $f"
  done
done
(cd dist && sha256sum --quiet -c checksums.txt) || fail "checksums.txt does not match the archives"
version=$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' dist/metadata.json)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
goos=$(go env GOOS) goarch=$(go env GOARCH)
tar xzf dist/tiergate_*_"${goos}_${goarch}".tar.gz -C "$tmp"
got=$("$tmp/tiergate" version -o json)
for want in "\"version\": \"$version\"" "\"commit\": \"$commit\""; do
  grep -qF "$want" <<<"$got" || fail "tiergate version says $got; want $want"
done
grep -qE '"date": "[0-9]{4}-[0-9]{2}-[0-9]{2}T' <<<"$got" || fail "tiergate version has no build date: $got"
cmp -s "$tmp/tiergate" "$tmp/kubectl-tiergate" || fail "kubectl-tiergate differs from tiergate"
# Named kubectl-tiergate, it shows itself as kubectl's plugin.
"$tmp/kubectl-tiergate" --help | grep -qx '  kubectl tiergate \[flags\]' || fail "kubectl-tiergate does not call itself 'kubectl tiergate'"
"$tmp/tiergate" --help | grep -qx '  tiergate \[flags\]' || fail "tiergate does not call itself tiergate"
# kubectl_complete-tiergate answers as kubectl expects: candidates, then
# cobra's ":<directive>" line.
comp=$(PATH="$tmp:$PATH" "$tmp/kubectl_complete-tiergate" completion "")
grep -qx bash <<<"$comp" && grep -qx ':4' <<<"$comp" || fail "kubectl_complete-tiergate answered: $comp"
# krew installs the plugin from its manifest and this archive, offline.
krew_root=$tmp/krew
KREW_ROOT=$krew_root $KREW install --manifest=dist/krew/tiergate.yaml --archive="$(ls dist/tiergate_*_"${goos}_${goarch}".tar.gz)" >/dev/null 2>"$tmp/krew.log" || fail "krew install: $(tail -3 "$tmp/krew.log")"
"$krew_root/bin/kubectl-tiergate" version -o json | grep -qF "\"commit\": \"$commit\"" || fail "the krew-installed plugin does not run"
echo "check-dist: ${#archives[@]} archives, checksums and $goos/$goarch's version ($version, $commit) are right"
