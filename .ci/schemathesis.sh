#!/usr/bin/env bash
# Fuzz the live API against its own OpenAPI schema with schemathesis, once per role.
#
#   .ci/schemathesis.sh BASE_URL        e.g. .ci/schemathesis.sh http://127.0.0.1:8000
#
# The server must run on the demo data of `make setup` (users admin, alice, demo) with the rate
# limits and the sign-in lockout raised, or the fuzzer mostly measures the throttles:
#   THROTTLE_TOKEN_CLIENT_RATE=100000/min THROTTLE_TOKEN_USERNAME_RATE=100000/min \
#   THROTTLE_TICKET_CREATE_RATE=100000/min AXES_FAILURE_LIMIT=100000
# Runs as requester, then agent, then staff (staff last: it may delete demo rows), with every
# check; the per-operation settings and why they exist are in .ci/schemathesis.toml.
# Reports: var/artifacts/schemathesis-<role>.xml (JUnit) and .ndjson (every request).
# Exits non-zero when any run found a failure.
# Knobs: SCHEMATHESIS_MAX_EXAMPLES (default 20), SCHEMATHESIS_WORKERS (1), SCHEMATHESIS_SEED.
# One worker by default: with several threads, hypothesis' ast.parse of its filters hits a
# CPython 3.11 thread-safety bug ("AST constructor recursion depth mismatch"), a fuzzer error
# that says nothing about the API.
set -uo pipefail
cd "$(dirname "$0")/.."

BASE="${1:?usage: .ci/schemathesis.sh BASE_URL}"
BASE="${BASE%/}"
MAX_EXAMPLES="${SCHEMATHESIS_MAX_EXAMPLES:-20}"
WORKERS="${SCHEMATHESIS_WORKERS:-1}"
ARTIFACTS=var/artifacts
mkdir -p "$ARTIFACTS"

token() {
  curl -fsS -X POST "$BASE/api/token/" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"$2\"}" |
    .venv/bin/python -c 'import json, sys; print(json.load(sys.stdin)["access"])'
}

seed_args=()
if [ -n "${SCHEMATHESIS_SEED:-}" ]; then seed_args=(--seed "$SCHEMATHESIS_SEED"); fi

failed=()
for spec in "requester demo demo-pass" "agent alice agent-demo-pass" "staff admin admin-demo-pass"; do
  read -r role username password <<<"$spec"
  printf '\n==> schemathesis as %s (%s)\n' "$role" "$username"
  if ! access=$(token "$username" "$password"); then
    echo "could not get a token for $username at $BASE/api/token/"
    failed+=("$role")
    continue
  fi
  # Access tokens live JWT_ACCESS_MINUTES (15 by default): plenty for one run.
  .venv/bin/schemathesis --config-file .ci/schemathesis.toml run \
    "$BASE/api/schema/?format=json" \
    --url "$BASE" \
    --checks all \
    --max-examples "$MAX_EXAMPLES" \
    --workers "$WORKERS" \
    --header "Authorization: Bearer $access" \
    --report junit,ndjson \
    --report-junit-path "$ARTIFACTS/schemathesis-$role.xml" \
    --report-ndjson-path "$ARTIFACTS/schemathesis-$role.ndjson" \
    --no-color \
    "${seed_args[@]}"
  status=$?
  if [ "$status" -ne 0 ]; then failed+=("$role"); fi
done

if [ "${#failed[@]}" -ne 0 ]; then
  printf '\nschemathesis failed for: %s (reports in %s/)\n' "${failed[*]}" "$ARTIFACTS"
  exit 1
fi
printf '\nschemathesis: no failure for requester, agent and staff (reports in %s/)\n' "$ARTIFACTS"
