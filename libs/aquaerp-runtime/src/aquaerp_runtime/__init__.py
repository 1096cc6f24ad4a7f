"""What every AquaERP service shares, one module per concern."""
