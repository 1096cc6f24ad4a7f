"""AquaERP facture service: French invoices and credit notes, Factur-X documents."""
