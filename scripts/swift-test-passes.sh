#!/usr/bin/env bash
# The Swift suites, run by `make test` inside `scripts/pg-test-cluster.sh run`:
# 1. every suite on SQLite (the default store), but the timing-heavy end-to-end ones and the fault tests, which then
#    run on their own;
# 2. when the cluster is up, the store, server and dispatcher suites again with their stores on PostgreSQL
#    (WHISTLE_TEST_BACKEND=postgres; docs/plans/15-postgres.md §6), but suites that never touch a store. Tests that
#    read SQLite's own file, pragmas or plans say so and run in the first pass only; the fault tests (steps timed to
#    the second) run on their own;
# 3. the end-to-end timing tests, one suite at a time so they do not share the two cores: kill -9 and a long history
#    (DispatchCLITests), then three nodes on PostgreSQL losing two (NodeFailureTests).
# CI keeps only the tail of what a run prints, and a pass of 270 tests logs thousands of lines: when a pass fails, its
# failing tests and their expectations are printed again at the very end.
set -euo pipefail
swift=${SWIFT:-swift}
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

pass() { # pass NAME [ENV=VALUE ...] -- swift test arguments
	local name=$1; shift
	local env=()
	while [ "$1" != -- ]; do env+=("$1"); shift; done
	shift
	local log="$logs/$name.log" status=0 began=$SECONDS
	echo "== $(date -u +%H:%M:%S) the $name pass"
	env "${env[@]}" "$swift" test --skip-build "$@" 2>&1 | tee "$log" || status=$?
	if [ "$status" != 0 ]; then
		echo
		echo "== FAILED: the $name pass (exit $status). Its failures again:"
		grep -E '✘|recorded an issue|Expectation failed|: error:|Fatal error|Caught signal' "$log" | grep -v '^✘ Suite' | head -60 || true
		exit "$status"
	fi
	echo "== the $name pass took $((SECONDS - began)) s"
}

pass sqlite -- --skip 'DispatchCLITests|NodeFailureTests|FaultTests'
# The fault tests time steps to the second: alone, not beside 270 others on two cores (once, there, a step came late).
pass sqlite-faults -- --filter FaultTests
if [ -n "${WHISTLE_TEST_POSTGRES_URL:-}" ]; then
	echo "== the store, server and dispatcher suites again, on PostgreSQL"
	pass postgres WHISTLE_TEST_BACKEND=postgres -- \
		--filter 'WhistleStoreTests|WhistleServerTests|WhistleDispatchTests' --skip 'BothBackendsTests|SLAParityTests|SharedLimitsTests|FaultTests|ClientAddressTests'
	# The fault tests time steps to the second: alone, not beside 180 others and the cluster on two cores.
	pass postgres-faults WHISTLE_TEST_BACKEND=postgres -- --filter FaultTests
fi
pass kill-9 -- --filter DispatchCLITests
pass node-failure -- --filter NodeFailureTests
