# Sourced by the scripts: makes `uv` available on PATH (installed from PyPI into the user's
# site when missing, so child scripts find it too) and offers `sync_workspace`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$ROOT"

if ! command -v uv >/dev/null 2>&1; then
  PATH="$(python3 -m site --user-base)/bin:$PATH"
  export PATH
  if ! command -v uv >/dev/null 2>&1; then
    echo "installing uv from PyPI..." >&2
    python3 -m pip install --quiet --user uv 2>/dev/null \
      || python3 -m pip install --quiet --user --break-system-packages uv
  fi
fi

sync_workspace() {
  uv sync --all-packages --frozen --quiet
}
