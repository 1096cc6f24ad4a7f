"""The gRPC services the gateway exposes over REST, read from a descriptor set.

The default set is the one `scripts/gen_protos.py` writes next to the generated code (with the
proto comments, which become the OpenAPI descriptions). Tests pass their own set to build a
gateway over a throwaway proto.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from importlib import resources

from google.api import annotations_pb2 as http_annotations
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import ServiceDescriptor

from .codec import COMMENTS

DESCRIPTOR_SET = "descriptors.binpb"


@dataclass(frozen=True)
class Api:
    """A gRPC service with a REST face, and the name its channel is configured under."""

    target: str
    service: ServiceDescriptor


def has_rest_face(service: ServiceDescriptor) -> bool:
    return any(
        method.GetOptions().HasExtension(http_annotations.http) for method in service.methods
    )


def load(files: descriptor_pb2.FileDescriptorSet) -> list[Api]:
    """The services of `files` that have `google.api.http` rules. Their generated modules are
    imported, so that the message classes and options are those of the default pool."""
    apis = []
    pool = descriptor_pool.Default()
    for file in files.file:
        if not file.service:
            continue
        importlib.import_module(file.name.removesuffix(".proto").replace("/", ".") + "_pb2")
        COMMENTS.update(comments(file))
        for service in file.service:
            found = pool.FindServiceByName(f"{file.package}.{service.name}")
            if has_rest_face(found):
                # aquaerp.<target>.v1: the channel of the service named like its package.
                apis.append(Api(target=file.package.split(".")[-2], service=found))
    return apis


def default_apis() -> list[Api]:
    data = resources.files("aquaerp").joinpath(DESCRIPTOR_SET).read_bytes()
    return load(descriptor_pb2.FileDescriptorSet.FromString(data))


# -- comments ----------------------------------------------------------------------------------
def _named_paths(
    prefix: str, messages: Iterable[descriptor_pb2.DescriptorProto], path: tuple[int, ...]
) -> Iterator[tuple[tuple[int, ...], str]]:
    for index, message in enumerate(messages):
        name = f"{prefix}.{message.name}"
        here = (*path, index)
        yield here, name
        for f_index, field in enumerate(message.field):
            yield (*here, 2, f_index), f"{name}.{field.name}"
        yield from _named_paths(name, message.nested_type, (*here, 3))


def comments(file: descriptor_pb2.FileDescriptorProto) -> dict[str, str]:
    """Leading (or trailing) comment of every message, field, service and method, by full name."""
    names = dict(_named_paths(file.package, file.message_type, (4,)))
    for s_index, service in enumerate(file.service):
        names[(6, s_index)] = f"{file.package}.{service.name}"
        for m_index, method in enumerate(service.method):
            names[(6, s_index, 2, m_index)] = f"{file.package}.{service.name}.{method.name}"
    found = {}
    for location in file.source_code_info.location:
        name = names.get(tuple(location.path))
        text = (location.leading_comments or location.trailing_comments).strip()
        if name and text:
            found[name] = " ".join(line.strip() for line in text.splitlines())
    return found
