# Sourced by the scripts: makes `uv` available (installed from PyPI when missing) and the
# workspace synced from the lock file.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

if command -v uv >/dev/null 2>&1; then
  UV=(uv)
else
  if ! python3 -m uv --version >/dev/null 2>&1; then
    echo "installing uv from PyPI..." >&2
    python3 -m pip install --quiet --user uv 2>/dev/null \
      || python3 -m pip install --quiet --user --break-system-packages uv
  fi
  UV=(python3 -m uv)
fi

uv() { "${UV[@]}" "$@"; }

sync_workspace() {
  uv sync --all-packages --frozen --quiet
}
