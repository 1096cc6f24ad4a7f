"""Regenerate the web app's API types (web/src/api/schema.d.ts) from the gateway's OpenAPI,
offline: the FastAPI app is built in-process (no service, no database: connections are lazy)
and its document is fed to openapi-typescript, at the version locked in web/package-lock.json.

uv run python scripts/gen_web_api.py            # write
uv run python scripts/gen_web_api.py --check    # exit 1 if the committed types are stale
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = ROOT / "web" / "src" / "api" / "schema.d.ts"
BUILD_WEB = ROOT / "scripts" / "build-web"
COMMAND = "uv run python scripts/gen_web_api.py"


def openapi_document() -> dict[str, Any]:
    """The OpenAPI the gateway serves in production (without the development-only routes)."""
    from aquaerp_gateway.app import create_app
    from aquaerp_gateway.config import GatewaySettings

    # Explicit values win over GATEWAY_* variables, so the document does not depend on the shell.
    settings = GatewaySettings(dev_routes=False, web_dist=None, cors_origins=[])
    return create_app(settings).openapi()


def render(document: dict[str, Any]) -> str:
    """schema.d.ts for the document, as openapi-typescript writes it."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "openapi.json"
        target = Path(tmp) / "schema.d.ts"
        source.write_text(json.dumps(document, indent=2, ensure_ascii=False), encoding="utf-8")
        # build-web runs npm with its Node.js, after `npm ci` when the lockfile changed. A field
        # with a default may be left out of a request body: not required in the types.
        subprocess.run(
            [
                str(BUILD_WEB),
                "npm",
                "exec",
                "--no",
                "--",
                "openapi-typescript",
                str(source),
                "--output",
                str(target),
                "--default-non-nullable",
                "false",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return target.read_text(encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if schema.d.ts is stale")
    args = parser.parse_args()
    wanted = render(openapi_document())
    if args.check:
        if SCHEMA.read_text(encoding="utf-8") != wanted:
            print(f"{SCHEMA.relative_to(ROOT)} is stale: run `{COMMAND}`", file=sys.stderr)
            return 1
        return 0
    SCHEMA.write_text(wanted, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
