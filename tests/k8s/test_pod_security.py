"""Pod Security Standards, "restricted" profile (Kubernetes 1.30+), checked on every pod
template of every overlay, plus the hardening the project adds on top (read-only root
filesystem, resource limits). The checker is tested on pods that break each rule."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from k8s_render import OVERLAYS, PodTemplate

ALLOWED_VOLUME_TYPES = {
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
}
SAFE_SYSCTLS = {
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
}
SELINUX_TYPES = {"", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"}


def restricted_violations(
    spec: dict[str, Any], annotations: dict[str, str] | None = None
) -> list[str]:
    """Every rule of the restricted profile that `spec` (a PodSpec) breaks."""
    found: list[str] = []
    pod = spec.get("securityContext", {})
    containers = [
        *spec.get("initContainers", []),
        *spec.get("containers", []),
        *spec.get("ephemeralContainers", []),
    ]

    # baseline
    for field in ("hostNetwork", "hostPID", "hostIPC"):
        if spec.get(field):
            found.append(f"{field} is true")
    if pod.get("windowsOptions", {}).get("hostProcess"):
        found.append("pod hostProcess")
    for sysctl in pod.get("sysctls", []):
        if sysctl["name"] not in SAFE_SYSCTLS:
            found.append(f"unsafe sysctl {sysctl['name']}")
    for volume in spec.get("volumes", []):
        kinds = set(volume) - {"name"}
        if "hostPath" in kinds:
            found.append(f"volume {volume['name']}: hostPath")
        elif not kinds <= ALLOWED_VOLUME_TYPES:
            found.append(f"volume {volume['name']}: type {sorted(kinds)} not allowed")
    for name, value in (annotations or {}).items():
        if name.startswith("container.apparmor.security.beta.kubernetes.io/") and not (
            value == "runtime/default" or value.startswith("localhost/")
        ):
            found.append(f"AppArmor annotation {value}")

    def check_selinux_apparmor_seccomp(context: dict[str, Any], where: str) -> None:
        selinux = context.get("seLinuxOptions", {})
        if (
            selinux.get("type", "") not in SELINUX_TYPES
            or selinux.get("user")
            or selinux.get("role")
        ):
            found.append(f"{where}: SELinux options")
        apparmor = context.get("appArmorProfile", {}).get("type")
        if apparmor not in (None, "RuntimeDefault", "Localhost"):
            found.append(f"{where}: AppArmor {apparmor}")
        seccomp = context.get("seccompProfile", {}).get("type")
        if seccomp not in (None, "RuntimeDefault", "Localhost"):
            found.append(f"{where}: seccomp {seccomp}")

    check_selinux_apparmor_seccomp(pod, "pod")
    if pod.get("runAsUser") == 0:
        found.append("pod runAsUser 0")

    for container in containers:
        where = f"container {container['name']}"
        context = container.get("securityContext", {})
        if context.get("privileged"):
            found.append(f"{where}: privileged")
        if context.get("windowsOptions", {}).get("hostProcess"):
            found.append(f"{where}: hostProcess")
        if context.get("procMount", "Default") != "Default":
            found.append(f"{where}: procMount")
        for port in container.get("ports", []):
            if port.get("hostPort"):
                found.append(f"{where}: hostPort {port['hostPort']}")
        check_selinux_apparmor_seccomp(context, where)
        # restricted
        if context.get("allowPrivilegeEscalation") is not False:
            found.append(f"{where}: allowPrivilegeEscalation is not false")
        capabilities = context.get("capabilities", {})
        if "ALL" not in capabilities.get("drop", []):
            found.append(f"{where}: capabilities do not drop ALL")
        if set(capabilities.get("add", [])) - {"NET_BIND_SERVICE"}:
            found.append(f"{where}: adds capabilities {capabilities['add']}")
        run_as_non_root = context.get("runAsNonRoot", pod.get("runAsNonRoot"))
        if run_as_non_root is not True:
            found.append(f"{where}: runAsNonRoot is not true")
        if context.get("runAsUser") == 0:
            found.append(f"{where}: runAsUser 0")
        seccomp = context.get("seccompProfile", pod.get("seccompProfile", {})).get("type")
        if seccomp not in ("RuntimeDefault", "Localhost"):
            found.append(f"{where}: no RuntimeDefault/Localhost seccomp profile")
    return found


def template_annotations(template: PodTemplate) -> dict[str, str]:
    owner = template.owner
    if owner["kind"] == "CronJob":
        metadata = owner["spec"]["jobTemplate"]["spec"]["template"].get("metadata", {})
    elif owner["kind"] == "Pod":
        metadata = owner["metadata"]
    else:
        metadata = owner["spec"]["template"].get("metadata", {})
    return metadata.get("annotations", {})  # type: ignore[no-any-return]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_pod_template_meets_the_restricted_profile(
    pod_templates: list[PodTemplate], overlay: str
) -> None:
    templates = [t for t in pod_templates if t.overlay == overlay]
    assert templates
    problems = [
        f"{t.name}: {problem}"
        for t in templates
        for problem in restricted_violations(t.spec, template_annotations(t))
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_is_hardened_and_bounded(
    pod_templates: list[PodTemplate], overlay: str
) -> None:
    problems = []
    for template in (t for t in pod_templates if t.overlay == overlay):
        for container in template.containers:
            where = f"{template.name} {container['name']}"
            if container.get("securityContext", {}).get("readOnlyRootFilesystem") is not True:
                problems.append(f"{where}: root filesystem is writable")
            resources = container.get("resources", {})
            for field in ("cpu", "memory"):
                if field not in resources.get("requests", {}):
                    problems.append(f"{where}: no {field} request")
            if "memory" not in resources.get("limits", {}):
                problems.append(f"{where}: no memory limit")
            user = container.get("securityContext", {}).get(
                "runAsUser", template.spec.get("securityContext", {}).get("runAsUser")
            )
            if user is None:
                problems.append(f"{where}: no numeric user (the image's USER would decide)")
    assert not problems, "\n".join(problems)


def test_namespaces_enforce_the_restricted_profile(
    rendered: dict[str, list[dict[str, Any]]],
) -> None:
    for overlay in ("production", "staging", "kind"):
        namespaces = [o for o in rendered[overlay] if o["kind"] == "Namespace"]
        assert "aquaerp" in {n["metadata"]["name"] for n in namespaces}, overlay
        for namespace in namespaces:
            labels = namespace["metadata"]["labels"]
            assert labels["pod-security.kubernetes.io/enforce"] == "restricted"
            assert labels["pod-security.kubernetes.io/enforce-version"] == "latest"


COMPLIANT: dict[str, Any] = {
    "securityContext": {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    },
    "containers": [
        {
            "name": "app",
            "image": "app",
            "securityContext": {
                "allowPrivilegeEscalation": False,
                "capabilities": {"drop": ["ALL"]},
            },
        }
    ],
    "volumes": [{"name": "tmp", "emptyDir": {}}],
}


def broken(change: str) -> dict[str, Any]:
    spec = copy.deepcopy(COMPLIANT)
    container = spec["containers"][0]
    if change == "hostNetwork":
        spec["hostNetwork"] = True
    elif change == "hostPath":
        spec["volumes"].append({"name": "host", "hostPath": {"path": "/"}})
    elif change == "nfs volume":
        spec["volumes"].append({"name": "share", "nfs": {"server": "nas", "path": "/"}})
    elif change == "privileged":
        container["securityContext"]["privileged"] = True
    elif change == "escalation allowed":
        del container["securityContext"]["allowPrivilegeEscalation"]
    elif change == "capabilities kept":
        container["securityContext"]["capabilities"] = {}
    elif change == "capability added":
        container["securityContext"]["capabilities"]["add"] = ["NET_ADMIN"]
    elif change == "may run as root":
        del spec["securityContext"]["runAsNonRoot"]
    elif change == "runs as uid 0":
        container["securityContext"]["runAsUser"] = 0
    elif change == "no seccomp":
        del spec["securityContext"]["seccompProfile"]
    elif change == "unconfined seccomp":
        container["securityContext"]["seccompProfile"] = {"type": "Unconfined"}
    elif change == "hostPort":
        container["ports"] = [{"containerPort": 80, "hostPort": 80}]
    elif change == "unsafe sysctl":
        spec["securityContext"]["sysctls"] = [{"name": "kernel.msgmax", "value": "1"}]
    elif change == "init container as root":
        spec["initContainers"] = [
            {
                "name": "init",
                "image": "app",
                "securityContext": {
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"drop": ["ALL"]},
                    "runAsNonRoot": False,
                },
            }
        ]
    return spec


def test_the_checker_accepts_a_compliant_pod() -> None:
    assert restricted_violations(COMPLIANT) == []


@pytest.mark.parametrize(
    "change",
    [
        "hostNetwork",
        "hostPath",
        "nfs volume",
        "privileged",
        "escalation allowed",
        "capabilities kept",
        "capability added",
        "may run as root",
        "runs as uid 0",
        "no seccomp",
        "unconfined seccomp",
        "hostPort",
        "unsafe sysctl",
        "init container as root",
    ],
)
def test_the_checker_rejects_each_violation(change: str) -> None:
    assert restricted_violations(broken(change)), change
