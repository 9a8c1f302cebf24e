# Shared by the scripts: finds Python 3.10, makes .venv, installs the project when
# pyproject.toml changed, and exports the environment every process here runs with.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export RASA_TELEMETRY_ENABLED=false
export TF_CPP_MIN_LOG_LEVEL=2
export PYTHONUNBUFFERED=1
# Rasa 3.6 keeps its training cache here; keep it inside the checkout.
export RASA_CACHE_DIRECTORY="$ROOT/build/rasa-cache"

find_python310() {
  local c
  for c in python3.10 "$(pyenv root 2>/dev/null)"/versions/3.10*/bin/python3.10 \
           /usr/local/bin/python3.10 /usr/bin/python3.10; do
    if [ -x "$(command -v "$c" 2>/dev/null)" ] && \
       "$c" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  echo "Python 3.10 not found: Rasa 3.6 runs only on 3.10." >&2
  return 1
}

ensure_venv() {
  if [ ! -x .venv/bin/python ]; then
    echo "==> creating .venv with Python 3.10"
    "$(find_python310)" -m venv .venv
  fi
  local want have
  want="$(sha256sum pyproject.toml | cut -c1-16)"
  have="$(cat .venv/.installed 2>/dev/null || true)"
  if [ "$want" != "$have" ]; then
    echo "==> installing dependencies (a few minutes on a fresh machine; log: .venv/install.log)"
    if ! { .venv/bin/python -m pip install --upgrade "pip<25" &&
           .venv/bin/python -m pip install -e ".[dev]" &&
           .venv/bin/python -m pip check; } > .venv/install.log 2>&1; then
      tail -30 .venv/install.log; echo "installation failed; see .venv/install.log" >&2; return 1
    fi
    echo "$want" > .venv/.installed
  fi
  export PATH="$ROOT/.venv/bin:$PATH"
}

npm_ci() {
  # An npm package pinned by DIR/package-lock.json, installed (npm ci) when the lock file changed.
  local dir="$1" what="$2" want have
  want="$(sha256sum "$dir/package-lock.json" | cut -c1-16)"
  have="$(cat "$dir/node_modules/.installed" 2>/dev/null || true)"
  if [ "$want" != "$have" ]; then
    echo "==> installing $what (npm ci)"
    npm ci --prefix "$dir" --no-audit --no-fund > "$dir/npm.log" 2>&1 || {
      tail -20 "$dir/npm.log"; echo "npm ci failed; see $dir/npm.log" >&2; return 1; }
    echo "$want" > "$dir/node_modules/.installed"
  fi
}

ensure_webchat() {
  # The web chat widget (rasa-webchat) from the npm registry, pinned by webchat/package-lock.json.
  npm_ci webchat "the web chat widget"
}

ensure_charts() {
  # The console dashboard's charts (Apache ECharts), pinned by charts/package-lock.json.
  npm_ci charts "the dashboard's charts"
}

ensure_postgres() {
  # PostgreSQL server programs for tests/test_postgres.py (Debian keeps them off PATH).
  if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    echo "==> installing postgresql (apt)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; } \
      > build/apt-postgres.log 2>&1 || { tail -20 build/apt-postgres.log; echo "could not install postgresql" >&2; return 1; }
  fi
}

ensure_chromium() {
  # Headless Chromium for the browser tests, and a CJK font so screenshots are readable (Debian packages).
  if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null || ! fc-list :lang=zh | grep -q .; then
    echo "==> installing chromium and chromium-driver (apt)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver fonts-wqy-zenhei; } \
      > build/apt.log 2>&1 || { tail -20 build/apt.log; echo "could not install chromium" >&2; return 1; }
  fi
}
