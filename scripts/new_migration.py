"""Create a service's next migration by comparing its models with its migrated schema.

    uv run python scripts/new_migration.py facture -m "add payments"

Uses AQUAERP_DATABASE_URL when set, else the embedded PostgreSQL under .aquaerp/pgdata, and a
scratch database that is dropped afterwards. Review the generated file before committing it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from alembic import command
from aquaerp_runtime.migrations import alembic_config, upgrade
from aquaerp_runtime.postgres import ensure_database, start_embedded, with_database
from aquaerp_runtime.service import load_service


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("service")
    parser.add_argument("-m", "--message", required=True)
    options = parser.parse_args()
    spec = load_service(options.service)
    assert spec.migrations is not None, f"{spec.name} has no migrations folder"
    server_url = (
        os.environ.get("AQUAERP_DATABASE_URL") or start_embedded(Path(".aquaerp/pgdata"))[1]
    )
    url = with_database(server_url, f"scratch_{spec.name}")
    asyncio.run(ensure_database(url, recreate=True))
    upgrade(spec.migrations, url, spec.schema)
    config = alembic_config(spec.migrations, url, spec.schema)
    revisions = sorted((spec.migrations / "versions").glob("[0-9][0-9][0-9][0-9]_*.py"))
    command.revision(
        config,
        message=options.message,
        autogenerate=True,
        rev_id=f"{len(revisions) + 1:04d}",
    )


if __name__ == "__main__":
    main()
