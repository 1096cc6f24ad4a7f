"""AquaERP REST gateway."""
