"""Business metrics of the intervention service (dashboards read these names)."""

from prometheus_client import Gauge

VISITS_OVERDUE = Gauge(
    "aquaerp_intervention_visits_overdue",
    "Visits whose window passed undone, as counted by the last daily overdue check",
)
