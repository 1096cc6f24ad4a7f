from aquaerp_runtime.migrations import run_env

from aquaerp_facture.models import metadata

run_env(metadata)
