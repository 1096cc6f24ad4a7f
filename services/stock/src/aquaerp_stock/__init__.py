"""Product catalogue, warehouses and vans, the stock ledger, consumption from visits and biocide rules."""
