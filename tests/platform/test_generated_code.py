"""The generated Python code in libs/aquaerp-proto matches protos/ exactly."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_generated_code_is_fresh() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_protos.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, (
        "libs/aquaerp-proto is stale; run `uv run python scripts/gen_protos.py`:\n" + result.stderr
    )
