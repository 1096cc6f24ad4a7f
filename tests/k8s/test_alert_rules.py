"""The PrometheusRule as shipped: promtool accepts it, its unit tests pass (tests/k8s/prometheus),
and the dashboards' queries are valid PromQL."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from k8s_render import K8S, run, tool

UNIT_TESTS = Path(__file__).parent / "prometheus"
DASHBOARDS = K8S / "components" / "monitoring" / "dashboards"


def rules_spec(rendered: dict[str, list[dict[str, Any]]], overlay: str) -> dict[str, Any]:
    (rule,) = [o for o in rendered[overlay] if o["kind"] == "PrometheusRule"]
    return rule["spec"]  # type: ignore[no-any-return]


def unit_test_dir(tmp_path: Path, spec: dict[str, Any]) -> Path:
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(spec, sort_keys=False))
    for test_file in UNIT_TESTS.glob("*_test.yaml"):
        shutil.copy(test_file, tmp_path)
    return tmp_path


@pytest.mark.parametrize("overlay", ["production", "staging"])
def test_promtool_accepts_the_rules(
    rendered: dict[str, list[dict[str, Any]]], tmp_path: Path, overlay: str
) -> None:
    directory = unit_test_dir(tmp_path, rules_spec(rendered, overlay))
    output = run(tool("promtool"), "check", "rules", str(directory / "rules.yaml")).stdout
    assert "SUCCESS" in output


def test_alert_rule_unit_tests_pass(
    rendered: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    directory = unit_test_dir(tmp_path, rules_spec(rendered, "production"))
    tests = sorted(p.name for p in directory.glob("*_test.yaml"))
    assert tests == [
        "gateway_slo_steady_test.yaml",
        "gateway_slo_test.yaml",
        "operations_test.yaml",
    ]
    result = run(tool("promtool"), "test", "rules", *tests, cwd=directory)
    assert result.stdout.count("SUCCESS") == len(tests), result.stdout


def test_unit_tests_catch_a_weakened_page(
    rendered: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """With burn-rate thresholds ten times too high, the 2 % case no longer pages: the unit
    tests must notice."""
    text = yaml.safe_dump(rules_spec(rendered, "production"), sort_keys=False)
    weakened = text.replace("(14.4 * 0.001)", "(144 * 0.001)").replace(
        "(6 * 0.001)", "(60 * 0.001)"
    )
    assert weakened != text
    directory = unit_test_dir(tmp_path, yaml.safe_load(weakened))
    result = run(
        tool("promtool"), "test", "rules", "gateway_slo_test.yaml", cwd=directory, check=False
    )
    assert result.returncode != 0
    assert "GatewayErrorBudgetFastBurn" in result.stdout + result.stderr


def test_every_alert_has_a_severity_and_a_runbook(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    runbook = (K8S.parent / "docs" / "operations" / "alerts.md").read_text()
    headings = {line[3:].strip().lower() for line in runbook.splitlines() if line.startswith("## ")}
    alerts = [
        r for g in rules_spec(rendered, "production")["groups"] for r in g["rules"] if "alert" in r
    ]
    assert len(alerts) >= 15
    for alert in alerts:
        assert alert["labels"]["severity"] in ("critical", "warning"), alert["alert"]
        path, _, anchor = alert["annotations"]["runbook"].partition("#")
        assert path == "docs/operations/alerts.md", alert["alert"]
        assert anchor in headings, f"{alert['alert']}: no section {anchor} in {path}"


def test_dashboard_queries_are_valid_promql(tmp_path: Path) -> None:
    boards = {p.stem: json.loads(p.read_text()) for p in sorted(DASHBOARDS.glob("*.json"))}
    assert set(boards) == {
        "overview",
        "gateway",
        "auth",
        "contrat",
        "intervention",
        "facture",
        "mailer",
        "stock",
        "workflow",
    }
    rules = []
    for name, board in boards.items():
        assert board["uid"] == f"aquaerp-{name}"
        for panel in board["panels"]:
            for target in panel.get("targets", []):
                rules.append(
                    {
                        "record": f"dashboard:{name}:{panel['id']}_{target['refId']}",
                        "expr": target["expr"],
                    }
                )
    assert len(rules) > 60
    path = tmp_path / "dashboards.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    run(tool("promtool"), "check", "rules", str(path))
