"""AquaERP auth service."""
