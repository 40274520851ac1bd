#!/usr/bin/env bash
# govulncheck offline: its database is built from the golang.org/x/vulndb
# module (served by the Go module proxy; vuln.go.dev itself is not
# reachable from these machines) into bin/vulndb, then the code is
# checked against it. Versions come from the Makefile:
#   vulncheck.sh GOVULNCHECK_VERSION VULNDB_VERSION
# Exit 3 when a module this code calls into is vulnerable. Findings in
# the Go standard library are fixed by the Go that builds a release, not
# by this code: they are listed with the Go version that fixes them, and
# fail with VULNCHECK_STDLIB=fail (make release sets it).
set -uo pipefail
cd "$(dirname "$0")/../.."
vuln_version=$1 db_version=$2
db=bin/vulndb/$db_version
if [ ! -f "$db/index/db.json" ]; then
  if ! meta=$(go mod download -json "golang.org/x/vulndb@$db_version" 2>&1); then
    echo "govulncheck skipped: golang.org/x/vulndb@$db_version cannot be downloaded: $(printf '%s' "$meta" | grep -m1 '"Error"' || printf '%s' "$meta" | tail -1)"
    exit 0
  fi
  src=$(printf '%s\n' "$meta" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [ -d "$src/data/osv" ] || { echo "vulncheck: golang.org/x/vulndb@$db_version has no data/osv in $src" >&2; exit 1; }
  # Built aside and moved into place: an interrupted build is never reused.
  rm -rf "$db.tmp" && mkdir -p "$(dirname "$db")"
  go run "golang.org/x/vulndb/cmd/indexdb@$db_version" -vulns "$src/data/osv" -out "$db.tmp" || exit 1
  rm -rf "$db" && mv "$db.tmp" "$db"
fi
# The database is as new as its module version's date.
db_date=$(printf '%s' "$db_version" | sed -n 's/^v0\.0\.0-\([0-9]\{4\}\)\([0-9]\{2\}\)\([0-9]\{2\}\).*/\1-\2-\3/p')
echo "govulncheck $vuln_version, database golang.org/x/vulndb of ${db_date:-$db_version} (VULNDB_VERSION in the Makefile)"
# Installed, not run with go run: go run hides govulncheck's exit code.
tools=bin/tools/govulncheck-$vuln_version
[ -x "$tools/govulncheck" ] || GOBIN="$(pwd)/$tools" go install "golang.org/x/vuln/cmd/govulncheck@$vuln_version" || exit 1
out=$("$tools/govulncheck" -db "file://$(pwd)/$db" ./... 2>&1)
rc=$?
printf '%s\n' "$out"
case $rc in
  0) echo "govulncheck: no reachable vulnerability"; exit 0 ;;
  3) ;;
  *) exit "$rc" ;;
esac
found=$(printf '%s\n' "$out" | sed -n 's/^ *Found in: //p' | sort -u)
if [ -z "$found" ]; then
  echo "vulncheck: govulncheck reported vulnerabilities in a form this script does not read: failing" >&2
  exit 3
fi
modules=$(printf '%s\n' "$found" | grep -v '@go[0-9]' || true)
if [ -n "$modules" ]; then
  echo "govulncheck: vulnerable modules are reachable:" >&2
  printf '  %s\n' $modules >&2
  exit 3
fi
fixed=$(printf '%s\n' "$out" | sed -n 's/^ *Fixed in: .*@go//p' | sort -V | tail -1)
echo "govulncheck: WARNING: only the Go standard library is affected ($(go env GOVERSION) here); build releases with Go ${fixed:-newer} or later"
[ "${VULNCHECK_STDLIB:-warn}" = fail ] && exit 3
exit 0
