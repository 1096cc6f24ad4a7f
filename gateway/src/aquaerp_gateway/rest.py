"""FastAPI routes built from the `google.api.http` rules and `(aquaerp.api.v1.roles)` options
of the gRPC methods: path, query and body binding, request validation, role checks, the call
through the service's shared channel, and the JSON answer. Nothing here knows a domain.
"""

from __future__ import annotations

import inspect
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Any

import grpc
from aquaerp.api.v1 import annotations_pb2
from aquaerp_runtime.context import principal_var
from fastapi import APIRouter, Body, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from google.api import annotations_pb2 as http_annotations
from google.api import http_pb2
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import Message

from . import codec
from .catalogue import Api
from .clients import Clients
from .problems import from_rpc_error
from .rate_limit import auth_rate_limit
from .security import authenticated, require

# An RPC answering google.api.HttpBody answers a file download (an exported list).
HTTP_BODY = "google.api.HttpBody"
VARIABLE = re.compile(r"\{([a-z_][a-z0-9_.]*)(?:=([^}]*))?\}")
VERBS = ("get", "put", "post", "delete", "patch")


@dataclass
class Binding:
    """Where each request field comes from."""

    path: dict[str, FieldDescriptor] = field(default_factory=dict)
    # query parameter -> (request field, sub-field of a flattened message such as `page`)
    query: dict[str, tuple[FieldDescriptor, FieldDescriptor | None]] = field(default_factory=dict)
    body: str = ""


def http_rule(method: MethodDescriptor) -> http_pb2.HttpRule | None:
    options = method.GetOptions()
    if not options.HasExtension(http_annotations.http):
        return None
    return options.Extensions[http_annotations.http]


def access(method: MethodDescriptor) -> annotations_pb2.Access:
    options = method.GetOptions()
    if options.HasExtension(annotations_pb2.roles):
        return options.Extensions[annotations_pb2.roles]
    return annotations_pb2.Access()


def _singular(segment: str) -> str:
    word = segment.replace("-", "_")
    return word[:-1] if word.endswith("s") else word


def path_template(template: str, request: Descriptor) -> tuple[str, dict[str, FieldDescriptor]]:
    """FastAPI path and its variables. `{id}` after a collection is named after it
    (`/customers/{id}` is `/customers/{customer_id}`) unless the field has a `rest_name`;
    `{name=**}` takes the rest of the path, slashes included."""
    variables: dict[str, FieldDescriptor] = {}
    parts = []
    position = 0
    for match in VARIABLE.finditer(template):
        literal = template[position : match.start()]
        parts.append(literal)
        proto_field = request.fields_by_name[match.group(1)]
        name = codec.rules(proto_field).rest_name
        if not name and proto_field.name == "id":
            name = _singular(literal.rstrip("/").rsplit("/", 1)[-1]) + "_id"
        name = name or proto_field.name
        variables[name] = proto_field
        parts.append(f"{{{name}:path}}" if match.group(2) == "**" else f"{{{name}}}")
        position = match.end()
    parts.append(template[position:])
    return "".join(parts), variables


def binding(
    rule: http_pb2.HttpRule,
    request: Descriptor,
    path: dict[str, FieldDescriptor],
    hidden: frozenset[str] = frozenset(),
) -> Binding:
    """`hidden`: fields not offered as query parameters (on an additional binding, the path
    variables of the main one: /technicians/me has no `?id=`)."""
    bound = Binding(path=path, body=rule.body)
    if rule.body == "*":
        return bound
    # The idempotency key comes from the body or the Idempotency-Key header, never the query.
    taken = {f.name for f in path.values()} | {rule.body, "idempotency_key"} | hidden
    for proto_field in request.fields:
        if proto_field.name in taken or codec.rules(proto_field).present:
            continue
        if proto_field.type == FieldDescriptor.TYPE_MESSAGE and (
            codec.message_type(proto_field).full_name not in codec.SPECIAL
        ):
            # A parameter message is flattened: ?page_size=&page_token=, ?document_type=
            # (prefixed by the field's name unless its own name already starts with it).
            prefix = codec.rest_name(proto_field)
            for sub in codec.fields_of(codec.message_type(proto_field)):
                name = codec.rest_name(sub)
                if not name.startswith(prefix):
                    name = f"{prefix}_{name}"
                bound.query[name] = (proto_field, sub)
        else:
            bound.query[codec.rest_name(proto_field)] = (proto_field, None)
    return bound


def success_status(method: MethodDescriptor, rule: annotations_pb2.Access) -> int:
    if rule.status:
        return rule.status
    if not method.output_type.fields:
        return 204
    return 201 if method.name.startswith("Create") else 200


def summary(method: MethodDescriptor, rule: annotations_pb2.Access) -> tuple[str, str]:
    text = codec.COMMENTS.get(method.full_name, "")
    first = text.split(". ")[0].rstrip(".")
    return rule.summary or first or method.name, text


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _dependencies(rule: annotations_pb2.Access) -> list[Any]:
    dependencies = [Depends(auth_rate_limit)] if rule.throttled else []
    if rule.public:
        return dependencies
    if rule.allow:
        return [*dependencies, Depends(require(*rule.allow))]
    return [*dependencies, Depends(authenticated)]


def _query_parameter(name: str, proto_field: FieldDescriptor, top: bool) -> inspect.Parameter:
    """A query parameter; the members of a flattened message are all optional."""
    annotation, info = codec.field_definition(proto_field, output=False)
    kwargs = codec.constraints(proto_field)
    if info.is_required() and top:
        default: Any = inspect.Parameter.empty
    elif info.is_required():
        annotation, default = annotation | None, None
    else:
        default = info.get_default(call_default_factory=True)
    return inspect.Parameter(
        "q_" + name,
        inspect.Parameter.KEYWORD_ONLY,
        annotation=Annotated[annotation, Query(alias=name, **kwargs)],
        default=default,
    )


class RestRoute:
    """One RPC on its REST face."""

    def __init__(
        self,
        api: Api,
        method: MethodDescriptor,
        rule: http_pb2.HttpRule,
        hidden: frozenset[str] = frozenset(),
    ) -> None:
        self.api = api
        self.method = method
        self.verb = rule.WhichOneof("pattern") or "get"
        if self.verb not in VERBS:
            raise ValueError(f"{method.full_name}: unsupported HTTP rule {self.verb}")
        self.path, variables = path_template(getattr(rule, self.verb), method.input_type)
        self.binding = binding(rule, method.input_type, variables, hidden)
        self.access = access(method)
        self.status = success_status(method, self.access)
        self.request_class = message_factory.GetMessageClass(method.input_type)
        self.response_class = message_factory.GetMessageClass(method.output_type)
        self.rpc_path = f"/{api.service.full_name}/{method.name}"
        self.response_body = rule.response_body and codec.rest_name(
            method.output_type.fields_by_name[rule.response_body]
        )
        fields = method.input_type.fields_by_name
        # Mutating calls carry an idempotency key: the body's, the Idempotency-Key header, or a
        # new one (then no deduplication).
        self.keyed = "idempotency_key" in fields
        self.body_model = self._body_model()
        self.file = method.output_type.full_name == HTTP_BODY

    def _body_model(self) -> type[codec.BaseModel] | None:
        body = self.binding.body
        request = self.method.input_type
        if not body:
            return None
        if body != "*":
            return codec.model(codec.message_type(request.fields_by_name[body]), False)
        path_fields = frozenset(f.name for f in self.binding.path.values())
        if not path_fields:
            return codec.model(request, False)
        if all(f.name in path_fields for f in request.fields):
            return None  # everything is in the path: no body
        return codec.fields_model(request, False, path_fields, codec.input_name(request))

    def rest_path(self, path: str) -> str:
        """The name the caller knows for a field path of the request message."""
        names = {f.name: name for name, f in self.binding.path.items()}
        for name, (proto_field, sub) in self.binding.query.items():
            names[proto_field.name if sub is None else f"{proto_field.name}.{sub.name}"] = name
        if path in names:
            return names[path]
        body = self.binding.body
        if body not in ("", "*") and path.startswith(body + "."):
            return path.removeprefix(body + ".")
        return path

    def signature(self) -> inspect.Signature:
        parameters = [
            inspect.Parameter("request", inspect.Parameter.KEYWORD_ONLY, annotation=Request)
        ]
        for name, proto_field in self.binding.path.items():
            # An enum in the path is one of its names (422 otherwise), like in a query or body.
            kind: Any = (
                codec.value_type(proto_field, False)
                if proto_field.type == proto_field.TYPE_ENUM
                else codec.SingleLineText
            )
            parameters.append(
                inspect.Parameter(
                    name,
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=Annotated[kind, Path()],
                )
            )
        for name, (proto_field, sub) in self.binding.query.items():
            parameters.append(_query_parameter(name, sub or proto_field, sub is None))
        if self.body_model is not None:
            # A body whose fields all have defaults may be left out (POST .../start).
            optional = not any(f.is_required() for f in self.body_model.model_fields.values())
            annotation: Any = self.body_model | None if optional else self.body_model
            parameters.append(
                inspect.Parameter(
                    "body",
                    inspect.Parameter.KEYWORD_ONLY,
                    annotation=Annotated[annotation, Body()],
                    default=None if optional else inspect.Parameter.empty,
                )
            )
        return inspect.Signature(parameters)

    def message(self, arguments: dict[str, Any]) -> Message:
        message = self.request_class()
        for name, proto_field in self.binding.path.items():
            codec.set_field(message, proto_field, arguments[name])
        for name, (proto_field, sub) in self.binding.query.items():
            value = arguments["q_" + name]
            if value is None or value == []:
                continue
            if sub is None:
                codec.set_field(message, proto_field, value)
            else:
                codec.set_field(getattr(message, proto_field.name), sub, value)
        body = arguments.get("body")
        if body is not None:
            if self.binding.body == "*":
                codec.fill(message, body)
            else:
                target = self.method.input_type.fields_by_name[self.binding.body]
                codec.set_field(message, target, body)
        return message

    def endpoint(self, clients: Clients) -> Callable[..., Awaitable[Response]]:
        route = self
        call: list[Any] = []

        async def endpoint(**arguments: Any) -> Response:
            if not call:
                call.append(
                    clients.channel(route.api.target).unary_unary(
                        route.rpc_path,
                        request_serializer=route.request_class.SerializeToString,
                        response_deserializer=route.response_class.FromString,
                    )
                )
            message = route.message(arguments)
            keyed: Any = message  # a request message with an idempotency_key field
            if route.keyed and not keyed.idempotency_key:
                keyed.idempotency_key = idempotency_key(arguments["request"])
            try:
                answer = await call[0](message)
            except grpc.aio.AioRpcError as error:
                return from_rpc_error(error, route.rest_path)
            if route.status == 204:
                return Response(status_code=204)
            if route.file:
                return _download(answer, route.path)
            body = codec.to_json(answer)
            if route.response_body:
                return JSONResponse(body[route.response_body], status_code=route.status)
            return JSONResponse(body, status_code=route.status)

        # FastAPI reads the parameters from the signature; functions have no typed slot for it.
        endpoint.__signature__ = self.signature()  # type: ignore[attr-defined]  # see above
        endpoint.__name__ = _snake(self.method.name)
        return endpoint

    def add_to(self, router: APIRouter, clients: Clients) -> None:
        title, description = summary(self.method, self.access)
        responses: dict[int | str, dict[str, Any]] = {}
        if self.file:
            media = "text/csv" if self.path.endswith(".csv") else "application/octet-stream"
            responses[self.status] = {"content": {media: {}}, "description": "The file"}
        elif self.status != 204:
            output: Any = codec.model(self.method.output_type, True)
            if self.response_body:
                output = output.model_fields[codec.attribute(self.response_body)].annotation
            responses[self.status] = {"model": output}
        router.add_api_route(
            self.path,
            self.endpoint(clients),
            methods=[self.verb.upper()],
            status_code=self.status,
            response_class=Response if self.status == 204 or self.file else JSONResponse,
            responses=responses,
            dependencies=_dependencies(self.access),
            tags=[self.access.tag or self.api.target],
            summary=title,
            description=description,
        )


def _download(answer: Any, path: str) -> Response:
    """An HttpBody as a file to save, named after its collection (/invoices/export.csv:
    invoices.csv)."""
    segments = path.rstrip("/").split("/")
    name = f"{segments[-2]}.{segments[-1].rsplit('.', 1)[-1]}"
    return Response(
        content=answer.data,
        media_type=answer.content_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def idempotency_key(request: Request) -> str:
    """The caller's Idempotency-Key scoped to the caller (two users never share a key), or a
    new key (then the service does not deduplicate)."""
    key = request.headers.get("idempotency-key", "").strip()
    principal = principal_var.get()
    if key and principal is not None:
        return f"{principal.subject}:{key}"[:200]
    return f"rest:{uuid.uuid4()}"


def _specificity(path: str) -> list[int]:
    """Sort key: literal segments before variables (/technicians/me is not an id), and a
    variable that takes slashes after every longer path (/definitions/{name}/stats first)."""
    kinds = [(":path}" in part) + ("{" in part) for part in path.split("/")]
    return [*kinds, 3]


def routes(apis: list[Api]) -> list[RestRoute]:
    found = []
    for api in apis:
        for method in api.service.methods:
            rule = http_rule(method)
            if rule is not None:
                main = RestRoute(api, method, rule)
                found.append(main)
                hidden = frozenset(f.name for f in main.binding.path.values())
                for extra in rule.additional_bindings:
                    found.append(RestRoute(api, method, extra, hidden))
    return found


def router(apis: list[Api], clients: Clients) -> APIRouter:
    """The routes of every annotated RPC of `apis`, calling them through `clients`."""
    built = APIRouter()
    ordered = sorted(routes(apis), key=lambda route: _specificity(route.path))
    for route in ordered:
        route.add_to(built, clients)
    return built
