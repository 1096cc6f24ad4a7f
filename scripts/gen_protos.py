"""Regenerate the Python code for protos/ into libs/aquaerp-proto/src, with mypy-protobuf stubs
for the messages (`.pyi`) and for the typed gRPC stubs and servicers (`_grpc.pyi`).

uv run python scripts/gen_protos.py            # write
uv run python scripts/gen_protos.py --check    # exit 1 if the committed code is stale
"""

from __future__ import annotations

import argparse
import filecmp
import shutil
import sys
import tempfile
from pathlib import Path

import google.api
import grpc_tools
from grpc_tools import protoc

ROOT = Path(__file__).resolve().parent.parent
PROTO_DIR = ROOT / "protos"
OUT_DIR = ROOT / "libs" / "aquaerp-proto" / "src"
PACKAGE = "aquaerp"


def generate(out_dir: Path) -> None:
    protos = sorted(str(p.relative_to(PROTO_DIR)) for p in PROTO_DIR.rglob("*.proto"))
    well_known = Path(grpc_tools.__file__).parent / "_proto"
    # google/api/*.proto (http annotations) ship with googleapis-common-protos.
    googleapis = Path(next(iter(google.api.__path__))).parent.parent
    plugins = Path(sys.executable).parent
    args = [
        "protoc",
        f"-I{PROTO_DIR}",
        f"-I{well_known}",
        f"-I{googleapis}",
        f"--plugin=protoc-gen-mypy={plugins / 'protoc-gen-mypy'}",
        f"--plugin=protoc-gen-mypy_grpc={plugins / 'protoc-gen-mypy_grpc'}",
        f"--python_out={out_dir}",
        f"--mypy_out=quiet:{out_dir}",
        f"--grpc_python_out={out_dir}",
        f"--mypy_grpc_out=quiet:{out_dir}",
        # With the comments: the gateway builds its routes and OpenAPI from this set.
        "--include_source_info",
        f"--descriptor_set_out={out_dir / PACKAGE / 'descriptors.binpb'}",
        *protos,
    ]
    (out_dir / PACKAGE).mkdir(parents=True, exist_ok=True)
    if protoc.main(args) != 0:
        raise SystemExit("protoc failed")
    # Regular packages (not namespace packages) so that mypy and importers agree.
    for directory in [
        out_dir / PACKAGE,
        *(p for p in (out_dir / PACKAGE).rglob("*") if p.is_dir()),
    ]:
        (directory / "__init__.py").touch()
    (out_dir / PACKAGE / "py.typed").touch()


def differences(left: Path, right: Path) -> list[str]:
    left_files = {
        p.relative_to(left) for p in left.rglob("*") if p.is_file() and "__pycache__" not in p.parts
    }
    right_files = {
        p.relative_to(right)
        for p in right.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }
    diffs = [f"only in generated: {p}" for p in sorted(left_files - right_files)]
    diffs += [f"not generated any more: {p}" for p in sorted(right_files - left_files)]
    diffs += [
        f"differs: {p}"
        for p in sorted(left_files & right_files)
        if not filecmp.cmp(left / p, right / p, shallow=False)
    ]
    return diffs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="fail if the committed code is stale")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp)
        generate(fresh)
        if options.check:
            diffs = differences(fresh / PACKAGE, OUT_DIR / PACKAGE)
            for line in diffs:
                print(line, file=sys.stderr)
            return 1 if diffs else 0
        shutil.rmtree(OUT_DIR / PACKAGE, ignore_errors=True)
        shutil.copytree(fresh / PACKAGE, OUT_DIR / PACKAGE)
    print(f"generated {OUT_DIR / PACKAGE}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
