#!/usr/bin/env bash
# The README's first command: install, train if needed, start both servers, chat.
source "$(dirname "$0")/env.sh"
ensure_venv
ensure_webchat
ensure_charts
python -m bot.training
exec python -m bot.serve "$@"
