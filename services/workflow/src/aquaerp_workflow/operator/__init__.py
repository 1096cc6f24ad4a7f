"""The Workflow operator (kopf): syncs `workflows.aquaerp.io` resources into the workflow
service and writes their status back. `python -m aquaerp_workflow.operator --standalone`."""
