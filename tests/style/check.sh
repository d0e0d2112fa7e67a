#!/bin/sh
# check.sh — the style check itself is checked: it refuses a deliberately
# misformatted file that calls a banned function, and passes the tree.
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
if out=$("$root/scripts/check-style" "$root/tests/style/badly_formatted.c" 2>&1); then
  echo "check-style passed a badly formatted file with sprintf: $out" >&2
  exit 1
fi
echo "$out" | grep -q 'is not formatted' || { echo "no format finding: $out" >&2; exit 1; }
echo "$out" | grep -q 'banned function' || { echo "no banned-function finding: $out" >&2; exit 1; }
exec "$root/scripts/check-style"
