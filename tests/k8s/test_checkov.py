"""checkov over the rendered staging and production manifests: no finding outside the short,
justified list in k8s/checkov-skips.yaml, and no stale entry in that list."""

from __future__ import annotations

import fnmatch
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from k8s_render import DEPLOYABLE, K8S, run, tool


@pytest.fixture(scope="module")
def checkov_findings(
    rendered: dict[str, list[dict[str, Any]]], tmp_path_factory: pytest.TempPathFactory
) -> list[dict[str, Any]]:
    """Failed checks of one checkov run over every deployable overlay (checkov is slow)."""
    directory = tmp_path_factory.mktemp("rendered")
    for overlay in DEPLOYABLE:
        path = directory / (overlay.replace("/", "-") + ".yaml")
        path.write_text(yaml.safe_dump_all(rendered[overlay], sort_keys=False))
    result = run(
        tool("checkov"),
        "--framework",
        "kubernetes",
        "--directory",
        str(directory),
        "--output",
        "json",
        "--quiet",
        "--compact",
        "--skip-download",
        check=False,
    )
    if result.returncode not in (0, 1):  # 1 means findings
        pytest.fail(
            f"checkov failed ({result.returncode}):\n{result.stderr[-3000:]}", pytrace=False
        )
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert reports and all(r["summary"]["parsing_errors"] == 0 for r in reports)
    assert sum(r["summary"]["resource_count"] for r in reports) > 100
    return [
        {**finding, "file": Path(finding["file_path"]).name}
        for report in reports
        for finding in report["results"]["failed_checks"]
    ]


def skips() -> list[dict[str, Any]]:
    entries = yaml.safe_load((K8S / "checkov-skips.yaml").read_text())
    for entry in entries:
        assert entry["reason"].strip(), entry["check"]
    return entries  # type: ignore[no-any-return]


def skipped_by(finding: dict[str, Any], entry: dict[str, Any]) -> bool:
    return finding["check_id"] == entry["check"] and any(
        fnmatch.fnmatchcase(finding["resource"], pattern) for pattern in entry["resources"]
    )


def test_checkov_finds_nothing_outside_the_skip_list(
    checkov_findings: list[dict[str, Any]],
) -> None:
    unexpected = [
        f"{f['check_id']} {f['check_name']}: {f['resource']} ({f['file']})"
        for f in checkov_findings
        if not any(skipped_by(f, entry) for entry in skips())
    ]
    assert not unexpected, "\n".join(sorted(set(unexpected)))


def test_every_skip_is_still_needed(checkov_findings: list[dict[str, Any]]) -> None:
    stale = [e["check"] for e in skips() if not any(skipped_by(f, e) for f in checkov_findings)]
    assert not stale, f"remove from k8s/checkov-skips.yaml: {stale}"


def test_the_skip_list_stays_short() -> None:
    assert len(skips()) <= 5
