import sys

from aquaerp_runtime.service import run_service

from .app import SPEC

sys.exit(run_service(SPEC))
