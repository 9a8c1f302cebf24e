#!/usr/bin/env bash
# The README's second command: every test. Trains once (model cached by input hash).
source "$(dirname "$0")/env.sh"
ensure_venv
ensure_webchat
ensure_charts
mkdir -p build && ensure_chromium && ensure_postgres
python -m bot.training
echo "==> set-up and training took ${SECONDS} s"
echo "==> Rasa test stories"
rasa test core --e2e --model "$(python -m bot.training --print-path)" \
  --stories tests/stories --endpoints endpoints.yml \
  --fail-on-prediction-errors --out build/rasa-test-results --quiet
echo "==> pytest on ${PYTEST_WORKERS:-2} workers (${SECONDS} s so far)"
# Each worker runs whole test files (module fixtures stay in one process) against its own servers.
python -m pytest -n "${PYTEST_WORKERS:-2}" --dist loadfile "$@"
echo "==> every test passed in ${SECONDS} s"
