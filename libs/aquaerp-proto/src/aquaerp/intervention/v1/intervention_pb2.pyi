import datetime

from aquaerp.common.v1 import common_pb2 as _common_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class InterventionKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INTERVENTION_KIND_UNSPECIFIED: _ClassVar[InterventionKind]
    INTERVENTION_KIND_PREVENTIVE: _ClassVar[InterventionKind]
    INTERVENTION_KIND_CORRECTIVE: _ClassVar[InterventionKind]

class InterventionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INTERVENTION_STATUS_UNSPECIFIED: _ClassVar[InterventionStatus]
    INTERVENTION_STATUS_SCHEDULED: _ClassVar[InterventionStatus]
    INTERVENTION_STATUS_IN_PROGRESS: _ClassVar[InterventionStatus]
    INTERVENTION_STATUS_COMPLETED: _ClassVar[InterventionStatus]
    INTERVENTION_STATUS_CANCELLED: _ClassVar[InterventionStatus]
    INTERVENTION_STATUS_OVERDUE: _ClassVar[InterventionStatus]

class Priority(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PRIORITY_UNSPECIFIED: _ClassVar[Priority]
    PRIORITY_LOW: _ClassVar[Priority]
    PRIORITY_NORMAL: _ClassVar[Priority]
    PRIORITY_HIGH: _ClassVar[Priority]
    PRIORITY_URGENT: _ClassVar[Priority]
INTERVENTION_KIND_UNSPECIFIED: InterventionKind
INTERVENTION_KIND_PREVENTIVE: InterventionKind
INTERVENTION_KIND_CORRECTIVE: InterventionKind
INTERVENTION_STATUS_UNSPECIFIED: InterventionStatus
INTERVENTION_STATUS_SCHEDULED: InterventionStatus
INTERVENTION_STATUS_IN_PROGRESS: InterventionStatus
INTERVENTION_STATUS_COMPLETED: InterventionStatus
INTERVENTION_STATUS_CANCELLED: InterventionStatus
INTERVENTION_STATUS_OVERDUE: InterventionStatus
PRIORITY_UNSPECIFIED: Priority
PRIORITY_LOW: Priority
PRIORITY_NORMAL: Priority
PRIORITY_HIGH: Priority
PRIORITY_URGENT: Priority

class TimeOfDay(_message.Message):
    __slots__ = ("hours", "minutes")
    HOURS_FIELD_NUMBER: _ClassVar[int]
    MINUTES_FIELD_NUMBER: _ClassVar[int]
    hours: int
    minutes: int
    def __init__(self, hours: _Optional[int] = ..., minutes: _Optional[int] = ...) -> None: ...

class WorkingPeriod(_message.Message):
    __slots__ = ("weekday", "start", "end")
    WEEKDAY_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    weekday: int
    start: TimeOfDay
    end: TimeOfDay
    def __init__(self, weekday: _Optional[int] = ..., start: _Optional[_Union[TimeOfDay, _Mapping]] = ..., end: _Optional[_Union[TimeOfDay, _Mapping]] = ...) -> None: ...

class Technician(_message.Message):
    __slots__ = ("id", "user_id", "display_name", "skills", "working_hours", "home_base", "active", "calendar_feed_enabled", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    HOME_BASE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    CALENDAR_FEED_ENABLED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    user_id: str
    display_name: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    working_hours: _containers.RepeatedCompositeFieldContainer[WorkingPeriod]
    home_base: _common_pb2.GeoPoint
    active: bool
    calendar_feed_enabled: bool
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., user_id: _Optional[str] = ..., display_name: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., working_hours: _Optional[_Iterable[_Union[WorkingPeriod, _Mapping]]] = ..., home_base: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., active: _Optional[bool] = ..., calendar_feed_enabled: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class Absence(_message.Message):
    __slots__ = ("id", "technician_id", "start_time", "end_time", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    TECHNICIAN_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    technician_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, id: _Optional[str] = ..., technician_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class SiteSnapshot(_message.Message):
    __slots__ = ("site_id", "name", "address", "location", "access_notes", "gate_code")
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    ACCESS_NOTES_FIELD_NUMBER: _ClassVar[int]
    GATE_CODE_FIELD_NUMBER: _ClassVar[int]
    site_id: str
    name: str
    address: _common_pb2.Address
    location: _common_pb2.GeoPoint
    access_notes: str
    gate_code: str
    def __init__(self, site_id: _Optional[str] = ..., name: _Optional[str] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., location: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., access_notes: _Optional[str] = ..., gate_code: _Optional[str] = ...) -> None: ...

class Measurements(_message.Message):
    __slots__ = ("ph", "free_chlorine_mg_l", "total_chlorine_mg_l", "tac_mg_l", "cyanuric_acid_mg_l", "salt_g_l", "temperature_c")
    PH_FIELD_NUMBER: _ClassVar[int]
    FREE_CHLORINE_MG_L_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CHLORINE_MG_L_FIELD_NUMBER: _ClassVar[int]
    TAC_MG_L_FIELD_NUMBER: _ClassVar[int]
    CYANURIC_ACID_MG_L_FIELD_NUMBER: _ClassVar[int]
    SALT_G_L_FIELD_NUMBER: _ClassVar[int]
    TEMPERATURE_C_FIELD_NUMBER: _ClassVar[int]
    ph: float
    free_chlorine_mg_l: float
    total_chlorine_mg_l: float
    tac_mg_l: float
    cyanuric_acid_mg_l: float
    salt_g_l: float
    temperature_c: float
    def __init__(self, ph: _Optional[float] = ..., free_chlorine_mg_l: _Optional[float] = ..., total_chlorine_mg_l: _Optional[float] = ..., tac_mg_l: _Optional[float] = ..., cyanuric_acid_mg_l: _Optional[float] = ..., salt_g_l: _Optional[float] = ..., temperature_c: _Optional[float] = ...) -> None: ...

class MeasurementWarning(_message.Message):
    __slots__ = ("field", "message")
    FIELD_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    field: str
    message: str
    def __init__(self, field: _Optional[str] = ..., message: _Optional[str] = ...) -> None: ...

class PartUsed(_message.Message):
    __slots__ = ("description", "product_code", "quantity", "unit", "unit_price", "billable")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CODE_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    BILLABLE_FIELD_NUMBER: _ClassVar[int]
    description: str
    product_code: str
    quantity: str
    unit: str
    unit_price: _common_pb2.Money
    billable: bool
    def __init__(self, description: _Optional[str] = ..., product_code: _Optional[str] = ..., quantity: _Optional[str] = ..., unit: _Optional[str] = ..., unit_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., billable: _Optional[bool] = ...) -> None: ...

class Signature(_message.Message):
    __slots__ = ("signer_name", "signed_at", "png")
    SIGNER_NAME_FIELD_NUMBER: _ClassVar[int]
    SIGNED_AT_FIELD_NUMBER: _ClassVar[int]
    PNG_FIELD_NUMBER: _ClassVar[int]
    signer_name: str
    signed_at: _timestamp_pb2.Timestamp
    png: bytes
    def __init__(self, signer_name: _Optional[str] = ..., signed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., png: _Optional[bytes] = ...) -> None: ...

class Report(_message.Message):
    __slots__ = ("measurements", "warnings", "actions", "parts", "time_spent_minutes", "notes", "customer_signature", "technician_signature", "customer_absent", "customer_absence_reason", "pdf_available")
    MEASUREMENTS_FIELD_NUMBER: _ClassVar[int]
    WARNINGS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    TIME_SPENT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    TECHNICIAN_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ABSENT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ABSENCE_REASON_FIELD_NUMBER: _ClassVar[int]
    PDF_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    measurements: Measurements
    warnings: _containers.RepeatedCompositeFieldContainer[MeasurementWarning]
    actions: _containers.RepeatedScalarFieldContainer[str]
    parts: _containers.RepeatedCompositeFieldContainer[PartUsed]
    time_spent_minutes: int
    notes: str
    customer_signature: Signature
    technician_signature: Signature
    customer_absent: bool
    customer_absence_reason: str
    pdf_available: bool
    def __init__(self, measurements: _Optional[_Union[Measurements, _Mapping]] = ..., warnings: _Optional[_Iterable[_Union[MeasurementWarning, _Mapping]]] = ..., actions: _Optional[_Iterable[str]] = ..., parts: _Optional[_Iterable[_Union[PartUsed, _Mapping]]] = ..., time_spent_minutes: _Optional[int] = ..., notes: _Optional[str] = ..., customer_signature: _Optional[_Union[Signature, _Mapping]] = ..., technician_signature: _Optional[_Union[Signature, _Mapping]] = ..., customer_absent: _Optional[bool] = ..., customer_absence_reason: _Optional[str] = ..., pdf_available: _Optional[bool] = ...) -> None: ...

class Intervention(_message.Message):
    __slots__ = ("id", "kind", "status", "contract_id", "customer_id", "site", "plan_id", "occurrence_date", "planned_date", "window_start", "window_end", "estimated_minutes", "required_skill", "label", "priority", "problem_description", "sla_deadline", "sla_breached", "billable", "next_from_completion", "technician_id", "technician_name", "scheduled_start", "scheduled_end", "started_at", "completed_at", "cancelled_at", "cancel_reason", "report", "version", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    OCCURRENCE_DATE_FIELD_NUMBER: _ClassVar[int]
    PLANNED_DATE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_SKILL_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SLA_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    SLA_BREACHED_FIELD_NUMBER: _ClassVar[int]
    BILLABLE_FIELD_NUMBER: _ClassVar[int]
    NEXT_FROM_COMPLETION_FIELD_NUMBER: _ClassVar[int]
    TECHNICIAN_ID_FIELD_NUMBER: _ClassVar[int]
    TECHNICIAN_NAME_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_START_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_END_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    CANCELLED_AT_FIELD_NUMBER: _ClassVar[int]
    CANCEL_REASON_FIELD_NUMBER: _ClassVar[int]
    REPORT_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    kind: InterventionKind
    status: InterventionStatus
    contract_id: str
    customer_id: str
    site: SiteSnapshot
    plan_id: str
    occurrence_date: _common_pb2.Date
    planned_date: _common_pb2.Date
    window_start: TimeOfDay
    window_end: TimeOfDay
    estimated_minutes: int
    required_skill: str
    label: str
    priority: Priority
    problem_description: str
    sla_deadline: _timestamp_pb2.Timestamp
    sla_breached: bool
    billable: bool
    next_from_completion: bool
    technician_id: str
    technician_name: str
    scheduled_start: _timestamp_pb2.Timestamp
    scheduled_end: _timestamp_pb2.Timestamp
    started_at: _timestamp_pb2.Timestamp
    completed_at: _timestamp_pb2.Timestamp
    cancelled_at: _timestamp_pb2.Timestamp
    cancel_reason: str
    report: Report
    version: int
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., kind: _Optional[_Union[InterventionKind, str]] = ..., status: _Optional[_Union[InterventionStatus, str]] = ..., contract_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., site: _Optional[_Union[SiteSnapshot, _Mapping]] = ..., plan_id: _Optional[str] = ..., occurrence_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., planned_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., window_start: _Optional[_Union[TimeOfDay, _Mapping]] = ..., window_end: _Optional[_Union[TimeOfDay, _Mapping]] = ..., estimated_minutes: _Optional[int] = ..., required_skill: _Optional[str] = ..., label: _Optional[str] = ..., priority: _Optional[_Union[Priority, str]] = ..., problem_description: _Optional[str] = ..., sla_deadline: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sla_breached: _Optional[bool] = ..., billable: _Optional[bool] = ..., next_from_completion: _Optional[bool] = ..., technician_id: _Optional[str] = ..., technician_name: _Optional[str] = ..., scheduled_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scheduled_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancelled_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., cancel_reason: _Optional[str] = ..., report: _Optional[_Union[Report, _Mapping]] = ..., version: _Optional[int] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateTechnicianRequest(_message.Message):
    __slots__ = ("user_id", "display_name", "skills", "working_hours", "home_base")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    HOME_BASE_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    display_name: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    working_hours: _containers.RepeatedCompositeFieldContainer[WorkingPeriod]
    home_base: _common_pb2.GeoPoint
    def __init__(self, user_id: _Optional[str] = ..., display_name: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., working_hours: _Optional[_Iterable[_Union[WorkingPeriod, _Mapping]]] = ..., home_base: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ...) -> None: ...

class GetTechnicianRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListTechniciansRequest(_message.Message):
    __slots__ = ("page", "skill", "include_inactive")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    SKILL_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_INACTIVE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    skill: str
    include_inactive: bool
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., skill: _Optional[str] = ..., include_inactive: _Optional[bool] = ...) -> None: ...

class ListTechniciansResponse(_message.Message):
    __slots__ = ("technicians", "page")
    TECHNICIANS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    technicians: _containers.RepeatedCompositeFieldContainer[Technician]
    page: _common_pb2.PageResponse
    def __init__(self, technicians: _Optional[_Iterable[_Union[Technician, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class UpdateTechnicianRequest(_message.Message):
    __slots__ = ("id", "display_name", "skills", "update_skills", "working_hours", "update_working_hours", "home_base", "active")
    ID_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    SKILLS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_SKILLS_FIELD_NUMBER: _ClassVar[int]
    WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    UPDATE_WORKING_HOURS_FIELD_NUMBER: _ClassVar[int]
    HOME_BASE_FIELD_NUMBER: _ClassVar[int]
    ACTIVE_FIELD_NUMBER: _ClassVar[int]
    id: str
    display_name: str
    skills: _containers.RepeatedScalarFieldContainer[str]
    update_skills: bool
    working_hours: _containers.RepeatedCompositeFieldContainer[WorkingPeriod]
    update_working_hours: bool
    home_base: _common_pb2.GeoPoint
    active: bool
    def __init__(self, id: _Optional[str] = ..., display_name: _Optional[str] = ..., skills: _Optional[_Iterable[str]] = ..., update_skills: _Optional[bool] = ..., working_hours: _Optional[_Iterable[_Union[WorkingPeriod, _Mapping]]] = ..., update_working_hours: _Optional[bool] = ..., home_base: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., active: _Optional[bool] = ...) -> None: ...

class AddAbsenceRequest(_message.Message):
    __slots__ = ("technician_id", "start_time", "end_time", "reason")
    TECHNICIAN_ID_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    technician_id: str
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    reason: str
    def __init__(self, technician_id: _Optional[str] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class RemoveAbsenceRequest(_message.Message):
    __slots__ = ("technician_id", "absence_id")
    TECHNICIAN_ID_FIELD_NUMBER: _ClassVar[int]
    ABSENCE_ID_FIELD_NUMBER: _ClassVar[int]
    technician_id: str
    absence_id: str
    def __init__(self, technician_id: _Optional[str] = ..., absence_id: _Optional[str] = ...) -> None: ...

class RemoveAbsenceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ListAbsencesRequest(_message.Message):
    __slots__ = ("technician_id", "from_date", "to_date")
    TECHNICIAN_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    technician_id: str
    from_date: _common_pb2.Date
    to_date: _common_pb2.Date
    def __init__(self, technician_id: _Optional[str] = ..., from_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., to_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class ListAbsencesResponse(_message.Message):
    __slots__ = ("absences",)
    ABSENCES_FIELD_NUMBER: _ClassVar[int]
    absences: _containers.RepeatedCompositeFieldContainer[Absence]
    def __init__(self, absences: _Optional[_Iterable[_Union[Absence, _Mapping]]] = ...) -> None: ...

class RotateCalendarTokenRequest(_message.Message):
    __slots__ = ("technician_id",)
    TECHNICIAN_ID_FIELD_NUMBER: _ClassVar[int]
    technician_id: str
    def __init__(self, technician_id: _Optional[str] = ...) -> None: ...

class RotateCalendarTokenResponse(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class RevokeCalendarTokenRequest(_message.Message):
    __slots__ = ("technician_id",)
    TECHNICIAN_ID_FIELD_NUMBER: _ClassVar[int]
    technician_id: str
    def __init__(self, technician_id: _Optional[str] = ...) -> None: ...

class RevokeCalendarTokenResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetCalendarFeedRequest(_message.Message):
    __slots__ = ("token",)
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    token: str
    def __init__(self, token: _Optional[str] = ...) -> None: ...

class GetCalendarFeedResponse(_message.Message):
    __slots__ = ("ics",)
    ICS_FIELD_NUMBER: _ClassVar[int]
    ics: str
    def __init__(self, ics: _Optional[str] = ...) -> None: ...

class GeneratePlanRequest(_message.Message):
    __slots__ = ("contract_id", "horizon_months", "from_date")
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    HORIZON_MONTHS_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    contract_id: str
    horizon_months: int
    from_date: _common_pb2.Date
    def __init__(self, contract_id: _Optional[str] = ..., horizon_months: _Optional[int] = ..., from_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class GeneratePlanResponse(_message.Message):
    __slots__ = ("created", "existing", "from_date", "to_date")
    CREATED_FIELD_NUMBER: _ClassVar[int]
    EXISTING_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    created: int
    existing: int
    from_date: _common_pb2.Date
    to_date: _common_pb2.Date
    def __init__(self, created: _Optional[int] = ..., existing: _Optional[int] = ..., from_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., to_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class CancelFutureVisitsRequest(_message.Message):
    __slots__ = ("contract_id", "from_date", "reason")
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    contract_id: str
    from_date: _common_pb2.Date
    reason: str
    def __init__(self, contract_id: _Optional[str] = ..., from_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class CancelFutureVisitsResponse(_message.Message):
    __slots__ = ("cancelled",)
    CANCELLED_FIELD_NUMBER: _ClassVar[int]
    cancelled: int
    def __init__(self, cancelled: _Optional[int] = ...) -> None: ...

class MarkOverdueVisitsRequest(_message.Message):
    __slots__ = ("as_of",)
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    as_of: _common_pb2.Date
    def __init__(self, as_of: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class MarkOverdueVisitsResponse(_message.Message):
    __slots__ = ("marked",)
    MARKED_FIELD_NUMBER: _ClassVar[int]
    marked: int
    def __init__(self, marked: _Optional[int] = ...) -> None: ...

class CreateInterventionRequest(_message.Message):
    __slots__ = ("contract_id", "site_id", "priority", "problem_description", "billable", "reported_at", "planned_date", "window_start", "window_end", "estimated_minutes", "required_skill")
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    PRIORITY_FIELD_NUMBER: _ClassVar[int]
    PROBLEM_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    BILLABLE_FIELD_NUMBER: _ClassVar[int]
    REPORTED_AT_FIELD_NUMBER: _ClassVar[int]
    PLANNED_DATE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    ESTIMATED_MINUTES_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_SKILL_FIELD_NUMBER: _ClassVar[int]
    contract_id: str
    site_id: str
    priority: Priority
    problem_description: str
    billable: bool
    reported_at: _timestamp_pb2.Timestamp
    planned_date: _common_pb2.Date
    window_start: TimeOfDay
    window_end: TimeOfDay
    estimated_minutes: int
    required_skill: str
    def __init__(self, contract_id: _Optional[str] = ..., site_id: _Optional[str] = ..., priority: _Optional[_Union[Priority, str]] = ..., problem_description: _Optional[str] = ..., billable: _Optional[bool] = ..., reported_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., planned_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., window_start: _Optional[_Union[TimeOfDay, _Mapping]] = ..., window_end: _Optional[_Union[TimeOfDay, _Mapping]] = ..., estimated_minutes: _Optional[int] = ..., required_skill: _Optional[str] = ...) -> None: ...

class GetInterventionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListInterventionsRequest(_message.Message):
    __slots__ = ("page", "technician_id", "contract_id", "site_id", "customer_id", "statuses", "kind", "from_date", "to_date", "unassigned_only")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    TECHNICIAN_ID_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_ONLY_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    technician_id: str
    contract_id: str
    site_id: str
    customer_id: str
    statuses: _containers.RepeatedScalarFieldContainer[InterventionStatus]
    kind: InterventionKind
    from_date: _common_pb2.Date
    to_date: _common_pb2.Date
    unassigned_only: bool
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., technician_id: _Optional[str] = ..., contract_id: _Optional[str] = ..., site_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[InterventionStatus, str]]] = ..., kind: _Optional[_Union[InterventionKind, str]] = ..., from_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., to_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., unassigned_only: _Optional[bool] = ...) -> None: ...

class ListInterventionsResponse(_message.Message):
    __slots__ = ("interventions", "page")
    INTERVENTIONS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    interventions: _containers.RepeatedCompositeFieldContainer[Intervention]
    page: _common_pb2.PageResponse
    def __init__(self, interventions: _Optional[_Iterable[_Union[Intervention, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class RescheduleInterventionRequest(_message.Message):
    __slots__ = ("id", "planned_date", "window_start", "window_end", "scheduled_start", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    PLANNED_DATE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_START_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    planned_date: _common_pb2.Date
    window_start: TimeOfDay
    window_end: TimeOfDay
    scheduled_start: _timestamp_pb2.Timestamp
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., planned_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., window_start: _Optional[_Union[TimeOfDay, _Mapping]] = ..., window_end: _Optional[_Union[TimeOfDay, _Mapping]] = ..., scheduled_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class CancelInterventionRequest(_message.Message):
    __slots__ = ("id", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    reason: str
    def __init__(self, id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class AssignInterventionRequest(_message.Message):
    __slots__ = ("id", "technician_id", "scheduled_start", "expected_version")
    ID_FIELD_NUMBER: _ClassVar[int]
    TECHNICIAN_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_START_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_VERSION_FIELD_NUMBER: _ClassVar[int]
    id: str
    technician_id: str
    scheduled_start: _timestamp_pb2.Timestamp
    expected_version: int
    def __init__(self, id: _Optional[str] = ..., technician_id: _Optional[str] = ..., scheduled_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., expected_version: _Optional[int] = ...) -> None: ...

class UnassignInterventionRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class AutoAssignRequest(_message.Message):
    __slots__ = ("from_date", "to_date", "dry_run", "technician_ids")
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    TECHNICIAN_IDS_FIELD_NUMBER: _ClassVar[int]
    from_date: _common_pb2.Date
    to_date: _common_pb2.Date
    dry_run: bool
    technician_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, from_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., to_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., dry_run: _Optional[bool] = ..., technician_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ProposedAssignment(_message.Message):
    __slots__ = ("intervention_id", "technician_id", "scheduled_start", "scheduled_end", "sequence", "travel_metres")
    INTERVENTION_ID_FIELD_NUMBER: _ClassVar[int]
    TECHNICIAN_ID_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_START_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_END_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_METRES_FIELD_NUMBER: _ClassVar[int]
    intervention_id: str
    technician_id: str
    scheduled_start: _timestamp_pb2.Timestamp
    scheduled_end: _timestamp_pb2.Timestamp
    sequence: int
    travel_metres: int
    def __init__(self, intervention_id: _Optional[str] = ..., technician_id: _Optional[str] = ..., scheduled_start: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., scheduled_end: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sequence: _Optional[int] = ..., travel_metres: _Optional[int] = ...) -> None: ...

class UnplacedIntervention(_message.Message):
    __slots__ = ("intervention_id", "reason")
    INTERVENTION_ID_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    intervention_id: str
    reason: str
    def __init__(self, intervention_id: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class TechnicianDayLoad(_message.Message):
    __slots__ = ("technician_id", "date", "visits", "work_minutes", "travel_metres")
    TECHNICIAN_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    VISITS_FIELD_NUMBER: _ClassVar[int]
    WORK_MINUTES_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_METRES_FIELD_NUMBER: _ClassVar[int]
    technician_id: str
    date: _common_pb2.Date
    visits: int
    work_minutes: int
    travel_metres: int
    def __init__(self, technician_id: _Optional[str] = ..., date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., visits: _Optional[int] = ..., work_minutes: _Optional[int] = ..., travel_metres: _Optional[int] = ...) -> None: ...

class AutoAssignResponse(_message.Message):
    __slots__ = ("assignments", "unplaced", "loads", "total_travel_metres", "dry_run")
    ASSIGNMENTS_FIELD_NUMBER: _ClassVar[int]
    UNPLACED_FIELD_NUMBER: _ClassVar[int]
    LOADS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_TRAVEL_METRES_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    assignments: _containers.RepeatedCompositeFieldContainer[ProposedAssignment]
    unplaced: _containers.RepeatedCompositeFieldContainer[UnplacedIntervention]
    loads: _containers.RepeatedCompositeFieldContainer[TechnicianDayLoad]
    total_travel_metres: int
    dry_run: bool
    def __init__(self, assignments: _Optional[_Iterable[_Union[ProposedAssignment, _Mapping]]] = ..., unplaced: _Optional[_Iterable[_Union[UnplacedIntervention, _Mapping]]] = ..., loads: _Optional[_Iterable[_Union[TechnicianDayLoad, _Mapping]]] = ..., total_travel_metres: _Optional[int] = ..., dry_run: _Optional[bool] = ...) -> None: ...

class GetPlanningRequest(_message.Message):
    __slots__ = ("from_date", "to_date", "technician_ids")
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    TECHNICIAN_IDS_FIELD_NUMBER: _ClassVar[int]
    from_date: _common_pb2.Date
    to_date: _common_pb2.Date
    technician_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, from_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., to_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., technician_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class PlanningLane(_message.Message):
    __slots__ = ("technician", "interventions")
    TECHNICIAN_FIELD_NUMBER: _ClassVar[int]
    INTERVENTIONS_FIELD_NUMBER: _ClassVar[int]
    technician: Technician
    interventions: _containers.RepeatedCompositeFieldContainer[Intervention]
    def __init__(self, technician: _Optional[_Union[Technician, _Mapping]] = ..., interventions: _Optional[_Iterable[_Union[Intervention, _Mapping]]] = ...) -> None: ...

class GetPlanningResponse(_message.Message):
    __slots__ = ("lanes", "unassigned")
    LANES_FIELD_NUMBER: _ClassVar[int]
    UNASSIGNED_FIELD_NUMBER: _ClassVar[int]
    lanes: _containers.RepeatedCompositeFieldContainer[PlanningLane]
    unassigned: _containers.RepeatedCompositeFieldContainer[Intervention]
    def __init__(self, lanes: _Optional[_Iterable[_Union[PlanningLane, _Mapping]]] = ..., unassigned: _Optional[_Iterable[_Union[Intervention, _Mapping]]] = ...) -> None: ...

class GetTechnicianScheduleRequest(_message.Message):
    __slots__ = ("technician_id", "from_date", "to_date")
    TECHNICIAN_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    technician_id: str
    from_date: _common_pb2.Date
    to_date: _common_pb2.Date
    def __init__(self, technician_id: _Optional[str] = ..., from_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., to_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class ScheduleStop(_message.Message):
    __slots__ = ("intervention", "sequence", "travel_metres", "travel_minutes")
    INTERVENTION_FIELD_NUMBER: _ClassVar[int]
    SEQUENCE_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_METRES_FIELD_NUMBER: _ClassVar[int]
    TRAVEL_MINUTES_FIELD_NUMBER: _ClassVar[int]
    intervention: Intervention
    sequence: int
    travel_metres: int
    travel_minutes: int
    def __init__(self, intervention: _Optional[_Union[Intervention, _Mapping]] = ..., sequence: _Optional[int] = ..., travel_metres: _Optional[int] = ..., travel_minutes: _Optional[int] = ...) -> None: ...

class ScheduleDay(_message.Message):
    __slots__ = ("date", "stops")
    DATE_FIELD_NUMBER: _ClassVar[int]
    STOPS_FIELD_NUMBER: _ClassVar[int]
    date: _common_pb2.Date
    stops: _containers.RepeatedCompositeFieldContainer[ScheduleStop]
    def __init__(self, date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., stops: _Optional[_Iterable[_Union[ScheduleStop, _Mapping]]] = ...) -> None: ...

class GetTechnicianScheduleResponse(_message.Message):
    __slots__ = ("technician", "days")
    TECHNICIAN_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    technician: Technician
    days: _containers.RepeatedCompositeFieldContainer[ScheduleDay]
    def __init__(self, technician: _Optional[_Union[Technician, _Mapping]] = ..., days: _Optional[_Iterable[_Union[ScheduleDay, _Mapping]]] = ...) -> None: ...

class StartInterventionRequest(_message.Message):
    __slots__ = ("id", "started_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    STARTED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    started_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., started_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SaveReportRequest(_message.Message):
    __slots__ = ("id", "measurements", "actions", "parts", "time_spent_minutes", "notes")
    ID_FIELD_NUMBER: _ClassVar[int]
    MEASUREMENTS_FIELD_NUMBER: _ClassVar[int]
    ACTIONS_FIELD_NUMBER: _ClassVar[int]
    PARTS_FIELD_NUMBER: _ClassVar[int]
    TIME_SPENT_MINUTES_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    id: str
    measurements: Measurements
    actions: _containers.RepeatedScalarFieldContainer[str]
    parts: _containers.RepeatedCompositeFieldContainer[PartUsed]
    time_spent_minutes: int
    notes: str
    def __init__(self, id: _Optional[str] = ..., measurements: _Optional[_Union[Measurements, _Mapping]] = ..., actions: _Optional[_Iterable[str]] = ..., parts: _Optional[_Iterable[_Union[PartUsed, _Mapping]]] = ..., time_spent_minutes: _Optional[int] = ..., notes: _Optional[str] = ...) -> None: ...

class CompleteInterventionRequest(_message.Message):
    __slots__ = ("id", "customer_signature", "technician_signature", "customer_absent", "customer_absence_reason", "completed_at")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    TECHNICIAN_SIGNATURE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ABSENT_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ABSENCE_REASON_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_AT_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_signature: Signature
    technician_signature: Signature
    customer_absent: bool
    customer_absence_reason: str
    completed_at: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_signature: _Optional[_Union[Signature, _Mapping]] = ..., technician_signature: _Optional[_Union[Signature, _Mapping]] = ..., customer_absent: _Optional[bool] = ..., customer_absence_reason: _Optional[str] = ..., completed_at: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetReportPdfRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class GetReportPdfResponse(_message.Message):
    __slots__ = ("pdf", "filename", "sha256")
    PDF_FIELD_NUMBER: _ClassVar[int]
    FILENAME_FIELD_NUMBER: _ClassVar[int]
    SHA256_FIELD_NUMBER: _ClassVar[int]
    pdf: bytes
    filename: str
    sha256: str
    def __init__(self, pdf: _Optional[bytes] = ..., filename: _Optional[str] = ..., sha256: _Optional[str] = ...) -> None: ...
