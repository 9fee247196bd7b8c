#!/usr/bin/env bash
# The Swift suites, run by `make test` inside `scripts/pg-test-cluster.sh run`:
# 1. every suite on SQLite (the default store), but the timing-heavy end-to-end ones;
# 2. when the cluster is up, the store, server and dispatcher suites again with their stores on PostgreSQL
#    (WHISTLE_TEST_BACKEND=postgres; docs/plans/15-postgres.md §6). Tests that read SQLite's own file, pragmas or
#    plans say so and run in the first pass only; the fault tests (steps timed to the second) run on their own;
# 3. the end-to-end timing tests, one suite at a time so they do not share the two cores: kill -9 and a long history
#    (DispatchCLITests), then three nodes on PostgreSQL losing two (NodeFailureTests).
set -euo pipefail
swift=${SWIFT:-swift}
"$swift" test --skip-build --skip 'DispatchCLITests|NodeFailureTests'
if [ -n "${WHISTLE_TEST_POSTGRES_URL:-}" ]; then
	echo "== the store, server and dispatcher suites again, on PostgreSQL"
	WHISTLE_TEST_BACKEND=postgres "$swift" test --skip-build \
		--filter 'WhistleStoreTests|WhistleServerTests|WhistleDispatchTests' --skip 'BothBackendsTests|SLAParityTests|SharedLimitsTests|FaultTests'
	# The fault tests time steps to the second: alone, not beside 180 others and the cluster on two cores.
	WHISTLE_TEST_BACKEND=postgres "$swift" test --skip-build --filter FaultTests
fi
"$swift" test --skip-build --filter DispatchCLITests
"$swift" test --skip-build --filter NodeFailureTests
