"""The whole product on one machine for development (`aquaerp up`, the mail sink). Never in an
image: the services depend on aquaerp-runtime only."""
