"""House conventions, checked: import boundaries, proto style, configuration and SQL placement."""

from __future__ import annotations

import ast
import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import google.api
import grpc_tools
import pytest
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p.name for p in (ROOT / "services").iterdir() if (p / "pyproject.toml").exists())
PACKAGES = {f"aquaerp_{name}" for name in SERVICES} | {"aquaerp_gateway"}


def python_files(directory: Path) -> Iterator[Path]:
    for path in directory.rglob("*.py"):
        if "migrations" not in path.parts:
            yield path


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), str(path))
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules.add(node.module)
    return modules


def top_level(module: str) -> str:
    return module.split(".")[0]


@pytest.mark.parametrize("service", SERVICES)
def test_a_service_never_imports_another_service(service: str) -> None:
    own = f"aquaerp_{service}"
    offenders = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in python_files(ROOT / "services" / service / "src")
        for module in imported_modules(path)
        if top_level(module) in PACKAGES and top_level(module) != own
    ]
    assert offenders == []


def test_libs_and_gateway_never_import_services() -> None:
    offenders = []
    for directory, allowed in (
        (ROOT / "libs", set()),
        (ROOT / "gateway" / "src", {"aquaerp_gateway"}),
    ):
        for path in python_files(directory):
            for module in imported_modules(path):
                if top_level(module) in PACKAGES - allowed:
                    offenders.append(f"{path.relative_to(ROOT)} imports {module}")
    assert offenders == []


def test_only_settings_read_the_environment() -> None:
    offenders = []
    for directory in [
        ROOT / "services",
        ROOT / "gateway" / "src",
        ROOT / "libs" / "aquaerp-runtime" / "src",
    ]:
        for path in python_files(directory):
            if "tests" in path.parts or "stack" in path.parts:
                continue  # tests and the local stack pass environments to child processes
            source = path.read_text()
            if re.search(r"\bos\.(environ|getenv)\b", source):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


@pytest.mark.parametrize("service", SERVICES)
def test_sql_lives_in_the_repository(service: str) -> None:
    src = ROOT / "services" / service / "src" / f"aquaerp_{service}"
    offenders = []
    for name in ("service.py", "servicer.py"):
        path = src / name
        if path.exists():
            sql = {m for m in imported_modules(path) if top_level(m) in ("sqlalchemy", "asyncpg")}
            if sql:
                offenders.append(f"{path.relative_to(ROOT)} imports {sorted(sql)}")
    assert offenders == []


def domain_modules() -> list[Path]:
    """The services' domain logic: `service.py`, `*_service.py` and the `service/` packages."""
    return sorted(
        path
        for service in SERVICES
        for path in (ROOT / "services" / service / "src" / f"aquaerp_{service}").rglob("*.py")
        if path.stem == "service" or path.stem.endswith("_service") or path.parent.name == "service"
    )


def test_every_service_has_domain_modules() -> None:
    assert {path.parts[len(ROOT.parts) + 1] for path in domain_modules()} == set(SERVICES)


@pytest.mark.parametrize("path", domain_modules(), ids=lambda p: str(p.relative_to(ROOT)))
def test_domain_logic_has_no_grpc(path: Path) -> None:
    assert not {m for m in imported_modules(path) if top_level(m) == "grpc"}


def _descriptors() -> descriptor_pb2.FileDescriptorSet:
    protos = sorted(str(p.relative_to(ROOT / "protos")) for p in (ROOT / "protos").rglob("*.proto"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "set.pb"
        well_known = Path(grpc_tools.__file__).parent / "_proto"
        googleapis = Path(next(iter(google.api.__path__))).parent.parent
        code = protoc.main(
            [
                "protoc",
                f"-I{ROOT / 'protos'}",
                f"-I{well_known}",
                f"-I{googleapis}",
                "--include_source_info",
                f"--descriptor_set_out={out}",
                *protos,
            ]
        )
        assert code == 0
        return descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes())


def _comment(file: descriptor_pb2.FileDescriptorProto, path: tuple[int, ...]) -> str:
    for location in file.source_code_info.location:
        if tuple(location.path) == path:
            return (location.leading_comments or location.trailing_comments).strip()
    return ""


def test_protos_follow_the_style_guide() -> None:
    problems: list[str] = []
    for file in _descriptors().file:
        parts = Path(file.name).parts  # aquaerp/<svc>/v1/<svc>.proto
        expected_package = ".".join(parts[:-1])
        if file.package != expected_package:
            problems.append(f"{file.name}: package {file.package} should be {expected_package}")
        for s_index, service in enumerate(file.service):
            expected = parts[1].capitalize() + "Service"
            if service.name != expected:
                problems.append(f"{file.name}: service {service.name} should be {expected}")
            for m_index, method in enumerate(service.method):
                if not _comment(file, (6, s_index, 2, m_index)):
                    problems.append(f"{file.name}: rpc {method.name} has no comment")
        for m_index, message in enumerate(file.message_type):
            if not _comment(file, (4, m_index)):
                problems.append(f"{file.name}: message {message.name} has no comment")
            for field in message.field:
                if field.type in (field.TYPE_FLOAT, field.TYPE_DOUBLE) and re.search(
                    r"(^|_)(amount|price|cents|balance|ht|ttc)(_|$)|^total$|_total$", field.name
                ):
                    problems.append(f"{file.name}: {message.name}.{field.name} is money as a float")
        enums = [(e, (5, i)) for i, e in enumerate(file.enum_type)]
        enums += [
            (e, (4, mi, 4, ei))
            for mi, m in enumerate(file.message_type)
            for ei, e in enumerate(m.enum_type)
        ]
        for enum, _path in enums:
            first = enum.value[0]
            if first.number != 0 or not first.name.endswith("_UNSPECIFIED"):
                problems.append(f"{file.name}: enum {enum.name} must start with *_UNSPECIFIED = 0")
    assert problems == []


# --- one clock ----------------------------------------------------------------------------

CLOCK = ROOT / "libs" / "aquaerp-runtime" / "src" / "aquaerp_runtime" / "clock.py"
# Wall-clock reads: business time comes from the injected Clock (monotonic timers are fine).
WALL_CLOCK = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"), ("datetime", "today")}


def wall_clock_calls(path: Path) -> list[str]:
    """`datetime.now()`, `datetime.utcnow()`, `date.today()`, `time.time()` calls in a file,
    however `datetime` is reached (`datetime.now`, `dt.datetime.now`, ...)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        owner = node.func.value
        owner_name = (
            owner.id
            if isinstance(owner, ast.Name)
            else owner.attr
            if isinstance(owner, ast.Attribute)
            else ""
        )
        call = (owner_name, node.func.attr)
        if call in WALL_CLOCK or call == ("time", "time"):
            found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {'.'.join(call)}()")
    return found


def code_and_tests() -> Iterator[Path]:
    for pattern in ("libs/*/src", "services/*/src", "gateway/src", "libs/*/tests"):
        for directory in sorted(ROOT.glob(pattern)):
            yield from python_files(directory)
    for pattern in ("services/*/tests", "gateway/tests", "tests"):
        for directory in sorted(ROOT.glob(pattern)):
            yield from directory.rglob("*.py")


def test_only_the_clock_reads_the_wall_clock() -> None:
    offenders = [
        line
        for path in code_and_tests()
        if path != CLOCK and path != Path(__file__)
        for line in wall_clock_calls(path)
    ]
    assert offenders == [], "use the injected Clock (aquaerp_runtime.clock):\n" + "\n".join(
        offenders
    )


def test_the_wall_clock_check_sees_every_form(tmp_path: Path) -> None:
    sample = ROOT / "tests" / "platform" / "_wall_clock_sample.py"
    sample.write_text(
        "import datetime as dt, time\nfrom datetime import date, datetime\n"
        "a = datetime.now(dt.UTC)\nb = dt.datetime.utcnow()\nc = date.today()\n"
        "d = time.time()\ne = time.monotonic()\nf = clock.now()\n"
    )
    try:
        found = [line.rsplit(": ", 1)[1] for line in wall_clock_calls(sample)]
    finally:
        sample.unlink()
    assert found == ["datetime.now()", "datetime.utcnow()", "date.today()", "time.time()"]


def product_code() -> Iterator[Path]:
    for pattern in ("libs/*/src", "services/*/src", "gateway/src"):
        for directory in sorted(ROOT.glob(pattern)):
            yield from python_files(directory)


def test_waits_with_a_time_limit_keep_their_cancellation() -> None:
    """`asyncio.wait_for` loses a cancellation that arrives as the awaited thing finishes
    (Python 3.11): a service's background loop then never stops. See aquaerp_runtime.waiting."""
    offenders = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in product_code()
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Attribute)
        and node.attr == "wait_for"
        and isinstance(node.value, ast.Name)
        and node.value.id == "asyncio"
    ]
    assert offenders == [], "use asyncio.timeout or wait_for_event:\n" + "\n".join(offenders)
