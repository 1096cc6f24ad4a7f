"""The web app's API types are generated from the gateway's OpenAPI: a change of a route or a
schema in the gateway must come with the regenerated web/src/api/schema.d.ts (and the web code
that type-checks against it)."""

from __future__ import annotations

import subprocess
import sys

from local_stack import ROOT


def test_committed_api_types_match_the_gateway_openapi() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_web_api.py"), "--check"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, (
        "web/src/api/schema.d.ts differs from what the gateway's OpenAPI generates; regenerate it "
        "with `uv run python scripts/gen_web_api.py` and fix the web app against it "
        f"(`scripts/build-web npm run typecheck`).\n{result.stderr}"
    )
