"""AquaERP intervention service."""
