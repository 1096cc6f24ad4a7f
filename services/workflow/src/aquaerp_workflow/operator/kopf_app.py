"""kopf wiring: Workflow resource events -> the handlers, and status written back."""

from __future__ import annotations

import logging
from typing import Any

import kopf

from ..config import WorkflowSettings
from .client import WorkflowApi
from .handlers import apply_workflow, remove_workflow, workflow_status

GROUP, VERSION, PLURAL = "aquaerp.io", "v1", "workflows"
SETTINGS = WorkflowSettings()

log = logging.getLogger(__name__)


@kopf.on.startup()
async def connect(memo: kopf.Memo, settings: kopf.OperatorSettings, **_: Any) -> None:
    memo.api = WorkflowApi(SETTINGS)
    # Keep kopf's own bookkeeping out of `status`, which belongs to the Workflow schema.
    settings.persistence.progress_storage = kopf.AnnotationsProgressStorage(prefix="aquaerp.io")
    settings.persistence.diffbase_storage = kopf.AnnotationsDiffBaseStorage(prefix="aquaerp.io")
    settings.posting.level = logging.WARNING


@kopf.on.cleanup()
async def disconnect(memo: kopf.Memo, **_: Any) -> None:
    await memo.api.close()


# kopf passes everything by keyword; its callback protocols do not spell out the names.
@kopf.on.resume(GROUP, VERSION, PLURAL)
@kopf.on.create(GROUP, VERSION, PLURAL)
@kopf.on.update(GROUP, VERSION, PLURAL, field="spec")  # type: ignore[arg-type]  # kopf protocol
async def sync(
    spec: kopf.Spec,
    name: str,
    namespace: str,
    meta: kopf.Meta,
    patch: kopf.Patch,
    memo: kopf.Memo,
    logger: kopf.Logger,
    **_: Any,
) -> None:
    plain_spec = _plain(spec)
    status = await apply_workflow(
        memo.api,
        namespace=namespace,
        name=name,
        spec=plain_spec,
        generation=int(meta.get("generation", 0)),
    )
    if not status["accepted"]:
        logger.warning("workflow %s/%s rejected: %s", namespace, name, status["error"])
    status.update(await workflow_status(memo.api, namespace=namespace, name=name))
    patch.status.update(status)


@kopf.on.delete(GROUP, VERSION, PLURAL)  # type: ignore[arg-type]  # kopf protocol
async def delete(name: str, namespace: str, memo: kopf.Memo, **_: Any) -> None:
    await remove_workflow(memo.api, namespace=namespace, name=name)


@kopf.timer(  # type: ignore[arg-type]  # kopf protocol
    GROUP, VERSION, PLURAL, interval=SETTINGS.operator_status_interval, initial_delay=5
)
async def refresh_status(
    name: str, namespace: str, patch: kopf.Patch, memo: kopf.Memo, **_: Any
) -> None:
    patch.status.update(await workflow_status(memo.api, namespace=namespace, name=name))


def _plain(value: Any) -> Any:
    """kopf's read-only views as plain dicts and lists."""
    if hasattr(value, "items"):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
