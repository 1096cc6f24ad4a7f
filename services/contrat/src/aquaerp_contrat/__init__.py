"""AquaERP contrat service."""
