"""The operator's connection to the workflow service, with the workflow service account."""

from __future__ import annotations

import grpc
from aquaerp.auth.v1 import auth_pb2, auth_pb2_grpc
from aquaerp.workflow.v1 import workflow_pb2_grpc
from aquaerp_runtime.client import ServiceTokenProvider, create_channel

from ..config import WorkflowSettings


class WorkflowApi:
    """A workflow service stub whose calls carry a service token, renewed before it expires."""

    def __init__(self, settings: WorkflowSettings) -> None:
        self._auth_channel = create_channel(settings.target("auth"), default_timeout=10)
        auth = auth_pb2_grpc.AuthServiceStub(self._auth_channel)

        async def fetch() -> tuple[str, int]:
            answer = await auth.IssueServiceToken(
                auth_pb2.IssueServiceTokenRequest(
                    client_id=settings.service_client_id,
                    client_secret=settings.service_client_secret,
                ),
                timeout=10,
            )
            return answer.access_token, answer.expires_in

        self._channel: grpc.aio.Channel = create_channel(
            settings.target("workflow"),
            default_timeout=settings.call_timeout,
            credentials=ServiceTokenProvider(fetch),
        )
        self.stub = workflow_pb2_grpc.WorkflowServiceStub(self._channel)

    async def close(self) -> None:
        await self._channel.close()
        await self._auth_channel.close()
