"""AquaERP intervention service: technicians, maintenance visits, corrective interventions,
scheduling and reports."""
