"""AquaERP workflow service."""
