"""Fixtures of the security tests (each attack family keeps its own fixture module)."""

from __future__ import annotations

from .auth_fixtures import gateway_schema, start_gateway
from .data_fixtures import data_stack

__all__ = ["data_stack", "gateway_schema", "start_gateway"]
