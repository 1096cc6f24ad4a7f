"""Alert routing as Alertmanager will run it: the AlertmanagerConfigs of
k8s/components/alerting are turned into an alertmanager.yml the way the Prometheus Operator
does (see `operator_config`), then `amtool check-config` and `amtool config routes test`
decide where each alert goes. The alert rules come from the rendered PrometheusRule, so a new
alert without a route fails here.

amtool comes from Debian's prometheus-alertmanager package (scripts/k8s-tools unpacks it); a
missing amtool is a test error that says so, never a skip.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from k8s_render import SHARED_CRDS, run, tool, tools_bin

UNIT_TESTS = Path(__file__).parent / "alerting"
AM_NAMESPACE = "monitoring"
# What the operator reads from the Secrets the AlertmanagerConfigs reference.
SMTP_SECRET = {("alertmanager-smtp", "password"): "relay-password"}
SLACK_SECRET = {
    ("alertmanager-slack", "webhook-url"): "https://hooks.slack.com/services/T000/B000/XXXX"
}
OFFICE_ALERTS = {
    "BillingRunFailed",
    "EmailDeliveryFailing",
    "EInvoicingDepositsPending",
    "DatabaseDumpTooOld",
    "DatabaseDumpNeverSucceeded",
    "VeleroBackupTooOld",
}


def amtool() -> str:
    if not (tools_bin() / "amtool").exists() and shutil.which("amtool") is None:
        pytest.fail(
            "amtool is not installed: run scripts/k8s-tools (it unpacks amtool from Debian's "
            "prometheus-alertmanager package), or apt-get install prometheus-alertmanager",
            pytrace=False,
        )
    return str(tool("amtool"))


# --- the operator's conversion -------------------------------------------------------------------
# Mirrors pkg/alertmanager/amcfg.go of prometheus-operator for the fields this component uses:
# receivers become "<namespace>/<name>/<receiver>", matchers become `name<op>"value"` strings,
# the global AlertmanagerConfig (Alertmanager.spec.alertmanagerConfiguration) is the root, and
# every other selected AlertmanagerConfig's route is prepended with `continue: true`. With the
# OnNamespaceExceptForAlertmanagerNamespace strategy only configs from other namespaces get a
# namespace matcher. A config whose Secret is missing is rejected and left out.


class MissingSecret(Exception):
    pass


def secret(secrets: dict[tuple[str, str], str], ref: dict[str, str]) -> str:
    try:
        return secrets[(ref["name"], ref["key"])]
    except KeyError:
        raise MissingSecret(f"{ref['name']}/{ref['key']}") from None


def matchers(items: Iterable[dict[str, Any]]) -> list[str]:
    # Without matchType (or the deprecated regex flag) a matcher is an equality.
    return [
        f"{m['name']}{m.get('matchType', '=~' if m.get('regex') else '=')}{json.dumps(m['value'])}"
        for m in items
    ]


def named(obj: dict[str, Any], receiver: str) -> str:
    return f"{obj['metadata']['namespace']}/{obj['metadata']['name']}/{receiver}"


def convert_route(obj: dict[str, Any], route: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"receiver": named(obj, route["receiver"])}
    fields = {
        "groupBy": "group_by",
        "groupWait": "group_wait",
        "groupInterval": "group_interval",
        "repeatInterval": "repeat_interval",
        "continue": "continue",
    }
    for field, name in fields.items():
        if field in route:
            out[name] = route[field]
    if route.get("matchers"):
        out["matchers"] = matchers(route["matchers"])
    if route.get("routes"):
        out["routes"] = [convert_route(obj, child) for child in route["routes"]]
    return out


def convert_receiver(
    obj: dict[str, Any], receiver: dict[str, Any], secrets: dict[tuple[str, str], str]
) -> dict[str, Any]:
    out: dict[str, Any] = {"name": named(obj, receiver["name"])}
    emails = []
    for email in receiver.get("emailConfigs", []):
        converted = {
            "to": email["to"],
            "from": email["from"],
            "smarthost": email["smarthost"],
            "auth_username": email["authUsername"],
            "auth_password": secret(secrets, email["authPassword"]),
            "require_tls": email["requireTLS"],
            "send_resolved": email["sendResolved"],
            "headers": {h["key"]: h["value"] for h in email.get("headers", [])},
        }
        converted |= {field: email[field] for field in ("html", "text") if field in email}
        emails.append(converted)
    if emails:
        out["email_configs"] = emails
    slacks = []
    for slack in receiver.get("slackConfigs", []):
        slacks.append(
            {
                "api_url": secret(secrets, slack["apiURL"]),
                "channel": slack["channel"],
                "send_resolved": slack["sendResolved"],
                "title": slack["title"],
                "text": slack["text"],
            }
        )
    if slacks:
        out["slack_configs"] = slacks
    return out


def convert_inhibit_rule(rule: dict[str, Any]) -> dict[str, Any]:
    return {
        "source_matchers": matchers(rule["sourceMatch"]),
        "target_matchers": matchers(rule["targetMatch"]),
        "equal": rule.get("equal", []),
    }


def operator_config(
    objects: list[dict[str, Any]], secrets: dict[tuple[str, str], str], global_name: str = "aquaerp"
) -> tuple[dict[str, Any], list[str]]:
    """The alertmanager.yml the operator generates, and the AlertmanagerConfigs it rejected."""
    configs = {
        o["metadata"]["name"]: o
        for o in objects
        if o["kind"] == "AlertmanagerConfig" and o["metadata"]["namespace"] == AM_NAMESPACE
    }
    root = configs.pop(global_name)
    config: dict[str, Any] = {
        "route": convert_route(root, root["spec"]["route"]),
        "receivers": [convert_receiver(root, r, secrets) for r in root["spec"]["receivers"]],
        "inhibit_rules": [convert_inhibit_rule(r) for r in root["spec"].get("inhibitRules", [])],
    }
    rejected = []
    prepended = []
    for name in sorted(configs):
        obj = configs[name]
        try:
            receivers = [convert_receiver(obj, r, secrets) for r in obj["spec"]["receivers"]]
        except MissingSecret:
            rejected.append(name)
            continue
        route = convert_route(obj, obj["spec"]["route"]) | {"continue": True}
        prepended.append(route)
        config["receivers"] += receivers
        config["inhibit_rules"] += [
            convert_inhibit_rule(r) for r in obj["spec"].get("inhibitRules", [])
        ]
    config["route"]["routes"] = prepended + config["route"].get("routes", [])
    return config, rejected


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alerting(rendered: dict[str, list[dict[str, Any]]]) -> list[dict[str, Any]]:
    objects = [o for o in rendered["production"] if o["kind"] == "AlertmanagerConfig"]
    assert {o["metadata"]["name"] for o in objects} == {"aquaerp", "aquaerp-slack"}
    return objects


@pytest.fixture(scope="module")
def alerts(rendered: dict[str, list[dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    (rule,) = [o for o in rendered["production"] if o["kind"] == "PrometheusRule"]
    return {r["alert"]: r for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r}


def write_config(tmp_path: Path, config: dict[str, Any], name: str = "alertmanager.yml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(config, sort_keys=False, allow_unicode=True))
    return path


@pytest.fixture
def with_slack(alerting: list[dict[str, Any]], tmp_path: Path) -> Path:
    config, rejected = operator_config(alerting, SMTP_SECRET | SLACK_SECRET)
    assert rejected == []
    return write_config(tmp_path, config, "with-slack.yml")


@pytest.fixture
def without_slack(alerting: list[dict[str, Any]], tmp_path: Path) -> Path:
    config, rejected = operator_config(alerting, SMTP_SECRET)
    assert rejected == ["aquaerp-slack"]
    return write_config(tmp_path, config, "without-slack.yml")


def routes_of(config: Path, labels: dict[str, str]) -> list[str]:
    result = run(
        amtool(),
        "config",
        "routes",
        "test",
        f"--config.file={config}",
        *(f"{name}={value}" for name, value in labels.items()),
    )
    # "monitoring/aquaerp/office,monitoring/aquaerp/ops-page" -> ["office", "ops-page"]
    return [name.rpartition("/")[2] for name in result.stdout.strip().split(",")]


def labels_of(rule: dict[str, Any], **extra: str) -> dict[str, str]:
    return {"alertname": rule["alert"], **rule["labels"], **extra}


# --- configuration -------------------------------------------------------------------------------


@pytest.mark.upstream_crd
@pytest.mark.parametrize("overlay", ["production", "staging"])
def test_alertmanager_configs_match_the_operator_crd(
    rendered: dict[str, list[dict[str, Any]]], overlay: str
) -> None:
    path = SHARED_CRDS / "monitoring.coreos.com_alertmanagerconfigs.yaml"
    if not path.exists():
        pytest.skip(f"{path} is absent: run scripts/k8s-crds (listed in the README)")

    class Loader(yaml.SafeLoader):
        pass

    # The CRD's matchType enum holds a bare "=", which PyYAML reads as its "value" tag.
    Loader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: node.value)
    crd = yaml.load(path.read_text(), Loader=Loader)
    (version,) = [v for v in crd["spec"]["versions"] if v["name"] == "v1alpha1"]
    validator = jsonschema.Draft4Validator(version["schema"]["openAPIV3Schema"])
    objects = [o for o in rendered[overlay] if o["kind"] == "AlertmanagerConfig"]
    assert len(objects) == 2
    for obj in objects:
        errors = [
            f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(obj)
        ]
        assert errors == [], obj["metadata"]["name"]


def test_the_configuration_validates_with_and_without_slack(
    with_slack: Path, without_slack: Path
) -> None:
    for config in (with_slack, without_slack):
        output = run(amtool(), "check-config", str(config)).stdout
        assert "SUCCESS" in output
    receivers = {r["name"] for r in yaml.safe_load(without_slack.read_text())["receivers"]}
    assert not any(name.endswith("/slack") for name in receivers)


def test_amtool_rejects_a_broken_route(alerting: list[dict[str, Any]], tmp_path: Path) -> None:
    config, _ = operator_config(alerting, SMTP_SECRET)
    config["route"]["routes"][-1]["receiver"] = "monitoring/aquaerp/nobody"
    result = run(amtool(), "check-config", str(write_config(tmp_path, config)), check=False)
    assert result.returncode != 0
    assert "nobody" in result.stdout + result.stderr


# --- routing -------------------------------------------------------------------------------------


def test_a_failed_billing_run_reaches_the_office_and_ops(
    alerts: dict[str, dict[str, Any]], with_slack: Path, without_slack: Path
) -> None:
    labels = labels_of(alerts["BillingRunFailed"])
    assert labels["severity"] == "critical"
    assert routes_of(without_slack, labels) == ["office", "ops-page"]
    assert routes_of(with_slack, labels) == ["slack", "office", "ops-page"]


def test_a_gateway_down_pages(alerts: dict[str, dict[str, Any]], without_slack: Path) -> None:
    assert routes_of(without_slack, labels_of(alerts["GatewayDown"], job="gateway")) == ["ops-page"]


def test_every_alert_reaches_ops_by_severity(
    alerts: dict[str, dict[str, Any]], without_slack: Path
) -> None:
    for name, rule in alerts.items():
        expected = {"critical": "ops-page", "warning": "ops-ticket"}[rule["labels"]["severity"]]
        receivers = routes_of(without_slack, labels_of(rule, job="facture"))
        assert receivers[-1] == expected, name
        assert "null" not in receivers, name


def test_business_alerts_reach_the_office_in_french(
    alerts: dict[str, dict[str, Any]], without_slack: Path
) -> None:
    french = {name for name, rule in alerts.items() if "summary_fr" in rule["annotations"]}
    assert french == OFFICE_ALERTS
    for name, rule in alerts.items():
        receivers = routes_of(without_slack, labels_of(rule))
        assert ("office" in receivers) == (name in OFFICE_ALERTS), name
        if name in OFFICE_ALERTS:
            assert rule["annotations"]["description_fr"].strip(), name


def test_platform_alerts_reach_ops_and_the_watchdog_reaches_nobody(without_slack: Path) -> None:
    # kube-prometheus-stack's own rules go through the same tree (the cluster is AquaERP's).
    assert routes_of(without_slack, {"alertname": "KubeNodeNotReady", "severity": "warning"}) == [
        "ops-ticket"
    ]
    assert routes_of(without_slack, {"alertname": "Watchdog", "severity": "none"}) == ["null"]


def test_staging_never_mails_the_office(
    rendered: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    objects = [o for o in rendered["staging"] if o["kind"] == "AlertmanagerConfig"]
    config, _ = operator_config(objects, SMTP_SECRET)
    addresses = {
        email["to"]
        for receiver in config["receivers"]
        for email in receiver.get("email_configs", [])
    }
    assert addresses == {"ops@aquaerp.cloud"}
    path = write_config(tmp_path, config)
    run(amtool(), "check-config", str(path))
    subjects = [
        email["headers"]["Subject"]
        for receiver in config["receivers"]
        for email in receiver.get("email_configs", [])
    ]
    assert all(subject.startswith("[staging]") for subject in subjects)


# --- inhibition ----------------------------------------------------------------------------------


def matches(matcher_list: list[str], labels: dict[str, str]) -> bool:
    """Alertmanager's label matchers (`=`, `!=`, `=~`, `!~`; regexes are anchored)."""
    for matcher in matcher_list:
        found = re.fullmatch(r'(\w+)(=~|!~|!=|=)(".*")', matcher)
        assert found, matcher
        name, op, quoted = found.groups()
        value, actual = json.loads(quoted), labels.get(name, "")
        hit = re.fullmatch(value, actual) is not None if op in ("=~", "!~") else value == actual
        if hit == (op in ("!=", "!~")):
            return False
    return True


def inhibited(config: dict[str, Any], source: dict[str, str], target: dict[str, str]) -> bool:
    return any(
        matches(rule["source_matchers"], source)
        and matches(rule["target_matchers"], target)
        and all(source.get(label, "") == target.get(label, "") for label in rule["equal"])
        for rule in config["inhibit_rules"]
    )


def test_a_service_down_inhibits_its_latency_and_error_alerts(
    alerts: dict[str, dict[str, Any]], alerting: list[dict[str, Any]]
) -> None:
    config, _ = operator_config(alerting, SMTP_SECRET)
    gateway_down = labels_of(alerts["GatewayDown"], job="gateway")
    assert inhibited(config, gateway_down, labels_of(alerts["GatewayLatencyHigh"], job="gateway"))
    facture_down = labels_of(alerts["ServiceDown"], job="facture")
    for name in ("GrpcLatencyHigh", "GrpcServerErrors"):
        assert inhibited(config, facture_down, labels_of(alerts[name], job="facture")), name
        # Another service's latency still alerts.
        assert not inhibited(config, facture_down, labels_of(alerts[name], job="contrat")), name
    # Business alerts are never hidden by an outage.
    assert not inhibited(config, facture_down, labels_of(alerts["BillingRunFailed"], job="facture"))


def test_the_latency_alert_carries_the_job_the_inhibition_compares(
    alerts: dict[str, dict[str, Any]],
) -> None:
    assert "by (job, le)" in alerts["GatewayLatencyHigh"]["expr"]
    assert "by (job, le)" in alerts["GrpcLatencyHigh"]["expr"]


def test_availability_alerts_fire_as_specified(
    rendered: dict[str, list[dict[str, Any]]], tmp_path: Path
) -> None:
    """promtool unit tests of GatewayDown, ServiceDown and EInvoicingDepositsPending."""
    (rule,) = [o for o in rendered["production"] if o["kind"] == "PrometheusRule"]
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(rule["spec"], sort_keys=False))
    tests = sorted(p.name for p in UNIT_TESTS.glob("*_test.yaml"))
    assert tests == ["availability_test.yaml"]
    for test in tests:
        shutil.copy(UNIT_TESTS / test, tmp_path)
    result = run(tool("promtool"), "test", "rules", *tests, cwd=tmp_path)
    assert result.stdout.count("SUCCESS") == len(tests), result.stdout


# --- a real Alertmanager -------------------------------------------------------------------------


def alertmanager() -> str:
    for name in ("alertmanager", "prometheus-alertmanager"):
        if (tools_bin() / name).exists() or shutil.which(name):
            return str(tool(name))
    pytest.fail(
        "alertmanager is not installed: Debian's prometheus-alertmanager package provides it "
        "(with its templates under /usr/share/prometheus/alertmanager)",
        pytrace=False,
    )


def test_a_real_alertmanager_mails_the_office_in_french_pages_ops_and_inhibits(
    alerting: list[dict[str, Any]], alerts: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    """The generated configuration in Alertmanager itself, mail going to an SMTP sink: the
    office gets the billing failure in French, ops get pages, and the gateway's latency alert
    is held back while the gateway is down. Only the relay (the sink, without TLS or login) and
    the waits before the first notification (1 s) differ from production."""
    import email
    import email.policy
    import socket
    import subprocess
    import time
    import urllib.request

    from aiosmtpd.controller import Controller
    from aquaerp_stack.mail_sink import MaildirHandler

    def free_port() -> int:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])

    config, _ = operator_config(alerting, SMTP_SECRET)
    smtp_port, web_port = free_port(), free_port()

    def fast(route: dict[str, Any]) -> None:
        if "group_wait" in route or route is config["route"]:
            route["group_wait"] = "1s"
        for child in route.get("routes", []):
            fast(child)

    fast(config["route"])
    for receiver in config["receivers"]:
        for mail in receiver.get("email_configs", []):
            mail |= {"smarthost": f"127.0.0.1:{smtp_port}", "require_tls": False}
            del mail["auth_username"], mail["auth_password"]
    path = write_config(tmp_path, config)
    sink = Controller(MaildirHandler(tmp_path / "mail"), hostname="127.0.0.1", port=smtp_port)
    sink.start()
    server = subprocess.Popen(
        [
            alertmanager(),
            f"--config.file={path}",
            f"--storage.path={tmp_path / 'data'}",
            f"--web.listen-address=127.0.0.1:{web_port}",
            "--cluster.listen-address=",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    url = f"http://127.0.0.1:{web_port}"
    try:

        def api(path: str, body: Any = None) -> Any:
            data = json.dumps(body).encode() if body is not None else None
            request = urllib.request.Request(
                url + path, data=data, headers={"Content-Type": "application/json"}
            )
            with urllib.request.urlopen(request, timeout=5) as response:
                return json.loads(response.read() or b"null")

        deadline = time.monotonic() + 30
        while True:
            try:
                api("/api/v2/status")
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        "alertmanager did not start (Debian's build reads its templates from "
                        "/usr/share/prometheus/alertmanager: install prometheus-alertmanager):\n"
                        + server.communicate()[0],
                        pytrace=False,
                    )
                time.sleep(0.2)

        def alert(name: str, **labels: str) -> dict[str, Any]:
            rule = alerts[name]
            return {
                "labels": {"alertname": name, **rule["labels"], **labels},
                "annotations": {
                    key: value.replace("{{ $value | humanizePercentage }}", "100%")
                    for key, value in rule["annotations"].items()
                },
            }

        api(
            "/api/v2/alerts",
            [
                alert("BillingRunFailed"),
                alert("GatewayDown", job="gateway"),
                alert("GatewayLatencyHigh", job="gateway"),
            ],
        )
        deadline = time.monotonic() + 30
        while len(list((tmp_path / "mail").glob("*.eml"))) < 3 and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # nothing more should come
        mails = [
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted((tmp_path / "mail").glob("*.eml"))
        ]
        sent = sorted((str(m["To"]), str(m["Subject"]).strip()) for m in mails)
        assert sent == [
            ("bureau@aquaerp.cloud", "[AquaERP] À traiter : Une facturation périodique a échoué."),
            ("ops@aquaerp.cloud", "[PAGE] FIRING BillingRunFailed"),
            ("ops@aquaerp.cloud", "[PAGE] FIRING GatewayDown gateway"),
        ], sent
        office = next(m for m in mails if m["To"] == "bureau@aquaerp.cloud")
        text = office.get_body(("plain",)).get_content()  # type: ignore[union-attr]
        assert "Les clients ne sont pas facturés pour la période." in text
        states = {
            a["labels"]["alertname"]: a["status"]["inhibitedBy"] for a in api("/api/v2/alerts")
        }
        assert states["GatewayLatencyHigh"] != [] and states["GatewayDown"] == []
    finally:
        server.terminate()
        server.wait(10)
        sink.stop()
