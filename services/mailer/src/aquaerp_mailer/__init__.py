"""AquaERP mailer service."""
