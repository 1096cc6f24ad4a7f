"""Adding an RPC with a `google.api.http` rule and a roles option is all a REST route takes: a
throwaway proto is compiled, served by a tiny gRPC servicer, and the gateway built over it shows
the route in its OpenAPI and answers through it with the roles, bounds and errors declared."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import google.api
import grpc
import grpc_tools
import pytest
import pytest_asyncio
from aquaerp_gateway.catalogue import Api, load
from aquaerp_runtime.testing.plugin import AuthFixture
from google.protobuf import descriptor_pb2
from grpc_tools import protoc

from .conftest import GatewayFactory, RunningGateway, auth_header

ROOT = Path(__file__).resolve().parents[2]
# A package of its own: `aquaerp.*` is the generated code's regular package.
PROTO = """
syntax = "proto3";

// A throwaway API for the gateway's own test.
package throwaway.greeting.v1;

import "aquaerp/api/v1/annotations.proto";
import "google/api/annotations.proto";

// Greets people.
service GreetingService {
  // Composes a greeting for someone.
  rpc CreateGreeting(CreateGreetingRequest) returns (Greeting) {
    option (google.api.http) = {
      post: "/api/v1/greetings"
      body: "*"
    };
    option (aquaerp.api.v1.roles) = {allow: ["bureau", "admin"]};
  }
}

// CreateGreeting request.
message CreateGreetingRequest {
  // Whom to greet.
  string name = 1 [(aquaerp.api.v1.field) = {max_length: 20, required: true}];
  // Exclamation marks to add, 0-3.
  int32 excitement = 2 [(aquaerp.api.v1.field) = {minimum: 0, maximum: 3}];
}

// A greeting.
message Greeting {
  // The words.
  string text = 1;
}
"""


@pytest.fixture(scope="module")
def greeting_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Api]]:
    out = tmp_path_factory.mktemp("throwaway")
    source = out / "throwaway" / "greeting" / "v1" / "greeting.proto"
    source.parent.mkdir(parents=True)
    source.write_text(PROTO)
    descriptors = out / "set.binpb"
    code = protoc.main(
        [
            "protoc",
            f"-I{out}",
            f"-I{ROOT / 'protos'}",
            f"-I{Path(grpc_tools.__file__).parent / '_proto'}",
            f"-I{Path(next(iter(google.api.__path__))).parent.parent}",
            f"--python_out={out}",
            "--include_source_info",
            f"--descriptor_set_out={descriptors}",
            "throwaway/greeting/v1/greeting.proto",
        ]
    )
    assert code == 0, "protoc failed"
    sys.path.insert(0, str(out))
    try:
        yield load(descriptor_pb2.FileDescriptorSet.FromString(descriptors.read_bytes()))
    finally:
        sys.path.remove(str(out))


@pytest_asyncio.fixture
async def greeting_server(greeting_api: list[Api]) -> AsyncIterator[str]:
    from throwaway.greeting.v1 import greeting_pb2 as pb  # compiled by the fixture

    async def create_greeting(request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Any:
        return pb.Greeting(text=f"Bonjour {request.name}" + "!" * request.excitement)

    handler = grpc.method_handlers_generic_handler(
        "throwaway.greeting.v1.GreetingService",
        {
            "CreateGreeting": grpc.unary_unary_rpc_method_handler(
                create_greeting,
                request_deserializer=pb.CreateGreetingRequest.FromString,
                response_serializer=pb.Greeting.SerializeToString,
            )
        },
    )
    server = grpc.aio.server()
    server.add_generic_rpc_handlers((handler,))
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    yield f"ipv4:127.0.0.1:{port}"
    await server.stop(None)


@pytest_asyncio.fixture
async def greetings(
    start_gateway: GatewayFactory, greeting_api: list[Api], greeting_server: str
) -> RunningGateway:
    return await start_gateway(targets={"greeting": greeting_server}, apis=greeting_api)


async def test_the_annotated_rpc_is_a_documented_route(greetings: RunningGateway) -> None:
    spec = (await greetings.client.get("/openapi.json")).json()
    operation = spec["paths"]["/api/v1/greetings"]["post"]
    assert operation["summary"] == "Composes a greeting for someone"
    assert operation["tags"] == ["greeting"]
    assert "201" in operation["responses"]
    body = spec["components"]["schemas"]["CreateGreetingBody"]
    assert body["required"] == ["name"]
    assert body["properties"]["name"]["maxLength"] == 20
    assert body["properties"]["name"]["description"] == "Whom to greet."
    assert body["properties"]["excitement"]["maximum"] == 3
    assert spec["components"]["schemas"]["Greeting"]["properties"]["text"]["type"] == "string"
    # Only what the throwaway proto declares (and the hand-written routes) is there.
    assert "/api/v1/customers" not in spec["paths"]


async def test_the_route_answers_with_the_declared_roles_and_bounds(
    greetings: RunningGateway, auth_service: AuthFixture
) -> None:
    client = greetings.client
    body = {"name": "Sophie", "excitement": 2}
    assert (await client.post("/api/v1/greetings", json=body)).status_code == 401
    technician = auth_header(await auth_service.token("technicien"))
    refused = await client.post("/api/v1/greetings", json=body, headers=technician)
    assert refused.status_code == 403
    assert refused.headers["content-type"] == "application/problem+json"

    office = auth_header(await auth_service.token("bureau"))
    too_long = await client.post("/api/v1/greetings", json={"name": "x" * 21}, headers=office)
    assert too_long.status_code == 422
    assert too_long.headers["content-type"] == "application/problem+json"
    assert set(too_long.json()["errors"]) == {"name"}
    unknown = await client.post("/api/v1/greetings", json={**body, "shout": True}, headers=office)
    assert unknown.status_code == 422 and set(unknown.json()["errors"]) == {"shout"}

    created = await client.post("/api/v1/greetings", json=body, headers=office)
    assert created.status_code == 201, created.text
    assert created.json() == {"text": "Bonjour Sophie!!"}
