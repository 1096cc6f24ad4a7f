"""Business metrics of the auth service (dashboards and alerts read these names)."""

from prometheus_client import Counter

LOGINS = Counter(
    "aquaerp_auth_logins_total",
    "Login attempts by outcome (succeeded, failed, throttled, mfa_required)",
    ["outcome"],
)
TOKENS_ISSUED = Counter(
    "aquaerp_auth_tokens_issued_total", "Tokens issued by kind (access, refresh, service)", ["kind"]
)
