"""The one codec between protobuf messages and the REST JSON, driven by the message descriptors.

JSON field names are the proto field names (snake_case) unless a field declares a `rest_name`;
enums are their value names without the enum's prefix, lower-cased (`CUSTOMER_TYPE_BUSINESS` is
`"business"`, the `_UNSPECIFIED` value is null); `common.v1.Date` is `"YYYY-MM-DD"`; timestamps
are RFC 3339 in UTC; int64 stays a JSON number; unset messages are null. Requests are checked
by pydantic models built from the same descriptors (bounds from `(aquaerp.api.v1.field)`), so a
bad body is a 422 naming the field before any service is called.

Every value is bounded at this edge, whatever the proto declares: text holds no C0 control
character (tabs and line breaks only in free text, see `aquaerp_runtime.text_input`), integers
fit their proto type, amounts in cents stay within `convert.MAX_CENTS`, numbers are finite,
dates are `YYYY-MM-DD` text (never a number) with a year in `convert.MIN_YEAR..MAX_YEAR`, and a
pattern's `\\d` means the ASCII digits only.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from typing import Annotated, Any, Literal

from aquaerp.api.v1 import annotations_pb2
from aquaerp.common.v1 import common_pb2
from aquaerp_runtime.convert import MAX_CENTS, MAX_YEAR, MIN_YEAR
from aquaerp_runtime.text_input import CONTROL_MESSAGE, has_control_character, is_multiline
from google.protobuf import json_format, struct_pb2
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from pydantic import (
    AfterValidator,
    AwareDatetime,
    Base64Bytes,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    create_model,
    model_validator,
)

DATE = "aquaerp.common.v1.Date"
TIMESTAMP = "google.protobuf.Timestamp"
STRUCT = "google.protobuf.Struct"
TIME_OF_DAY = "aquaerp.intervention.v1.TimeOfDay"
# Messages that are plain values on the REST face.
SPECIAL = {DATE, TIMESTAMP, STRUCT, TIME_OF_DAY}
TimeText = Annotated[
    str,
    StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$"),
    Field(examples=["08:30"]),
]

F = FieldDescriptor
INTEGERS = {F.TYPE_INT32, F.TYPE_INT64, F.TYPE_UINT32, F.TYPE_UINT64, F.TYPE_SINT32}
INTEGERS |= {F.TYPE_SINT64, F.TYPE_FIXED32, F.TYPE_FIXED64, F.TYPE_SFIXED32, F.TYPE_SFIXED64}
FLOATS = {F.TYPE_DOUBLE, F.TYPE_FLOAT}

# Proto comments (by full name) become OpenAPI descriptions; filled by the catalogue.
COMMENTS: dict[str, str] = {}


def rules(field: FieldDescriptor) -> annotations_pb2.Field:
    options = field.GetOptions()
    if options.HasExtension(annotations_pb2.field):
        return options.Extensions[annotations_pb2.field]
    return annotations_pb2.Field()


def rest_name(field: FieldDescriptor) -> str:
    """The field's name in JSON, query strings and path templates."""
    rule = rules(field)
    return rule.rest_name or (f"{field.name}_cents" if rule.cents else field.name)


def message_type(field: FieldDescriptor) -> Descriptor:
    """The message type of a message field."""
    assert field.message_type is not None, field.full_name
    return field.message_type


def fields_of(descriptor: Any) -> list[FieldDescriptor]:
    return list(descriptor.fields)  # typed: the stubs also name upb's own class


def is_repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)


def has_presence(field: FieldDescriptor) -> bool:
    """Proto3 `optional` scalars and oneof members: absent and empty are different."""
    return field.type != F.TYPE_MESSAGE and bool(field.has_presence)


# -- enums -------------------------------------------------------------------------------------
def _enum_prefix(enum: EnumDescriptor) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", enum.name).upper() + "_"


@cache
def enum_names(enum: EnumDescriptor) -> dict[int, str]:
    """Number to REST name, without the `_UNSPECIFIED` zero."""
    prefix = _enum_prefix(enum)
    return {
        value.number: value.name.removeprefix(prefix).lower()
        for value in enum.values
        if value.number != 0
    }


@cache
def enum_numbers(enum: EnumDescriptor) -> dict[str, int]:
    return {name: number for number, name in enum_names(enum).items()}


# -- proto -> JSON -----------------------------------------------------------------------------
def _scalar_out(field: FieldDescriptor) -> Callable[[Any], Any]:
    if rules(field).cents:
        return _amount_cents
    if field.type == F.TYPE_ENUM:
        names = enum_names(field.enum_type)
        return names.get
    if field.type == F.TYPE_BYTES:
        return lambda value: base64.b64encode(value).decode()
    if field.type == F.TYPE_MESSAGE:
        full_name = message_type(field).full_name
        if full_name == DATE:
            return lambda d: date(d.year, d.month, d.day).isoformat() if d.year else None
        if full_name == TIMESTAMP:
            return timestamp_text
        if full_name == STRUCT:
            return json_format.MessageToDict
        if full_name == TIME_OF_DAY:
            return lambda t: f"{t.hours:02d}:{t.minutes:02d}"
        descriptor = message_type(field)
        return lambda message: to_json(message, descriptor)
    return _identity


def _amount_cents(money: Any) -> int:
    return int(money.amount_cents)


def _identity(value: Any) -> Any:
    return value


def timestamp_text(stamp: Timestamp) -> str:
    # Always UTC: a local-time offset here once turned 10:00Z into 10:00+02:00.
    return stamp.ToDatetime(tzinfo=UTC).isoformat().replace("+00:00", "Z")


@dataclass(frozen=True)
class _Out:
    name: str
    key: str
    convert: Callable[[Any], Any]
    repeated: bool
    presence: bool  # null when not set (messages, proto3 optional)
    empty: Any  # shown instead of an empty value (the field's default), or None to keep it


@cache
def _writers(descriptor: Descriptor) -> tuple[_Out, ...]:
    writers = []
    for field in descriptor.fields:
        rule = rules(field)
        if rule.present:
            continue
        empty = json.loads(rule.default) if rule.default else None
        if rule.null_when_empty:
            empty = _NULL
        writers.append(
            _Out(
                name=field.name,
                key=rest_name(field),
                convert=_scalar_out(field),
                repeated=is_repeated(field),
                presence=not is_repeated(field)
                and not rule.cents
                and (field.type == F.TYPE_MESSAGE or has_presence(field)),
                empty=empty,
            )
        )
    return tuple(writers)


_NULL = object()


def to_json(message: Message, descriptor: Descriptor | None = None) -> dict[str, Any]:
    """The REST JSON of a message (a dict ready for `json.dumps`)."""
    out: dict[str, Any] = {}
    for w in _writers(descriptor or message.DESCRIPTOR):
        if w.repeated:
            out[w.key] = [w.convert(item) for item in getattr(message, w.name)]
        elif w.presence and not message.HasField(w.name):
            out[w.key] = None
        else:
            value = w.convert(getattr(message, w.name))
            if w.empty is _NULL and (value == "" or (type(value) is int and value == 0)):
                value = None
            elif w.empty is not None and w.empty is not _NULL and value in (None, ""):
                value = w.empty  # a default shows for an empty string or enum, never for 0
            out[w.key] = value
    return out


# -- JSON (validated) -> proto -----------------------------------------------------------------
def fill(message: Message, body: BaseModel, exclude: frozenset[str] = frozenset()) -> None:
    """Copies a validated request model into `message`; fields left out keep their defaults."""
    descriptor = message.DESCRIPTOR
    present = body.model_fields_set
    for field in fields_of(descriptor):
        rule = rules(field)
        if rule.present:
            if rule.present in present:
                setattr(message, field.name, True)
            continue
        key = attribute(rest_name(field))
        if field.name in exclude or key not in type(body).model_fields:
            continue
        value = getattr(body, key)
        if value is None:
            continue
        set_field(message, field, value)


def set_field(message: Message, field: FieldDescriptor, value: Any) -> None:
    if rules(field).cents:
        money = getattr(message, field.name)
        money.amount_cents, money.currency = value, "EUR"
        return
    if is_repeated(field):
        target = getattr(message, field.name)
        if field.type == F.TYPE_MESSAGE:
            for item in value:
                _fill_message(target.add(), field, item)
        else:
            target.extend(_scalar_in(field, item) for item in value)
    elif field.type == F.TYPE_MESSAGE:
        _fill_message(getattr(message, field.name), field, value)
    else:
        setattr(message, field.name, _scalar_in(field, value))


def _fill_message(target: Message, field: FieldDescriptor, value: Any) -> None:
    full_name = message_type(field).full_name
    if full_name == DATE:
        assert isinstance(target, common_pb2.Date)
        target.year, target.month, target.day = value.year, value.month, value.day
    elif full_name == TIMESTAMP:
        assert isinstance(target, Timestamp)
        target.FromDatetime(value if value.tzinfo else value.replace(tzinfo=UTC))
    elif full_name == STRUCT:
        assert isinstance(target, struct_pb2.Struct)
        target.update(value)
    elif full_name == TIME_OF_DAY:
        hours, minutes = value.split(":")
        json_format.ParseDict({"hours": int(hours), "minutes": int(minutes)}, target)
    else:
        target.SetInParent()
        if isinstance(value, dict):  # a default declared as JSON in the proto
            value = model(message_type(field), False).model_validate(value)
        fill(target, value)


def _scalar_in(field: FieldDescriptor, value: Any) -> Any:
    if field.type == F.TYPE_ENUM:
        return enum_numbers(field.enum_type)[value]
    return value


# -- pydantic models (validation and OpenAPI) --------------------------------------------------
class ResponseModel(BaseModel):
    model_config = ConfigDict(populate_by_name=True)


class RequestModel(BaseModel):
    """Request bodies: unknown fields are an error (422), never silently dropped."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def attribute(name: str) -> str:
    """Python attribute of a JSON key: names that BaseModel already uses get a trailing `_`."""
    return f"{name}_" if hasattr(BaseModel, name) else name


# -- bounds of every value received ----------------------------------------------------------
INTEGER_BOUNDS = {
    F.TYPE_INT32: (-(2**31), 2**31 - 1),
    F.TYPE_SINT32: (-(2**31), 2**31 - 1),
    F.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    F.TYPE_UINT32: (0, 2**32 - 1),
    F.TYPE_FIXED32: (0, 2**32 - 1),
    F.TYPE_INT64: (-(2**63), 2**63 - 1),
    F.TYPE_SINT64: (-(2**63), 2**63 - 1),
    F.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    F.TYPE_UINT64: (0, 2**64 - 1),
    F.TYPE_FIXED64: (0, 2**64 - 1),
}
MONEY_CENTS = "aquaerp.common.v1.Money.amount_cents"
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def _single_line(value: str) -> str:
    if has_control_character(value):
        raise ValueError(CONTROL_MESSAGE)
    return value


def _free_text(value: str) -> str:
    if has_control_character(value, multiline=True):
        raise ValueError(CONTROL_MESSAGE)
    return value


def _iso_date_only(value: Any) -> Any:
    """A date is `YYYY-MM-DD` text: pydantic would otherwise read a number as a Unix time."""
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not ISO_DATE.fullmatch(value):
        raise ValueError("must be a date as YYYY-MM-DD")
    return value


def _year_in_range(value: date) -> date:
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise ValueError(f"year must be {MIN_YEAR}-{MAX_YEAR}")
    return value


def _texts_checked(value: Any) -> Any:
    """Every text of a free JSON object (keys and values) without control characters."""
    if isinstance(value, str):
        _free_text(value)
    elif isinstance(value, dict):
        for key, item in value.items():
            _single_line(str(key))
            _texts_checked(item)
    elif isinstance(value, list):
        for item in value:
            _texts_checked(item)
    elif isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise ValueError("must be a finite number")
    return value


SingleLineText = Annotated[str, AfterValidator(_single_line)]
FreeText = Annotated[str, AfterValidator(_free_text)]
DateInput = Annotated[date, BeforeValidator(_iso_date_only), AfterValidator(_year_in_range)]
TimestampInput = Annotated[AwareDatetime, AfterValidator(_year_in_range)]
FiniteFloat = Annotated[float, Field(allow_inf_nan=False)]
StructInput = Annotated[dict[str, Any], AfterValidator(_texts_checked)]


def value_type(field: FieldDescriptor, output: bool) -> Any:
    """The Python type of one value of `field` (not of the list, for a repeated field)."""
    if rules(field).cents:
        return int
    if field.type == F.TYPE_ENUM:
        return Literal[tuple(enum_names(field.enum_type).values())]
    if field.type == F.TYPE_BOOL:
        return bool
    if field.type in INTEGERS:
        return int
    if field.type in FLOATS:
        return float if output else FiniteFloat
    if field.type == F.TYPE_BYTES:
        return str if output else Base64Bytes
    if field.type == F.TYPE_MESSAGE:
        full_name = message_type(field).full_name
        if full_name == DATE:
            return date if output else DateInput
        if full_name == TIMESTAMP:
            return datetime if output else TimestampInput
        if full_name == STRUCT:
            return dict[str, Any] if output else StructInput
        if full_name == TIME_OF_DAY:
            return str if output else TimeText
        return model(message_type(field), output)
    if output:
        return str
    return FreeText if is_multiline(field.name) else SingleLineText


def constraints(field: FieldDescriptor, output: bool = False) -> dict[str, Any]:
    """pydantic `Field` arguments: bounds, description, example."""
    rule = rules(field)
    kwargs: dict[str, Any] = {}
    description = COMMENTS.get(field.full_name)
    if description:
        kwargs["description"] = description
    if rule.example:
        kwargs["examples"] = [json.loads(rule.example)]
    if output:
        return kwargs
    if rule.min_length:
        kwargs["min_length"] = rule.min_length
    if rule.max_length:
        kwargs["max_length"] = rule.max_length
    if rule.HasField("minimum"):
        kwargs["ge"] = _number(field, rule.minimum)
    if rule.HasField("maximum"):
        kwargs["le"] = _number(field, rule.maximum)
    if rule.cents or field.full_name == MONEY_CENTS:
        kwargs["ge"] = max(kwargs.get("ge", -MAX_CENTS), -MAX_CENTS)
        kwargs["le"] = min(kwargs.get("le", MAX_CENTS), MAX_CENTS)
    elif field.type in INTEGER_BOUNDS:
        low, high = INTEGER_BOUNDS[field.type]
        kwargs["ge"] = max(kwargs.get("ge", low), low)
        kwargs["le"] = min(kwargs.get("le", high), high)
    if rule.pattern:
        # ASCII digits only: Unicode's \d takes full-width digits no service expects.
        kwargs["pattern"] = rule.pattern.replace("\\d", "[0-9]")
    return kwargs


def _number(field: FieldDescriptor, value: float) -> float | int:
    return int(value) if field.type in INTEGERS else value


def field_definition(field: FieldDescriptor, output: bool) -> tuple[Any, Any]:
    """`(type, FieldInfo)` for `create_model`."""
    rule = rules(field)
    kwargs = constraints(field, output)
    if attribute(rest_name(field)) != rest_name(field):
        kwargs["alias"] = rest_name(field)
    one = value_type(field, output)
    if is_repeated(field):
        if output:
            return list.__class_getitem__(one), Field(**kwargs)
        if rule.required:
            return list.__class_getitem__(one), Field(**kwargs)
        return list.__class_getitem__(one), Field(default_factory=list, **kwargs)
    nullable = (field.type == F.TYPE_MESSAGE and not rule.cents) or has_presence(field)
    if output:
        if nullable or rule.null_when_empty or field.type == F.TYPE_ENUM:
            return one | None, Field(**kwargs)
        return one, Field(**kwargs)
    if rule.required and field.containing_oneof is None:
        return one, Field(**kwargs)
    if rule.default:
        return one, Field(default=json.loads(rule.default), **kwargs)
    # An optional amount left out stays unset (the service tells "absent" from zero).
    if nullable or rule.cents or field.type == F.TYPE_ENUM:
        return one | None, Field(default=None, **kwargs)
    return one, Field(default=_zero(field), **kwargs)


def _zero(field: FieldDescriptor) -> Any:
    if field.type == F.TYPE_BOOL:
        return False
    if field.type in INTEGERS:
        return 0
    if field.type in FLOATS:
        return 0.0
    return ""


@cache
def model(descriptor: Descriptor, output: bool) -> type[BaseModel]:
    """The pydantic model of a message: a request body (`output=False`) or a response."""
    return fields_model(
        descriptor, output, frozenset(), descriptor.name if output else input_name(descriptor)
    )


def input_name(descriptor: Descriptor) -> str:
    """OpenAPI name of a message as a request body (responses keep the message name)."""
    name = descriptor.name
    if name.endswith("Request"):
        return name.removesuffix("Request") + "Body"
    return name if name.endswith("Input") else name + "Input"


def fields_model(
    descriptor: Descriptor, output: bool, exclude: frozenset[str], name: str
) -> type[BaseModel]:
    definitions: dict[str, Any] = {}
    for field in descriptor.fields:
        rule = rules(field)
        if field.name in exclude or rule.present or (rule.output_only and not output):
            continue
        definitions[attribute(rest_name(field))] = field_definition(field, output)
    groups = [] if output else oneof_groups(descriptor)
    validators: dict[str, Any] = {"one_source": model_validator(mode="after")(_oneof_check(groups))}
    # The field definitions are computed, which no overload of create_model describes.
    created: type[BaseModel] = create_model(
        name,
        __base__=ResponseModel if output else RequestModel,
        __doc__=COMMENTS.get(descriptor.full_name) or None,
        __module__=__name__,
        __validators__=validators if groups else None,
        **definitions,
    )
    return created


def oneof_groups(descriptor: Descriptor) -> list[tuple[list[str], bool]]:
    """The JSON names of each real `oneof` (not a proto3 `optional`), and whether one of them
    must be given (a member declares `required`)."""
    groups = []
    for oneof in descriptor.oneofs:
        members = list(oneof.fields)
        if len(members) == 1 and oneof.name == "_" + members[0].name:
            continue
        names = [attribute(rest_name(f)) for f in members]
        groups.append((names, any(rules(f).required for f in members)))
    return groups


def _oneof_check(groups: list[tuple[list[str], bool]]) -> Callable[[BaseModel], BaseModel]:
    def check(body: BaseModel) -> BaseModel:
        for names, required in groups:
            given = [n for n in names if getattr(body, n, None) is not None]
            if len(given) > 1 or (required and not given):
                raise ValueError("give exactly one of " + ", ".join(names))
        return body

    return check


def list_model(name: str, descriptor: Descriptor) -> type[BaseModel]:
    """`{"items": [...]}` of a message, for a hand-written list route's OpenAPI."""
    items: Any = list.__class_getitem__(model(descriptor, True))
    created: type[BaseModel] = create_model(name, __base__=ResponseModel, items=(items, ...))
    return created
