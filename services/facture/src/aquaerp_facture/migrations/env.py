from aquaerp_facture.models import metadata
from aquaerp_runtime.migrations import run_env

run_env(metadata)
