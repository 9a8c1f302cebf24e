#!/usr/bin/env bash
# Prints accuracy and speed figures (targets live here, not in the tests).
source "$(dirname "$0")/env.sh"
ensure_venv
python -m bot.training
exec python -m bench "$@"
