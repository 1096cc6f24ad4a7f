"""`python -m aquaerp_workflow.operator [--standalone] [--namespace NS]... [--liveness URL]`."""

from __future__ import annotations

import argparse
import sys

import kopf
from aquaerp_runtime.structured_logging import configure_logging

from ..config import WorkflowSettings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aquaerp-workflow-operator", description=__doc__)
    parser.add_argument("--standalone", action="store_true", help="no peering (one replica)")
    parser.add_argument("--namespace", action="append", default=[], help="namespace to watch")
    parser.add_argument("--liveness", default=None, help="e.g. http://0.0.0.0:8080/healthz")
    options = parser.parse_args(argv)
    settings = WorkflowSettings()
    configure_logging("workflow-operator", settings.log_level, json_output=settings.log_json)
    from . import kopf_app  # noqa: F401  (registers the handlers)

    kopf.run(
        standalone=options.standalone,
        namespaces=options.namespace,
        clusterwide=not options.namespace,
        liveness_endpoint=options.liveness,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
