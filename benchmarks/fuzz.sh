#!/usr/bin/env bash
# Nightly-style fuzzing: every property-based test (marker "fuzz") with a large budget of generated
# inputs, 5,000 per test unless STANCE_FUZZ_EXAMPLES says otherwise. CI runs the same tests with
# their small default budgets (tests/_fuzz.py). Extra arguments go to pytest, e.g. -x or -k stream.
set -euo pipefail
cd "$(dirname "$0")/.."
export STANCE_FUZZ_EXAMPLES="${STANCE_FUZZ_EXAMPLES:-5000}"
exec python -m pytest -q -p no:cacheprovider -m fuzz tests "$@"
