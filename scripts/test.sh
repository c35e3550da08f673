#!/usr/bin/env bash
# Runs the ava suite, then prints one plain summary line: "N passed, N failed[, N skipped]".
# Any server a test file started and failed to stop (a crashed worker) is swept up here.
set -uo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp)
trap 'rm -f "$out"' EXIT
npx ava "$@" 2>&1 | tee "$out"
rc=${PIPESTATUS[0]}

# Leftovers: test servers live in temp folders named shopmesh-test-*; nothing may outlive the run.
tmp="${TMPDIR:-/tmp}"
if pgrep -f "${tmp%/}/shopmesh-test-" >/dev/null 2>&1; then
  echo "warning: killing test servers left running:" >&2
  pgrep -af "${tmp%/}/shopmesh-test-" >&2
  pkill -KILL -f "${tmp%/}/shopmesh-test-" || true
fi

count() { grep -Eo "^ *[0-9]+ (tests?|known failures?) $1" "$out" | tail -1 | grep -Eo '[0-9]+' | head -1; }
passed=$(count passed); failed=$(count failed); skipped=$(count skipped)
passed=${passed:-0}; failed=${failed:-0}; skipped=${skipped:-0}
# A crash, a timeout or an uncaught exception fails the run even when no test is marked failed.
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
if [ "$passed" -eq 0 ] && [ "$rc" -eq 0 ]; then echo "no test ran" >&2; rc=1; failed=1; fi
line="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && line="$line, $skipped skipped"
echo "$line"
exit "$rc"
