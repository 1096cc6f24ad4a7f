from aquaerp_runtime.migrations import run_env
from aquaerp_stock.models import metadata

run_env(metadata)
