"""The methods a step may call, from the generated descriptors of the `aquaerp.<svc>.v1`
packages, and how step arguments become request messages.

A step's `call` is "<svc>.<Method>": the module `aquaerp.<svc>.v1.<svc>_pb2` must exist (the
service's proto is part of the product) and its one service must have that method.
"""

from __future__ import annotations

import importlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from aquaerp.api.v1 import annotations_pb2
from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

CALL = re.compile(r"^(?P<service>[a-z][a-z0-9_]*)\.(?P<method>[A-Z][A-Za-z0-9]*)$")
IDEMPOTENCY_KEY_FIELD = "idempotency_key"
DATE_MESSAGE = "aquaerp.common.v1.Date"
ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


class UnknownService(LookupError):
    """No `aquaerp.<svc>.v1` proto package is installed for this service."""


class UnknownMethod(LookupError):
    """The call is malformed, or the service has no such method."""


class ArgumentsMismatch(ValueError):
    """Arguments that do not fit the request message."""


@dataclass(frozen=True)
class Method:
    """A callable method: where to send it and how to (de)serialise."""

    service: str
    name: str
    path: str
    request_class: type[Message]
    response_class: type[Message]
    # Roles a person needs to call the method (its REST `(aquaerp.api.v1.roles)`); empty when
    # only services call it.
    roles: tuple[str, ...] = ()

    @property
    def takes_idempotency_key(self) -> bool:
        field = self.request_class.DESCRIPTOR.fields_by_name.get(IDEMPOTENCY_KEY_FIELD)
        return field is not None and field.type == FieldDescriptor.TYPE_STRING


@lru_cache(maxsize=64)
def _service_module(service: str) -> Any:
    try:
        return importlib.import_module(f"aquaerp.{service}.v1.{service}_pb2")
    except ModuleNotFoundError:
        raise UnknownService(
            f"unknown service {service!r}: no aquaerp.{service}.v1 API is installed"
        ) from None


@lru_cache(maxsize=512)
def resolve(call: str) -> Method:
    """The method named by a step's `call`, e.g. "facture.InvoiceIntervention"."""
    match = CALL.match(call)
    if match is None:
        raise UnknownMethod(
            f"{call!r} is not of the form service.Method (e.g. mailer.SendInvoiceEmail)"
        )
    service, name = match.group("service"), match.group("method")
    module = _service_module(service)
    services = list(module.DESCRIPTOR.services_by_name.values())
    if not services:
        raise UnknownService(
            f"unknown service {service!r}: aquaerp.{service}.v1 defines no service"
        )
    descriptor = services[0]
    method = descriptor.methods_by_name.get(name)
    if method is None:
        known = ", ".join(sorted(descriptor.methods_by_name))
        raise UnknownMethod(f"unknown method {name} of {descriptor.full_name} (it has: {known})")
    return Method(
        service=service,
        name=name,
        path=f"/{descriptor.full_name}/{name}",
        request_class=message_factory.GetMessageClass(method.input_type),
        response_class=message_factory.GetMessageClass(method.output_type),
        roles=_roles(method.GetOptions()),
    )


def _roles(options: Any) -> tuple[str, ...]:
    if not options.HasExtension(annotations_pb2.roles):
        return ()
    return tuple(options.Extensions[annotations_pb2.roles].allow)


def build_request(method: Method, args: Mapping[str, Any]) -> Message:
    """The request message for rendered `args` (JSON field names or proto names).

    A "YYYY-MM-DD" string (or a timestamp string) is accepted where a common Date is expected."""
    request = method.request_class()
    try:
        json_format.ParseDict(_coerce(dict(args), request.DESCRIPTOR), request)
    except json_format.ParseError as error:
        raise ArgumentsMismatch(str(error)) from None
    return request


def _coerce(value: Any, descriptor: Any) -> Any:
    if descriptor.full_name == DATE_MESSAGE and isinstance(value, str):
        match = ISO_DATE.match(value)
        if match:
            year, month, day = (int(part) for part in match.groups())
            return {"year": year, "month": month, "day": day}
        return value
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        field = descriptor.fields_by_name.get(key) or _field_by_json_name(descriptor, key)
        if field is not None and field.type == FieldDescriptor.TYPE_STRING:
            # "{{ event.payload.number }}" evaluates to a number; the field wants its text.
            result[key] = [_text(v) for v in item] if isinstance(item, list) else _text(item)
        elif field is None or field.message_type is None:
            result[key] = item
        elif field.is_repeated and isinstance(item, list):
            result[key] = [_coerce(element, field.message_type) for element in item]
        else:
            result[key] = _coerce(item, field.message_type)
    return result


def _text(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return str(value)


def _field_by_json_name(descriptor: Descriptor, name: str) -> FieldDescriptor | None:
    return next((f for f in descriptor.fields if f.json_name == name), None)


# Values that fit a field of each type, put in place of templates while validating.
_SAMPLES: dict[int, Any] = {
    FieldDescriptor.TYPE_STRING: "sample",
    FieldDescriptor.TYPE_BYTES: "",
    FieldDescriptor.TYPE_BOOL: True,
    FieldDescriptor.TYPE_DOUBLE: 1.0,
    FieldDescriptor.TYPE_FLOAT: 1.0,
}
_WELL_KNOWN_SAMPLES = {
    "google.protobuf.Timestamp": "2026-01-01T00:00:00Z",
    "google.protobuf.Duration": "1s",
    DATE_MESSAGE: "2026-01-01",
}


def _sample(field: FieldDescriptor) -> Any:
    if field.type == FieldDescriptor.TYPE_ENUM and field.enum_type is not None:
        values = field.enum_type.values
        return values[1].name if len(values) > 1 else values[0].name
    if field.message_type is not None:
        return _WELL_KNOWN_SAMPLES.get(field.message_type.full_name, {})
    return _SAMPLES.get(field.type, 1)


def sample_arguments(args: Any, descriptor: Any, is_template: Any) -> Any:
    """`args` with each template replaced by a value of its field's type, so that
    `build_request` checks field names and literal values before any real data exists."""
    if not isinstance(args, dict):
        return args
    result: dict[str, Any] = {}
    for key, value in args.items():
        field = descriptor.fields_by_name.get(key) or _field_by_json_name(descriptor, key)
        if field is None:
            result[key] = value
            continue
        repeated = field.is_repeated
        if isinstance(value, str) and is_template(value):
            result[key] = [_sample(field)] if repeated else _sample(field)
        elif field.message_type is not None and repeated and isinstance(value, list):
            result[key] = [
                _sample(field)
                if isinstance(v, str) and is_template(v)
                else sample_arguments(v, field.message_type, is_template)
                for v in value
            ]
        elif field.message_type is not None and isinstance(value, dict):
            result[key] = sample_arguments(value, field.message_type, is_template)
        elif repeated and isinstance(value, list):
            result[key] = [
                _sample(field) if isinstance(v, str) and is_template(v) else v for v in value
            ]
        else:
            result[key] = value
    return result
