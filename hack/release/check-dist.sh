#!/usr/bin/env bash
# Checks what make snapshot wrote into dist/: every archive holds both
# names of the binary, the kubectl completion helper, the licence, the
# README and the RBAC roles; the checksums match; and this platform's
# binary prints the version, commit and date it was stamped with.
#   check-dist.sh COMMIT
set -euo pipefail
cd "$(dirname "$0")/../.."
commit=$1
fail() { echo "check-dist: $*" >&2; exit 1; }
archives=(dist/tiergate_*.tar.gz dist/tiergate_*.zip)
[ ${#archives[@]} -eq 6 ] || fail "want 6 archives (linux, darwin, windows × amd64, arm64), got ${#archives[@]}"
for a in "${archives[@]}"; do
  case $a in
    *.zip) list=$(unzip -Z1 "$a"); exe=.exe ;;
    *) list=$(tar tzf "$a"); exe= ;;
  esac
  for f in "tiergate$exe" "kubectl-tiergate$exe" kubectl_complete-tiergate LICENSE README.md deploy/rbac/tiergate-readonly.yaml deploy/rbac/tiergate-apply.yaml; do
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
cmp -s "$tmp/tiergate" "$tmp/kubectl-tiergate" || fail "kubectl-tiergate differs from tiergate"
"$tmp/kubectl-tiergate" --help | grep -q "kubectl tiergate" || fail "kubectl-tiergate does not call itself 'kubectl tiergate'"
echo "check-dist: ${#archives[@]} archives, checksums and $goos/$goarch's version ($version, $commit) are right"
