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

class CustomerType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CUSTOMER_TYPE_UNSPECIFIED: _ClassVar[CustomerType]
    CUSTOMER_TYPE_PRIVATE: _ClassVar[CustomerType]
    CUSTOMER_TYPE_BUSINESS: _ClassVar[CustomerType]

class InstallationType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INSTALLATION_TYPE_UNSPECIFIED: _ClassVar[InstallationType]
    INSTALLATION_TYPE_POOL: _ClassVar[InstallationType]
    INSTALLATION_TYPE_SPA: _ClassVar[InstallationType]
    INSTALLATION_TYPE_TREATMENT_UNIT: _ClassVar[InstallationType]

class ContractStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CONTRACT_STATUS_UNSPECIFIED: _ClassVar[ContractStatus]
    CONTRACT_STATUS_DRAFT: _ClassVar[ContractStatus]
    CONTRACT_STATUS_ACTIVE: _ClassVar[ContractStatus]
    CONTRACT_STATUS_SUSPENDED: _ClassVar[ContractStatus]
    CONTRACT_STATUS_TERMINATED: _ClassVar[ContractStatus]

class BillingFrequency(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BILLING_FREQUENCY_UNSPECIFIED: _ClassVar[BillingFrequency]
    BILLING_FREQUENCY_MONTHLY: _ClassVar[BillingFrequency]
    BILLING_FREQUENCY_QUARTERLY: _ClassVar[BillingFrequency]
    BILLING_FREQUENCY_HALF_YEARLY: _ClassVar[BillingFrequency]
    BILLING_FREQUENCY_YEARLY: _ClassVar[BillingFrequency]

class BillingTiming(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BILLING_TIMING_UNSPECIFIED: _ClassVar[BillingTiming]
    BILLING_TIMING_IN_ADVANCE: _ClassVar[BillingTiming]
    BILLING_TIMING_IN_ARREARS: _ClassVar[BillingTiming]

class IndexationMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INDEXATION_METHOD_UNSPECIFIED: _ClassVar[IndexationMethod]
    INDEXATION_METHOD_NONE: _ClassVar[IndexationMethod]
    INDEXATION_METHOD_PERCENTAGE: _ClassVar[IndexationMethod]
    INDEXATION_METHOD_INDEX: _ClassVar[IndexationMethod]
CUSTOMER_TYPE_UNSPECIFIED: CustomerType
CUSTOMER_TYPE_PRIVATE: CustomerType
CUSTOMER_TYPE_BUSINESS: CustomerType
INSTALLATION_TYPE_UNSPECIFIED: InstallationType
INSTALLATION_TYPE_POOL: InstallationType
INSTALLATION_TYPE_SPA: InstallationType
INSTALLATION_TYPE_TREATMENT_UNIT: InstallationType
CONTRACT_STATUS_UNSPECIFIED: ContractStatus
CONTRACT_STATUS_DRAFT: ContractStatus
CONTRACT_STATUS_ACTIVE: ContractStatus
CONTRACT_STATUS_SUSPENDED: ContractStatus
CONTRACT_STATUS_TERMINATED: ContractStatus
BILLING_FREQUENCY_UNSPECIFIED: BillingFrequency
BILLING_FREQUENCY_MONTHLY: BillingFrequency
BILLING_FREQUENCY_QUARTERLY: BillingFrequency
BILLING_FREQUENCY_HALF_YEARLY: BillingFrequency
BILLING_FREQUENCY_YEARLY: BillingFrequency
BILLING_TIMING_UNSPECIFIED: BillingTiming
BILLING_TIMING_IN_ADVANCE: BillingTiming
BILLING_TIMING_IN_ARREARS: BillingTiming
INDEXATION_METHOD_UNSPECIFIED: IndexationMethod
INDEXATION_METHOD_NONE: IndexationMethod
INDEXATION_METHOD_PERCENTAGE: IndexationMethod
INDEXATION_METHOD_INDEX: IndexationMethod

class CustomerInput(_message.Message):
    __slots__ = ("type", "name", "legal_form", "siren", "siret", "vat_number", "billing_address", "billing_contact_name", "billing_email", "phone", "notes", "code")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEGAL_FORM_FIELD_NUMBER: _ClassVar[int]
    SIREN_FIELD_NUMBER: _ClassVar[int]
    SIRET_FIELD_NUMBER: _ClassVar[int]
    VAT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    BILLING_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    BILLING_CONTACT_NAME_FIELD_NUMBER: _ClassVar[int]
    BILLING_EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    type: CustomerType
    name: str
    legal_form: str
    siren: str
    siret: str
    vat_number: str
    billing_address: _common_pb2.Address
    billing_contact_name: str
    billing_email: str
    phone: str
    notes: str
    code: str
    def __init__(self, type: _Optional[_Union[CustomerType, str]] = ..., name: _Optional[str] = ..., legal_form: _Optional[str] = ..., siren: _Optional[str] = ..., siret: _Optional[str] = ..., vat_number: _Optional[str] = ..., billing_address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., billing_contact_name: _Optional[str] = ..., billing_email: _Optional[str] = ..., phone: _Optional[str] = ..., notes: _Optional[str] = ..., code: _Optional[str] = ...) -> None: ...

class Customer(_message.Message):
    __slots__ = ("id", "code", "type", "name", "legal_form", "siren", "siret", "vat_number", "billing_address", "billing_contact_name", "billing_email", "phone", "notes", "archived", "create_time", "update_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    CODE_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    LEGAL_FORM_FIELD_NUMBER: _ClassVar[int]
    SIREN_FIELD_NUMBER: _ClassVar[int]
    SIRET_FIELD_NUMBER: _ClassVar[int]
    VAT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    BILLING_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    BILLING_CONTACT_NAME_FIELD_NUMBER: _ClassVar[int]
    BILLING_EMAIL_FIELD_NUMBER: _ClassVar[int]
    PHONE_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    code: str
    type: CustomerType
    name: str
    legal_form: str
    siren: str
    siret: str
    vat_number: str
    billing_address: _common_pb2.Address
    billing_contact_name: str
    billing_email: str
    phone: str
    notes: str
    archived: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., code: _Optional[str] = ..., type: _Optional[_Union[CustomerType, str]] = ..., name: _Optional[str] = ..., legal_form: _Optional[str] = ..., siren: _Optional[str] = ..., siret: _Optional[str] = ..., vat_number: _Optional[str] = ..., billing_address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., billing_contact_name: _Optional[str] = ..., billing_email: _Optional[str] = ..., phone: _Optional[str] = ..., notes: _Optional[str] = ..., archived: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateCustomerRequest(_message.Message):
    __slots__ = ("customer",)
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    customer: CustomerInput
    def __init__(self, customer: _Optional[_Union[CustomerInput, _Mapping]] = ...) -> None: ...

class GetCustomerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListCustomersRequest(_message.Message):
    __slots__ = ("page", "query", "type", "include_archived")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    query: str
    type: CustomerType
    include_archived: bool
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., query: _Optional[str] = ..., type: _Optional[_Union[CustomerType, str]] = ..., include_archived: _Optional[bool] = ...) -> None: ...

class ListCustomersResponse(_message.Message):
    __slots__ = ("customers", "page")
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    customers: _containers.RepeatedCompositeFieldContainer[Customer]
    page: _common_pb2.PageResponse
    def __init__(self, customers: _Optional[_Iterable[_Union[Customer, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class UpdateCustomerRequest(_message.Message):
    __slots__ = ("id", "customer")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer: CustomerInput
    def __init__(self, id: _Optional[str] = ..., customer: _Optional[_Union[CustomerInput, _Mapping]] = ...) -> None: ...

class ArchiveCustomerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class RestoreCustomerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteCustomerRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteCustomerResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SiteInput(_message.Message):
    __slots__ = ("name", "address", "geo", "access_notes", "gate_code")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    GEO_FIELD_NUMBER: _ClassVar[int]
    ACCESS_NOTES_FIELD_NUMBER: _ClassVar[int]
    GATE_CODE_FIELD_NUMBER: _ClassVar[int]
    name: str
    address: _common_pb2.Address
    geo: _common_pb2.GeoPoint
    access_notes: str
    gate_code: str
    def __init__(self, name: _Optional[str] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., geo: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., access_notes: _Optional[str] = ..., gate_code: _Optional[str] = ...) -> None: ...

class Site(_message.Message):
    __slots__ = ("id", "customer_id", "name", "address", "geo", "access_notes", "gate_code", "has_gate_code", "archived", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    GEO_FIELD_NUMBER: _ClassVar[int]
    ACCESS_NOTES_FIELD_NUMBER: _ClassVar[int]
    GATE_CODE_FIELD_NUMBER: _ClassVar[int]
    HAS_GATE_CODE_FIELD_NUMBER: _ClassVar[int]
    ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    name: str
    address: _common_pb2.Address
    geo: _common_pb2.GeoPoint
    access_notes: str
    gate_code: str
    has_gate_code: bool
    archived: bool
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., name: _Optional[str] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., geo: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., access_notes: _Optional[str] = ..., gate_code: _Optional[str] = ..., has_gate_code: _Optional[bool] = ..., archived: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateSiteRequest(_message.Message):
    __slots__ = ("customer_id", "site")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    site: SiteInput
    def __init__(self, customer_id: _Optional[str] = ..., site: _Optional[_Union[SiteInput, _Mapping]] = ...) -> None: ...

class GetSiteRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListSitesRequest(_message.Message):
    __slots__ = ("page", "customer_id", "query", "include_archived")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_ARCHIVED_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    customer_id: str
    query: str
    include_archived: bool
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., customer_id: _Optional[str] = ..., query: _Optional[str] = ..., include_archived: _Optional[bool] = ...) -> None: ...

class ListSitesResponse(_message.Message):
    __slots__ = ("sites", "page")
    SITES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    sites: _containers.RepeatedCompositeFieldContainer[Site]
    page: _common_pb2.PageResponse
    def __init__(self, sites: _Optional[_Iterable[_Union[Site, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class UpdateSiteRequest(_message.Message):
    __slots__ = ("id", "site")
    ID_FIELD_NUMBER: _ClassVar[int]
    SITE_FIELD_NUMBER: _ClassVar[int]
    id: str
    site: SiteInput
    def __init__(self, id: _Optional[str] = ..., site: _Optional[_Union[SiteInput, _Mapping]] = ...) -> None: ...

class ArchiveSiteRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class Equipment(_message.Message):
    __slots__ = ("kind", "brand", "model", "serial_number")
    KIND_FIELD_NUMBER: _ClassVar[int]
    BRAND_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    SERIAL_NUMBER_FIELD_NUMBER: _ClassVar[int]
    kind: str
    brand: str
    model: str
    serial_number: str
    def __init__(self, kind: _Optional[str] = ..., brand: _Optional[str] = ..., model: _Optional[str] = ..., serial_number: _Optional[str] = ...) -> None: ...

class InstallationInput(_message.Message):
    __slots__ = ("type", "name", "volume_m3", "equipment", "notes")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VOLUME_M3_FIELD_NUMBER: _ClassVar[int]
    EQUIPMENT_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    type: InstallationType
    name: str
    volume_m3: float
    equipment: _containers.RepeatedCompositeFieldContainer[Equipment]
    notes: str
    def __init__(self, type: _Optional[_Union[InstallationType, str]] = ..., name: _Optional[str] = ..., volume_m3: _Optional[float] = ..., equipment: _Optional[_Iterable[_Union[Equipment, _Mapping]]] = ..., notes: _Optional[str] = ...) -> None: ...

class Installation(_message.Message):
    __slots__ = ("id", "site_id", "type", "name", "volume_m3", "equipment", "notes")
    ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    VOLUME_M3_FIELD_NUMBER: _ClassVar[int]
    EQUIPMENT_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    id: str
    site_id: str
    type: InstallationType
    name: str
    volume_m3: float
    equipment: _containers.RepeatedCompositeFieldContainer[Equipment]
    notes: str
    def __init__(self, id: _Optional[str] = ..., site_id: _Optional[str] = ..., type: _Optional[_Union[InstallationType, str]] = ..., name: _Optional[str] = ..., volume_m3: _Optional[float] = ..., equipment: _Optional[_Iterable[_Union[Equipment, _Mapping]]] = ..., notes: _Optional[str] = ...) -> None: ...

class CreateInstallationRequest(_message.Message):
    __slots__ = ("site_id", "installation")
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    INSTALLATION_FIELD_NUMBER: _ClassVar[int]
    site_id: str
    installation: InstallationInput
    def __init__(self, site_id: _Optional[str] = ..., installation: _Optional[_Union[InstallationInput, _Mapping]] = ...) -> None: ...

class GetInstallationRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListInstallationsRequest(_message.Message):
    __slots__ = ("site_id",)
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    site_id: str
    def __init__(self, site_id: _Optional[str] = ...) -> None: ...

class ListInstallationsResponse(_message.Message):
    __slots__ = ("installations",)
    INSTALLATIONS_FIELD_NUMBER: _ClassVar[int]
    installations: _containers.RepeatedCompositeFieldContainer[Installation]
    def __init__(self, installations: _Optional[_Iterable[_Union[Installation, _Mapping]]] = ...) -> None: ...

class UpdateInstallationRequest(_message.Message):
    __slots__ = ("id", "installation")
    ID_FIELD_NUMBER: _ClassVar[int]
    INSTALLATION_FIELD_NUMBER: _ClassVar[int]
    id: str
    installation: InstallationInput
    def __init__(self, id: _Optional[str] = ..., installation: _Optional[_Union[InstallationInput, _Mapping]] = ...) -> None: ...

class DeleteInstallationRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteInstallationResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PaymentTerms(_message.Message):
    __slots__ = ("days", "end_of_month")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    END_OF_MONTH_FIELD_NUMBER: _ClassVar[int]
    days: int
    end_of_month: bool
    def __init__(self, days: _Optional[int] = ..., end_of_month: _Optional[bool] = ...) -> None: ...

class Indexation(_message.Message):
    __slots__ = ("method", "percentage", "index_name", "base_index_value", "reference_index_value")
    METHOD_FIELD_NUMBER: _ClassVar[int]
    PERCENTAGE_FIELD_NUMBER: _ClassVar[int]
    INDEX_NAME_FIELD_NUMBER: _ClassVar[int]
    BASE_INDEX_VALUE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_INDEX_VALUE_FIELD_NUMBER: _ClassVar[int]
    method: IndexationMethod
    percentage: str
    index_name: str
    base_index_value: str
    reference_index_value: str
    def __init__(self, method: _Optional[_Union[IndexationMethod, str]] = ..., percentage: _Optional[str] = ..., index_name: _Optional[str] = ..., base_index_value: _Optional[str] = ..., reference_index_value: _Optional[str] = ...) -> None: ...

class IndexationRecord(_message.Message):
    __slots__ = ("effective_date", "method", "factor", "previous_index_value", "index_value", "create_time")
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    FACTOR_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_INDEX_VALUE_FIELD_NUMBER: _ClassVar[int]
    INDEX_VALUE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    effective_date: _common_pb2.Date
    method: IndexationMethod
    factor: str
    previous_index_value: str
    index_value: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, effective_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., method: _Optional[_Union[IndexationMethod, str]] = ..., factor: _Optional[str] = ..., previous_index_value: _Optional[str] = ..., index_value: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PricePoint(_message.Message):
    __slots__ = ("effective_date", "unit_price", "reason")
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    effective_date: _common_pb2.Date
    unit_price: _common_pb2.Money
    reason: str
    def __init__(self, effective_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., unit_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class ContractLineInput(_message.Message):
    __slots__ = ("product_code", "label", "quantity", "unit_code", "unit_price", "vat_rate", "site_id")
    PRODUCT_CODE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    VAT_RATE_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    product_code: str
    label: str
    quantity: str
    unit_code: str
    unit_price: _common_pb2.Money
    vat_rate: str
    site_id: str
    def __init__(self, product_code: _Optional[str] = ..., label: _Optional[str] = ..., quantity: _Optional[str] = ..., unit_code: _Optional[str] = ..., unit_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., vat_rate: _Optional[str] = ..., site_id: _Optional[str] = ...) -> None: ...

class ContractLine(_message.Message):
    __slots__ = ("id", "position", "product_code", "label", "quantity", "unit_code", "unit_price", "vat_rate", "site_id", "price_history")
    ID_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CODE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    VAT_RATE_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    PRICE_HISTORY_FIELD_NUMBER: _ClassVar[int]
    id: str
    position: int
    product_code: str
    label: str
    quantity: str
    unit_code: str
    unit_price: _common_pb2.Money
    vat_rate: str
    site_id: str
    price_history: _containers.RepeatedCompositeFieldContainer[PricePoint]
    def __init__(self, id: _Optional[str] = ..., position: _Optional[int] = ..., product_code: _Optional[str] = ..., label: _Optional[str] = ..., quantity: _Optional[str] = ..., unit_code: _Optional[str] = ..., unit_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., vat_rate: _Optional[str] = ..., site_id: _Optional[str] = ..., price_history: _Optional[_Iterable[_Union[PricePoint, _Mapping]]] = ...) -> None: ...

class Season(_message.Message):
    __slots__ = ("name", "start_month_day", "end_month_day", "rrule")
    NAME_FIELD_NUMBER: _ClassVar[int]
    START_MONTH_DAY_FIELD_NUMBER: _ClassVar[int]
    END_MONTH_DAY_FIELD_NUMBER: _ClassVar[int]
    RRULE_FIELD_NUMBER: _ClassVar[int]
    name: str
    start_month_day: str
    end_month_day: str
    rrule: str
    def __init__(self, name: _Optional[str] = ..., start_month_day: _Optional[str] = ..., end_month_day: _Optional[str] = ..., rrule: _Optional[str] = ...) -> None: ...

class TimeWindow(_message.Message):
    __slots__ = ("start", "end")
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    start: str
    end: str
    def __init__(self, start: _Optional[str] = ..., end: _Optional[str] = ...) -> None: ...

class MaintenancePlan(_message.Message):
    __slots__ = ("id", "site_id", "label", "description", "rrule", "seasons", "time_window", "duration_minutes", "required_skill", "next_from_completion")
    ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    RRULE_FIELD_NUMBER: _ClassVar[int]
    SEASONS_FIELD_NUMBER: _ClassVar[int]
    TIME_WINDOW_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_SKILL_FIELD_NUMBER: _ClassVar[int]
    NEXT_FROM_COMPLETION_FIELD_NUMBER: _ClassVar[int]
    id: str
    site_id: str
    label: str
    description: str
    rrule: str
    seasons: _containers.RepeatedCompositeFieldContainer[Season]
    time_window: TimeWindow
    duration_minutes: int
    required_skill: str
    next_from_completion: bool
    def __init__(self, id: _Optional[str] = ..., site_id: _Optional[str] = ..., label: _Optional[str] = ..., description: _Optional[str] = ..., rrule: _Optional[str] = ..., seasons: _Optional[_Iterable[_Union[Season, _Mapping]]] = ..., time_window: _Optional[_Union[TimeWindow, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., required_skill: _Optional[str] = ..., next_from_completion: _Optional[bool] = ...) -> None: ...

class ContractInput(_message.Message):
    __slots__ = ("customer_id", "site_ids", "lines", "billing_frequency", "billing_timing", "payment_terms", "start_date", "end_date", "tacit_renewal", "renewal_term_months", "notice_period_days", "indexation", "sla_hours", "plans", "notes")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_IDS_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    BILLING_FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    BILLING_TIMING_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    TACIT_RENEWAL_FIELD_NUMBER: _ClassVar[int]
    RENEWAL_TERM_MONTHS_FIELD_NUMBER: _ClassVar[int]
    NOTICE_PERIOD_DAYS_FIELD_NUMBER: _ClassVar[int]
    INDEXATION_FIELD_NUMBER: _ClassVar[int]
    SLA_HOURS_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    site_ids: _containers.RepeatedScalarFieldContainer[str]
    lines: _containers.RepeatedCompositeFieldContainer[ContractLineInput]
    billing_frequency: BillingFrequency
    billing_timing: BillingTiming
    payment_terms: PaymentTerms
    start_date: _common_pb2.Date
    end_date: _common_pb2.Date
    tacit_renewal: bool
    renewal_term_months: int
    notice_period_days: int
    indexation: Indexation
    sla_hours: int
    plans: _containers.RepeatedCompositeFieldContainer[MaintenancePlan]
    notes: str
    def __init__(self, customer_id: _Optional[str] = ..., site_ids: _Optional[_Iterable[str]] = ..., lines: _Optional[_Iterable[_Union[ContractLineInput, _Mapping]]] = ..., billing_frequency: _Optional[_Union[BillingFrequency, str]] = ..., billing_timing: _Optional[_Union[BillingTiming, str]] = ..., payment_terms: _Optional[_Union[PaymentTerms, _Mapping]] = ..., start_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., tacit_renewal: _Optional[bool] = ..., renewal_term_months: _Optional[int] = ..., notice_period_days: _Optional[int] = ..., indexation: _Optional[_Union[Indexation, _Mapping]] = ..., sla_hours: _Optional[int] = ..., plans: _Optional[_Iterable[_Union[MaintenancePlan, _Mapping]]] = ..., notes: _Optional[str] = ...) -> None: ...

class Contract(_message.Message):
    __slots__ = ("id", "number", "status", "customer_id", "customer_name", "site_ids", "lines", "billing_frequency", "billing_timing", "payment_terms", "start_date", "end_date", "tacit_renewal", "renewal_term_months", "notice_period_days", "renewal_deadline", "indexation", "indexation_history", "sla_hours", "plans", "notes", "activation_date", "suspended_from", "suspension_reason", "termination_date", "termination_reason", "create_time", "update_time", "customer_type")
    ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    SITE_IDS_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    BILLING_FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    BILLING_TIMING_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_FIELD_NUMBER: _ClassVar[int]
    START_DATE_FIELD_NUMBER: _ClassVar[int]
    END_DATE_FIELD_NUMBER: _ClassVar[int]
    TACIT_RENEWAL_FIELD_NUMBER: _ClassVar[int]
    RENEWAL_TERM_MONTHS_FIELD_NUMBER: _ClassVar[int]
    NOTICE_PERIOD_DAYS_FIELD_NUMBER: _ClassVar[int]
    RENEWAL_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    INDEXATION_FIELD_NUMBER: _ClassVar[int]
    INDEXATION_HISTORY_FIELD_NUMBER: _ClassVar[int]
    SLA_HOURS_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    NOTES_FIELD_NUMBER: _ClassVar[int]
    ACTIVATION_DATE_FIELD_NUMBER: _ClassVar[int]
    SUSPENDED_FROM_FIELD_NUMBER: _ClassVar[int]
    SUSPENSION_REASON_FIELD_NUMBER: _ClassVar[int]
    TERMINATION_DATE_FIELD_NUMBER: _ClassVar[int]
    TERMINATION_REASON_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_TYPE_FIELD_NUMBER: _ClassVar[int]
    id: str
    number: str
    status: ContractStatus
    customer_id: str
    customer_name: str
    site_ids: _containers.RepeatedScalarFieldContainer[str]
    lines: _containers.RepeatedCompositeFieldContainer[ContractLine]
    billing_frequency: BillingFrequency
    billing_timing: BillingTiming
    payment_terms: PaymentTerms
    start_date: _common_pb2.Date
    end_date: _common_pb2.Date
    tacit_renewal: bool
    renewal_term_months: int
    notice_period_days: int
    renewal_deadline: _common_pb2.Date
    indexation: Indexation
    indexation_history: _containers.RepeatedCompositeFieldContainer[IndexationRecord]
    sla_hours: int
    plans: _containers.RepeatedCompositeFieldContainer[MaintenancePlan]
    notes: str
    activation_date: _common_pb2.Date
    suspended_from: _common_pb2.Date
    suspension_reason: str
    termination_date: _common_pb2.Date
    termination_reason: str
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    customer_type: CustomerType
    def __init__(self, id: _Optional[str] = ..., number: _Optional[str] = ..., status: _Optional[_Union[ContractStatus, str]] = ..., customer_id: _Optional[str] = ..., customer_name: _Optional[str] = ..., site_ids: _Optional[_Iterable[str]] = ..., lines: _Optional[_Iterable[_Union[ContractLine, _Mapping]]] = ..., billing_frequency: _Optional[_Union[BillingFrequency, str]] = ..., billing_timing: _Optional[_Union[BillingTiming, str]] = ..., payment_terms: _Optional[_Union[PaymentTerms, _Mapping]] = ..., start_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., end_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., tacit_renewal: _Optional[bool] = ..., renewal_term_months: _Optional[int] = ..., notice_period_days: _Optional[int] = ..., renewal_deadline: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., indexation: _Optional[_Union[Indexation, _Mapping]] = ..., indexation_history: _Optional[_Iterable[_Union[IndexationRecord, _Mapping]]] = ..., sla_hours: _Optional[int] = ..., plans: _Optional[_Iterable[_Union[MaintenancePlan, _Mapping]]] = ..., notes: _Optional[str] = ..., activation_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., suspended_from: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., suspension_reason: _Optional[str] = ..., termination_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., termination_reason: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., customer_type: _Optional[_Union[CustomerType, str]] = ...) -> None: ...

class CreateContractRequest(_message.Message):
    __slots__ = ("contract",)
    CONTRACT_FIELD_NUMBER: _ClassVar[int]
    contract: ContractInput
    def __init__(self, contract: _Optional[_Union[ContractInput, _Mapping]] = ...) -> None: ...

class GetContractRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListContractsRequest(_message.Message):
    __slots__ = ("page", "customer_id", "site_id", "statuses", "query")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    customer_id: str
    site_id: str
    statuses: _containers.RepeatedScalarFieldContainer[ContractStatus]
    query: str
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., customer_id: _Optional[str] = ..., site_id: _Optional[str] = ..., statuses: _Optional[_Iterable[_Union[ContractStatus, str]]] = ..., query: _Optional[str] = ...) -> None: ...

class ListContractsResponse(_message.Message):
    __slots__ = ("contracts", "page")
    CONTRACTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    contracts: _containers.RepeatedCompositeFieldContainer[Contract]
    page: _common_pb2.PageResponse
    def __init__(self, contracts: _Optional[_Iterable[_Union[Contract, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class UpdateContractRequest(_message.Message):
    __slots__ = ("id", "contract")
    ID_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_FIELD_NUMBER: _ClassVar[int]
    id: str
    contract: ContractInput
    def __init__(self, id: _Optional[str] = ..., contract: _Optional[_Union[ContractInput, _Mapping]] = ...) -> None: ...

class DeleteContractRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteContractResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ActivateContractRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class SuspendContractRequest(_message.Message):
    __slots__ = ("id", "effective_date", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    effective_date: _common_pb2.Date
    reason: str
    def __init__(self, id: _Optional[str] = ..., effective_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class ResumeContractRequest(_message.Message):
    __slots__ = ("id", "effective_date")
    ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    id: str
    effective_date: _common_pb2.Date
    def __init__(self, id: _Optional[str] = ..., effective_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class TerminateContractRequest(_message.Message):
    __slots__ = ("id", "effective_date", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    effective_date: _common_pb2.Date
    reason: str
    def __init__(self, id: _Optional[str] = ..., effective_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class RenewContractRequest(_message.Message):
    __slots__ = ("id", "new_end_date")
    ID_FIELD_NUMBER: _ClassVar[int]
    NEW_END_DATE_FIELD_NUMBER: _ClassVar[int]
    id: str
    new_end_date: _common_pb2.Date
    def __init__(self, id: _Optional[str] = ..., new_end_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class ProcessTermEndsRequest(_message.Message):
    __slots__ = ("on_date",)
    ON_DATE_FIELD_NUMBER: _ClassVar[int]
    on_date: _common_pb2.Date
    def __init__(self, on_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class ProcessTermEndsResponse(_message.Message):
    __slots__ = ("renewed_contract_ids", "terminated_contract_ids", "renewal_notice_contract_ids")
    RENEWED_CONTRACT_IDS_FIELD_NUMBER: _ClassVar[int]
    TERMINATED_CONTRACT_IDS_FIELD_NUMBER: _ClassVar[int]
    RENEWAL_NOTICE_CONTRACT_IDS_FIELD_NUMBER: _ClassVar[int]
    renewed_contract_ids: _containers.RepeatedScalarFieldContainer[str]
    terminated_contract_ids: _containers.RepeatedScalarFieldContainer[str]
    renewal_notice_contract_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, renewed_contract_ids: _Optional[_Iterable[str]] = ..., terminated_contract_ids: _Optional[_Iterable[str]] = ..., renewal_notice_contract_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class LinePrice(_message.Message):
    __slots__ = ("line_id", "unit_price")
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    line_id: str
    unit_price: _common_pb2.Money
    def __init__(self, line_id: _Optional[str] = ..., unit_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class ChangePricesRequest(_message.Message):
    __slots__ = ("id", "effective_date", "prices", "reason")
    ID_FIELD_NUMBER: _ClassVar[int]
    EFFECTIVE_DATE_FIELD_NUMBER: _ClassVar[int]
    PRICES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    id: str
    effective_date: _common_pb2.Date
    prices: _containers.RepeatedCompositeFieldContainer[LinePrice]
    reason: str
    def __init__(self, id: _Optional[str] = ..., effective_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., prices: _Optional[_Iterable[_Union[LinePrice, _Mapping]]] = ..., reason: _Optional[str] = ...) -> None: ...

class ApplyIndexationRequest(_message.Message):
    __slots__ = ("id", "anniversary", "index_value")
    ID_FIELD_NUMBER: _ClassVar[int]
    ANNIVERSARY_FIELD_NUMBER: _ClassVar[int]
    INDEX_VALUE_FIELD_NUMBER: _ClassVar[int]
    id: str
    anniversary: _common_pb2.Date
    index_value: str
    def __init__(self, id: _Optional[str] = ..., anniversary: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., index_value: _Optional[str] = ...) -> None: ...

class IndexValue(_message.Message):
    __slots__ = ("index_name", "value")
    INDEX_NAME_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    index_name: str
    value: str
    def __init__(self, index_name: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...

class ApplyDueIndexationsRequest(_message.Message):
    __slots__ = ("on_date", "index_values")
    ON_DATE_FIELD_NUMBER: _ClassVar[int]
    INDEX_VALUES_FIELD_NUMBER: _ClassVar[int]
    on_date: _common_pb2.Date
    index_values: _containers.RepeatedCompositeFieldContainer[IndexValue]
    def __init__(self, on_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., index_values: _Optional[_Iterable[_Union[IndexValue, _Mapping]]] = ...) -> None: ...

class ApplyDueIndexationsResponse(_message.Message):
    __slots__ = ("indexed_contract_ids", "skipped_contract_ids")
    INDEXED_CONTRACT_IDS_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_CONTRACT_IDS_FIELD_NUMBER: _ClassVar[int]
    indexed_contract_ids: _containers.RepeatedScalarFieldContainer[str]
    skipped_contract_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, indexed_contract_ids: _Optional[_Iterable[str]] = ..., skipped_contract_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class SetMaintenancePlansRequest(_message.Message):
    __slots__ = ("id", "plans")
    ID_FIELD_NUMBER: _ClassVar[int]
    PLANS_FIELD_NUMBER: _ClassVar[int]
    id: str
    plans: _containers.RepeatedCompositeFieldContainer[MaintenancePlan]
    def __init__(self, id: _Optional[str] = ..., plans: _Optional[_Iterable[_Union[MaintenancePlan, _Mapping]]] = ...) -> None: ...

class ListBillablePeriodsRequest(_message.Message):
    __slots__ = ("contract_id", "up_to", "from_date", "page")
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    UP_TO_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    contract_id: str
    up_to: _common_pb2.Date
    from_date: _common_pb2.Date
    page: _common_pb2.PageRequest
    def __init__(self, contract_id: _Optional[str] = ..., up_to: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., from_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class BillablePeriod(_message.Message):
    __slots__ = ("key", "line_id", "product_code", "label", "period_start", "period_end", "start", "end", "days", "period_days", "quantity", "unit_code", "unit_price", "vat_rate", "amount", "prorated", "due_date", "site_id")
    KEY_FIELD_NUMBER: _ClassVar[int]
    LINE_ID_FIELD_NUMBER: _ClassVar[int]
    PRODUCT_CODE_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    START_FIELD_NUMBER: _ClassVar[int]
    END_FIELD_NUMBER: _ClassVar[int]
    DAYS_FIELD_NUMBER: _ClassVar[int]
    PERIOD_DAYS_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    VAT_RATE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    PRORATED_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    key: str
    line_id: str
    product_code: str
    label: str
    period_start: _common_pb2.Date
    period_end: _common_pb2.Date
    start: _common_pb2.Date
    end: _common_pb2.Date
    days: int
    period_days: int
    quantity: str
    unit_code: str
    unit_price: _common_pb2.Money
    vat_rate: str
    amount: _common_pb2.Money
    prorated: bool
    due_date: _common_pb2.Date
    site_id: str
    def __init__(self, key: _Optional[str] = ..., line_id: _Optional[str] = ..., product_code: _Optional[str] = ..., label: _Optional[str] = ..., period_start: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., period_end: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., start: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., end: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., days: _Optional[int] = ..., period_days: _Optional[int] = ..., quantity: _Optional[str] = ..., unit_code: _Optional[str] = ..., unit_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., vat_rate: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., prorated: _Optional[bool] = ..., due_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., site_id: _Optional[str] = ...) -> None: ...

class ContractBillables(_message.Message):
    __slots__ = ("contract_id", "contract_number", "customer", "payment_terms", "billing_frequency", "billing_timing", "status", "periods")
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_FIELD_NUMBER: _ClassVar[int]
    BILLING_FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    BILLING_TIMING_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PERIODS_FIELD_NUMBER: _ClassVar[int]
    contract_id: str
    contract_number: str
    customer: Customer
    payment_terms: PaymentTerms
    billing_frequency: BillingFrequency
    billing_timing: BillingTiming
    status: ContractStatus
    periods: _containers.RepeatedCompositeFieldContainer[BillablePeriod]
    def __init__(self, contract_id: _Optional[str] = ..., contract_number: _Optional[str] = ..., customer: _Optional[_Union[Customer, _Mapping]] = ..., payment_terms: _Optional[_Union[PaymentTerms, _Mapping]] = ..., billing_frequency: _Optional[_Union[BillingFrequency, str]] = ..., billing_timing: _Optional[_Union[BillingTiming, str]] = ..., status: _Optional[_Union[ContractStatus, str]] = ..., periods: _Optional[_Iterable[_Union[BillablePeriod, _Mapping]]] = ...) -> None: ...

class ListBillablePeriodsResponse(_message.Message):
    __slots__ = ("contracts", "page")
    CONTRACTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    contracts: _containers.RepeatedCompositeFieldContainer[ContractBillables]
    page: _common_pb2.PageResponse
    def __init__(self, contracts: _Optional[_Iterable[_Union[ContractBillables, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class ListPlanOccurrencesRequest(_message.Message):
    __slots__ = ("contract_id", "from_date", "to_date", "site_id", "page")
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    contract_id: str
    from_date: _common_pb2.Date
    to_date: _common_pb2.Date
    site_id: str
    page: _common_pb2.PageRequest
    def __init__(self, contract_id: _Optional[str] = ..., from_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., to_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., site_id: _Optional[str] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class PlanOccurrence(_message.Message):
    __slots__ = ("key", "contract_id", "contract_number", "customer_id", "site_id", "plan_id", "date", "window_start_time", "window_end_time", "time_window", "duration_minutes", "required_skill", "label", "description", "season", "next_from_completion", "sla_hours")
    KEY_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    SITE_ID_FIELD_NUMBER: _ClassVar[int]
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    DATE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_TIME_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_TIME_FIELD_NUMBER: _ClassVar[int]
    TIME_WINDOW_FIELD_NUMBER: _ClassVar[int]
    DURATION_MINUTES_FIELD_NUMBER: _ClassVar[int]
    REQUIRED_SKILL_FIELD_NUMBER: _ClassVar[int]
    LABEL_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SEASON_FIELD_NUMBER: _ClassVar[int]
    NEXT_FROM_COMPLETION_FIELD_NUMBER: _ClassVar[int]
    SLA_HOURS_FIELD_NUMBER: _ClassVar[int]
    key: str
    contract_id: str
    contract_number: str
    customer_id: str
    site_id: str
    plan_id: str
    date: _common_pb2.Date
    window_start_time: _timestamp_pb2.Timestamp
    window_end_time: _timestamp_pb2.Timestamp
    time_window: TimeWindow
    duration_minutes: int
    required_skill: str
    label: str
    description: str
    season: str
    next_from_completion: bool
    sla_hours: int
    def __init__(self, key: _Optional[str] = ..., contract_id: _Optional[str] = ..., contract_number: _Optional[str] = ..., customer_id: _Optional[str] = ..., site_id: _Optional[str] = ..., plan_id: _Optional[str] = ..., date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., window_start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., window_end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., time_window: _Optional[_Union[TimeWindow, _Mapping]] = ..., duration_minutes: _Optional[int] = ..., required_skill: _Optional[str] = ..., label: _Optional[str] = ..., description: _Optional[str] = ..., season: _Optional[str] = ..., next_from_completion: _Optional[bool] = ..., sla_hours: _Optional[int] = ...) -> None: ...

class ListPlanOccurrencesResponse(_message.Message):
    __slots__ = ("occurrences", "page")
    OCCURRENCES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    occurrences: _containers.RepeatedCompositeFieldContainer[PlanOccurrence]
    page: _common_pb2.PageResponse
    def __init__(self, occurrences: _Optional[_Iterable[_Union[PlanOccurrence, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class GetNextPlanOccurrenceRequest(_message.Message):
    __slots__ = ("plan_id", "completed_on")
    PLAN_ID_FIELD_NUMBER: _ClassVar[int]
    COMPLETED_ON_FIELD_NUMBER: _ClassVar[int]
    plan_id: str
    completed_on: _common_pb2.Date
    def __init__(self, plan_id: _Optional[str] = ..., completed_on: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class ListRenewalNoticesRequest(_message.Message):
    __slots__ = ("on_date", "include_sent")
    ON_DATE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SENT_FIELD_NUMBER: _ClassVar[int]
    on_date: _common_pb2.Date
    include_sent: bool
    def __init__(self, on_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., include_sent: _Optional[bool] = ...) -> None: ...

class RenewalNotice(_message.Message):
    __slots__ = ("contract_id", "contract_number", "customer_id", "customer_name", "billing_email", "billing_address", "term_end_date", "renewal_deadline", "window_start", "window_end", "sent_time", "renewal_term_months")
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    BILLING_EMAIL_FIELD_NUMBER: _ClassVar[int]
    BILLING_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    TERM_END_DATE_FIELD_NUMBER: _ClassVar[int]
    RENEWAL_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    WINDOW_START_FIELD_NUMBER: _ClassVar[int]
    WINDOW_END_FIELD_NUMBER: _ClassVar[int]
    SENT_TIME_FIELD_NUMBER: _ClassVar[int]
    RENEWAL_TERM_MONTHS_FIELD_NUMBER: _ClassVar[int]
    contract_id: str
    contract_number: str
    customer_id: str
    customer_name: str
    billing_email: str
    billing_address: _common_pb2.Address
    term_end_date: _common_pb2.Date
    renewal_deadline: _common_pb2.Date
    window_start: _common_pb2.Date
    window_end: _common_pb2.Date
    sent_time: _timestamp_pb2.Timestamp
    renewal_term_months: int
    def __init__(self, contract_id: _Optional[str] = ..., contract_number: _Optional[str] = ..., customer_id: _Optional[str] = ..., customer_name: _Optional[str] = ..., billing_email: _Optional[str] = ..., billing_address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., term_end_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., renewal_deadline: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., window_start: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., window_end: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., sent_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., renewal_term_months: _Optional[int] = ...) -> None: ...

class ListRenewalNoticesResponse(_message.Message):
    __slots__ = ("notices",)
    NOTICES_FIELD_NUMBER: _ClassVar[int]
    notices: _containers.RepeatedCompositeFieldContainer[RenewalNotice]
    def __init__(self, notices: _Optional[_Iterable[_Union[RenewalNotice, _Mapping]]] = ...) -> None: ...

class MarkRenewalNoticeSentRequest(_message.Message):
    __slots__ = ("contract_id", "term_end_date")
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    TERM_END_DATE_FIELD_NUMBER: _ClassVar[int]
    contract_id: str
    term_end_date: _common_pb2.Date
    def __init__(self, contract_id: _Optional[str] = ..., term_end_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class MarkRenewalNoticeSentResponse(_message.Message):
    __slots__ = ("sent_time",)
    SENT_TIME_FIELD_NUMBER: _ClassVar[int]
    sent_time: _timestamp_pb2.Timestamp
    def __init__(self, sent_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...
