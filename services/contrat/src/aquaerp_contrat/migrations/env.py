import aquaerp_contrat.import_tables  # noqa: F401  (the import tables join the metadata)
from aquaerp_contrat.models import metadata
from aquaerp_runtime.migrations import run_env

run_env(metadata)
