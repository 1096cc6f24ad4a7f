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

class DocumentType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DOCUMENT_TYPE_UNSPECIFIED: _ClassVar[DocumentType]
    DOCUMENT_TYPE_INVOICE: _ClassVar[DocumentType]
    DOCUMENT_TYPE_CREDIT_NOTE: _ClassVar[DocumentType]

class InvoiceStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVOICE_STATUS_UNSPECIFIED: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_DRAFT: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_ISSUED: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_PARTIALLY_PAID: _ClassVar[InvoiceStatus]
    INVOICE_STATUS_PAID: _ClassVar[InvoiceStatus]

class OperationCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    OPERATION_CATEGORY_UNSPECIFIED: _ClassVar[OperationCategory]
    OPERATION_CATEGORY_GOODS: _ClassVar[OperationCategory]
    OPERATION_CATEGORY_SERVICES: _ClassVar[OperationCategory]
    OPERATION_CATEGORY_MIXED: _ClassVar[OperationCategory]

class VatCategory(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    VAT_CATEGORY_UNSPECIFIED: _ClassVar[VatCategory]
    VAT_CATEGORY_STANDARD: _ClassVar[VatCategory]
    VAT_CATEGORY_EXEMPT: _ClassVar[VatCategory]
    VAT_CATEGORY_REVERSE_CHARGE: _ClassVar[VatCategory]

class InvoiceSource(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    INVOICE_SOURCE_UNSPECIFIED: _ClassVar[InvoiceSource]
    INVOICE_SOURCE_MANUAL: _ClassVar[InvoiceSource]
    INVOICE_SOURCE_BILLING_RUN: _ClassVar[InvoiceSource]
    INVOICE_SOURCE_INTERVENTION: _ClassVar[InvoiceSource]

class BillingRunStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BILLING_RUN_STATUS_UNSPECIFIED: _ClassVar[BillingRunStatus]
    BILLING_RUN_STATUS_RUNNING: _ClassVar[BillingRunStatus]
    BILLING_RUN_STATUS_COMPLETED: _ClassVar[BillingRunStatus]
    BILLING_RUN_STATUS_FAILED: _ClassVar[BillingRunStatus]

class BillingEntryOutcome(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    BILLING_ENTRY_OUTCOME_UNSPECIFIED: _ClassVar[BillingEntryOutcome]
    BILLING_ENTRY_OUTCOME_PENDING: _ClassVar[BillingEntryOutcome]
    BILLING_ENTRY_OUTCOME_ISSUED: _ClassVar[BillingEntryOutcome]
    BILLING_ENTRY_OUTCOME_SKIPPED: _ClassVar[BillingEntryOutcome]
    BILLING_ENTRY_OUTCOME_FAILED: _ClassVar[BillingEntryOutcome]
    BILLING_ENTRY_OUTCOME_PREVIEWED: _ClassVar[BillingEntryOutcome]

class PaymentMethod(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PAYMENT_METHOD_UNSPECIFIED: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_TRANSFER: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_CHEQUE: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_CARD: _ClassVar[PaymentMethod]
    PAYMENT_METHOD_SEPA_DIRECT_DEBIT: _ClassVar[PaymentMethod]

class DunningLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DUNNING_LEVEL_UNSPECIFIED: _ClassVar[DunningLevel]
    DUNNING_LEVEL_REMINDER: _ClassVar[DunningLevel]
    DUNNING_LEVEL_FORMAL_NOTICE: _ClassVar[DunningLevel]
DOCUMENT_TYPE_UNSPECIFIED: DocumentType
DOCUMENT_TYPE_INVOICE: DocumentType
DOCUMENT_TYPE_CREDIT_NOTE: DocumentType
INVOICE_STATUS_UNSPECIFIED: InvoiceStatus
INVOICE_STATUS_DRAFT: InvoiceStatus
INVOICE_STATUS_ISSUED: InvoiceStatus
INVOICE_STATUS_PARTIALLY_PAID: InvoiceStatus
INVOICE_STATUS_PAID: InvoiceStatus
OPERATION_CATEGORY_UNSPECIFIED: OperationCategory
OPERATION_CATEGORY_GOODS: OperationCategory
OPERATION_CATEGORY_SERVICES: OperationCategory
OPERATION_CATEGORY_MIXED: OperationCategory
VAT_CATEGORY_UNSPECIFIED: VatCategory
VAT_CATEGORY_STANDARD: VatCategory
VAT_CATEGORY_EXEMPT: VatCategory
VAT_CATEGORY_REVERSE_CHARGE: VatCategory
INVOICE_SOURCE_UNSPECIFIED: InvoiceSource
INVOICE_SOURCE_MANUAL: InvoiceSource
INVOICE_SOURCE_BILLING_RUN: InvoiceSource
INVOICE_SOURCE_INTERVENTION: InvoiceSource
BILLING_RUN_STATUS_UNSPECIFIED: BillingRunStatus
BILLING_RUN_STATUS_RUNNING: BillingRunStatus
BILLING_RUN_STATUS_COMPLETED: BillingRunStatus
BILLING_RUN_STATUS_FAILED: BillingRunStatus
BILLING_ENTRY_OUTCOME_UNSPECIFIED: BillingEntryOutcome
BILLING_ENTRY_OUTCOME_PENDING: BillingEntryOutcome
BILLING_ENTRY_OUTCOME_ISSUED: BillingEntryOutcome
BILLING_ENTRY_OUTCOME_SKIPPED: BillingEntryOutcome
BILLING_ENTRY_OUTCOME_FAILED: BillingEntryOutcome
BILLING_ENTRY_OUTCOME_PREVIEWED: BillingEntryOutcome
PAYMENT_METHOD_UNSPECIFIED: PaymentMethod
PAYMENT_METHOD_TRANSFER: PaymentMethod
PAYMENT_METHOD_CHEQUE: PaymentMethod
PAYMENT_METHOD_CARD: PaymentMethod
PAYMENT_METHOD_SEPA_DIRECT_DEBIT: PaymentMethod
DUNNING_LEVEL_UNSPECIFIED: DunningLevel
DUNNING_LEVEL_REMINDER: DunningLevel
DUNNING_LEVEL_FORMAL_NOTICE: DunningLevel

class PaymentTerms(_message.Message):
    __slots__ = ("days", "end_of_month")
    DAYS_FIELD_NUMBER: _ClassVar[int]
    END_OF_MONTH_FIELD_NUMBER: _ClassVar[int]
    days: int
    end_of_month: bool
    def __init__(self, days: _Optional[int] = ..., end_of_month: _Optional[bool] = ...) -> None: ...

class InvoiceLineInput(_message.Message):
    __slots__ = ("description", "quantity", "unit_code", "unit_price", "discount_percent", "vat_rate", "vat_category", "exemption_reason", "exemption_code", "period_start", "period_end")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_PERCENT_FIELD_NUMBER: _ClassVar[int]
    VAT_RATE_FIELD_NUMBER: _ClassVar[int]
    VAT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    EXEMPTION_REASON_FIELD_NUMBER: _ClassVar[int]
    EXEMPTION_CODE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    description: str
    quantity: str
    unit_code: str
    unit_price: _common_pb2.Money
    discount_percent: str
    vat_rate: str
    vat_category: VatCategory
    exemption_reason: str
    exemption_code: str
    period_start: _common_pb2.Date
    period_end: _common_pb2.Date
    def __init__(self, description: _Optional[str] = ..., quantity: _Optional[str] = ..., unit_code: _Optional[str] = ..., unit_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., discount_percent: _Optional[str] = ..., vat_rate: _Optional[str] = ..., vat_category: _Optional[_Union[VatCategory, str]] = ..., exemption_reason: _Optional[str] = ..., exemption_code: _Optional[str] = ..., period_start: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., period_end: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class InvoiceLine(_message.Message):
    __slots__ = ("description", "quantity", "unit_code", "unit_price", "discount_percent", "vat_rate", "vat_category", "exemption_reason", "exemption_code", "period_start", "period_end", "net_amount")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_CODE_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_FIELD_NUMBER: _ClassVar[int]
    DISCOUNT_PERCENT_FIELD_NUMBER: _ClassVar[int]
    VAT_RATE_FIELD_NUMBER: _ClassVar[int]
    VAT_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    EXEMPTION_REASON_FIELD_NUMBER: _ClassVar[int]
    EXEMPTION_CODE_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    NET_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    description: str
    quantity: str
    unit_code: str
    unit_price: _common_pb2.Money
    discount_percent: str
    vat_rate: str
    vat_category: VatCategory
    exemption_reason: str
    exemption_code: str
    period_start: _common_pb2.Date
    period_end: _common_pb2.Date
    net_amount: _common_pb2.Money
    def __init__(self, description: _Optional[str] = ..., quantity: _Optional[str] = ..., unit_code: _Optional[str] = ..., unit_price: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., discount_percent: _Optional[str] = ..., vat_rate: _Optional[str] = ..., vat_category: _Optional[_Union[VatCategory, str]] = ..., exemption_reason: _Optional[str] = ..., exemption_code: _Optional[str] = ..., period_start: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., period_end: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., net_amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class VatAmount(_message.Message):
    __slots__ = ("category", "rate", "taxable_amount", "vat_amount", "exemption_reason")
    CATEGORY_FIELD_NUMBER: _ClassVar[int]
    RATE_FIELD_NUMBER: _ClassVar[int]
    TAXABLE_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    VAT_AMOUNT_FIELD_NUMBER: _ClassVar[int]
    EXEMPTION_REASON_FIELD_NUMBER: _ClassVar[int]
    category: VatCategory
    rate: str
    taxable_amount: _common_pb2.Money
    vat_amount: _common_pb2.Money
    exemption_reason: str
    def __init__(self, category: _Optional[_Union[VatCategory, str]] = ..., rate: _Optional[str] = ..., taxable_amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., vat_amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., exemption_reason: _Optional[str] = ...) -> None: ...

class BuyerSnapshot(_message.Message):
    __slots__ = ("name", "address", "is_business", "siren", "vat_number", "customer_code", "email")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ADDRESS_FIELD_NUMBER: _ClassVar[int]
    IS_BUSINESS_FIELD_NUMBER: _ClassVar[int]
    SIREN_FIELD_NUMBER: _ClassVar[int]
    VAT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_CODE_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    name: str
    address: _common_pb2.Address
    is_business: bool
    siren: str
    vat_number: str
    customer_code: str
    email: str
    def __init__(self, name: _Optional[str] = ..., address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., is_business: _Optional[bool] = ..., siren: _Optional[str] = ..., vat_number: _Optional[str] = ..., customer_code: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class InvoiceInput(_message.Message):
    __slots__ = ("customer_id", "lines", "operation_category", "purchase_order", "contract_id", "contract_reference", "note", "delivery_address", "delivery_date", "billing_period_start", "billing_period_end", "payment_terms")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    OPERATION_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_ORDER_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_DATE_FIELD_NUMBER: _ClassVar[int]
    BILLING_PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    BILLING_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    lines: _containers.RepeatedCompositeFieldContainer[InvoiceLineInput]
    operation_category: OperationCategory
    purchase_order: str
    contract_id: str
    contract_reference: str
    note: str
    delivery_address: _common_pb2.Address
    delivery_date: _common_pb2.Date
    billing_period_start: _common_pb2.Date
    billing_period_end: _common_pb2.Date
    payment_terms: PaymentTerms
    def __init__(self, customer_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[InvoiceLineInput, _Mapping]]] = ..., operation_category: _Optional[_Union[OperationCategory, str]] = ..., purchase_order: _Optional[str] = ..., contract_id: _Optional[str] = ..., contract_reference: _Optional[str] = ..., note: _Optional[str] = ..., delivery_address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., delivery_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., billing_period_start: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., billing_period_end: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., payment_terms: _Optional[_Union[PaymentTerms, _Mapping]] = ...) -> None: ...

class Invoice(_message.Message):
    __slots__ = ("id", "type", "status", "number", "customer_id", "buyer", "issue_date", "due_date", "lines", "vat_breakdown", "total_excluding_vat", "total_vat", "total_including_vat", "amount_settled", "amount_due", "overdue", "operation_category", "purchase_order", "contract_id", "contract_reference", "note", "delivery_address", "delivery_date", "billing_period_start", "billing_period_end", "payment_terms", "corrected_invoice_id", "corrected_invoice_number", "credit_note_ids", "source", "intervention_id", "billing_run_id", "chain_position", "previous_hash", "hash", "pdf_available", "create_time", "update_time", "issue_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    BUYER_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    VAT_BREAKDOWN_FIELD_NUMBER: _ClassVar[int]
    TOTAL_EXCLUDING_VAT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_VAT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_INCLUDING_VAT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_SETTLED_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_FIELD_NUMBER: _ClassVar[int]
    OPERATION_CATEGORY_FIELD_NUMBER: _ClassVar[int]
    PURCHASE_ORDER_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    DELIVERY_DATE_FIELD_NUMBER: _ClassVar[int]
    BILLING_PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    BILLING_PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    PAYMENT_TERMS_FIELD_NUMBER: _ClassVar[int]
    CORRECTED_INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    CORRECTED_INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CREDIT_NOTE_IDS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    INTERVENTION_ID_FIELD_NUMBER: _ClassVar[int]
    BILLING_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    CHAIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_HASH_FIELD_NUMBER: _ClassVar[int]
    HASH_FIELD_NUMBER: _ClassVar[int]
    PDF_AVAILABLE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_TIME_FIELD_NUMBER: _ClassVar[int]
    ISSUE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    type: DocumentType
    status: InvoiceStatus
    number: str
    customer_id: str
    buyer: BuyerSnapshot
    issue_date: _common_pb2.Date
    due_date: _common_pb2.Date
    lines: _containers.RepeatedCompositeFieldContainer[InvoiceLine]
    vat_breakdown: _containers.RepeatedCompositeFieldContainer[VatAmount]
    total_excluding_vat: _common_pb2.Money
    total_vat: _common_pb2.Money
    total_including_vat: _common_pb2.Money
    amount_settled: _common_pb2.Money
    amount_due: _common_pb2.Money
    overdue: bool
    operation_category: OperationCategory
    purchase_order: str
    contract_id: str
    contract_reference: str
    note: str
    delivery_address: _common_pb2.Address
    delivery_date: _common_pb2.Date
    billing_period_start: _common_pb2.Date
    billing_period_end: _common_pb2.Date
    payment_terms: PaymentTerms
    corrected_invoice_id: str
    corrected_invoice_number: str
    credit_note_ids: _containers.RepeatedScalarFieldContainer[str]
    source: InvoiceSource
    intervention_id: str
    billing_run_id: str
    chain_position: int
    previous_hash: str
    hash: str
    pdf_available: bool
    create_time: _timestamp_pb2.Timestamp
    update_time: _timestamp_pb2.Timestamp
    issue_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., type: _Optional[_Union[DocumentType, str]] = ..., status: _Optional[_Union[InvoiceStatus, str]] = ..., number: _Optional[str] = ..., customer_id: _Optional[str] = ..., buyer: _Optional[_Union[BuyerSnapshot, _Mapping]] = ..., issue_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., due_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., lines: _Optional[_Iterable[_Union[InvoiceLine, _Mapping]]] = ..., vat_breakdown: _Optional[_Iterable[_Union[VatAmount, _Mapping]]] = ..., total_excluding_vat: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., total_vat: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., total_including_vat: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., amount_settled: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., amount_due: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., overdue: _Optional[bool] = ..., operation_category: _Optional[_Union[OperationCategory, str]] = ..., purchase_order: _Optional[str] = ..., contract_id: _Optional[str] = ..., contract_reference: _Optional[str] = ..., note: _Optional[str] = ..., delivery_address: _Optional[_Union[_common_pb2.Address, _Mapping]] = ..., delivery_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., billing_period_start: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., billing_period_end: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., payment_terms: _Optional[_Union[PaymentTerms, _Mapping]] = ..., corrected_invoice_id: _Optional[str] = ..., corrected_invoice_number: _Optional[str] = ..., credit_note_ids: _Optional[_Iterable[str]] = ..., source: _Optional[_Union[InvoiceSource, str]] = ..., intervention_id: _Optional[str] = ..., billing_run_id: _Optional[str] = ..., chain_position: _Optional[int] = ..., previous_hash: _Optional[str] = ..., hash: _Optional[str] = ..., pdf_available: _Optional[bool] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., update_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., issue_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class CreateInvoiceRequest(_message.Message):
    __slots__ = ("invoice", "idempotency_key")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    invoice: InvoiceInput
    idempotency_key: str
    def __init__(self, invoice: _Optional[_Union[InvoiceInput, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class UpdateInvoiceRequest(_message.Message):
    __slots__ = ("id", "invoice")
    ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    id: str
    invoice: InvoiceInput
    def __init__(self, id: _Optional[str] = ..., invoice: _Optional[_Union[InvoiceInput, _Mapping]] = ...) -> None: ...

class DeleteInvoiceRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class DeleteInvoiceResponse(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetInvoiceRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListInvoicesRequest(_message.Message):
    __slots__ = ("page", "customer_id", "type", "statuses", "issued_from", "issued_to", "overdue_only", "query", "contract_id", "billing_run_id", "source")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUSES_FIELD_NUMBER: _ClassVar[int]
    ISSUED_FROM_FIELD_NUMBER: _ClassVar[int]
    ISSUED_TO_FIELD_NUMBER: _ClassVar[int]
    OVERDUE_ONLY_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    BILLING_RUN_ID_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    customer_id: str
    type: DocumentType
    statuses: _containers.RepeatedScalarFieldContainer[InvoiceStatus]
    issued_from: _common_pb2.Date
    issued_to: _common_pb2.Date
    overdue_only: bool
    query: str
    contract_id: str
    billing_run_id: str
    source: InvoiceSource
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., customer_id: _Optional[str] = ..., type: _Optional[_Union[DocumentType, str]] = ..., statuses: _Optional[_Iterable[_Union[InvoiceStatus, str]]] = ..., issued_from: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., issued_to: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., overdue_only: _Optional[bool] = ..., query: _Optional[str] = ..., contract_id: _Optional[str] = ..., billing_run_id: _Optional[str] = ..., source: _Optional[_Union[InvoiceSource, str]] = ...) -> None: ...

class ListInvoicesResponse(_message.Message):
    __slots__ = ("invoices", "page")
    INVOICES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    invoices: _containers.RepeatedCompositeFieldContainer[Invoice]
    page: _common_pb2.PageResponse
    def __init__(self, invoices: _Optional[_Iterable[_Union[Invoice, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class IssueInvoiceRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class CreateCreditNoteRequest(_message.Message):
    __slots__ = ("invoice_id", "lines", "reason", "idempotency_key")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    LINES_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    lines: _containers.RepeatedCompositeFieldContainer[InvoiceLineInput]
    reason: str
    idempotency_key: str
    def __init__(self, invoice_id: _Optional[str] = ..., lines: _Optional[_Iterable[_Union[InvoiceLineInput, _Mapping]]] = ..., reason: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class GetInvoicePdfRequest(_message.Message):
    __slots__ = ("invoice_id",)
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    def __init__(self, invoice_id: _Optional[str] = ...) -> None: ...

class InvoicePdf(_message.Message):
    __slots__ = ("content", "file_name", "invoice_number")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    file_name: str
    invoice_number: str
    def __init__(self, content: _Optional[bytes] = ..., file_name: _Optional[str] = ..., invoice_number: _Optional[str] = ...) -> None: ...

class VerifyChainRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BrokenLink(_message.Message):
    __slots__ = ("chain_position", "invoice_id", "invoice_number", "reason")
    CHAIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    chain_position: int
    invoice_id: str
    invoice_number: str
    reason: str
    def __init__(self, chain_position: _Optional[int] = ..., invoice_id: _Optional[str] = ..., invoice_number: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class VerifyChainResponse(_message.Message):
    __slots__ = ("intact", "documents_checked", "first_broken_link", "head_hash")
    INTACT_FIELD_NUMBER: _ClassVar[int]
    DOCUMENTS_CHECKED_FIELD_NUMBER: _ClassVar[int]
    FIRST_BROKEN_LINK_FIELD_NUMBER: _ClassVar[int]
    HEAD_HASH_FIELD_NUMBER: _ClassVar[int]
    intact: bool
    documents_checked: int
    first_broken_link: BrokenLink
    head_hash: str
    def __init__(self, intact: _Optional[bool] = ..., documents_checked: _Optional[int] = ..., first_broken_link: _Optional[_Union[BrokenLink, _Mapping]] = ..., head_hash: _Optional[str] = ...) -> None: ...

class BillableItem(_message.Message):
    __slots__ = ("description", "quantity", "unit", "unit_price_cents", "vat_rate")
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    QUANTITY_FIELD_NUMBER: _ClassVar[int]
    UNIT_FIELD_NUMBER: _ClassVar[int]
    UNIT_PRICE_CENTS_FIELD_NUMBER: _ClassVar[int]
    VAT_RATE_FIELD_NUMBER: _ClassVar[int]
    description: str
    quantity: str
    unit: str
    unit_price_cents: int
    vat_rate: str
    def __init__(self, description: _Optional[str] = ..., quantity: _Optional[str] = ..., unit: _Optional[str] = ..., unit_price_cents: _Optional[int] = ..., vat_rate: _Optional[str] = ...) -> None: ...

class InvoiceInterventionRequest(_message.Message):
    __slots__ = ("intervention_id", "customer_id", "contract_id", "service_date", "items", "idempotency_key")
    INTERVENTION_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    SERVICE_DATE_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    intervention_id: str
    customer_id: str
    contract_id: str
    service_date: _common_pb2.Date
    items: _containers.RepeatedCompositeFieldContainer[BillableItem]
    idempotency_key: str
    def __init__(self, intervention_id: _Optional[str] = ..., customer_id: _Optional[str] = ..., contract_id: _Optional[str] = ..., service_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., items: _Optional[_Iterable[_Union[BillableItem, _Mapping]]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class InvoiceInterventionResponse(_message.Message):
    __slots__ = ("invoice", "reason")
    INVOICE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    invoice: Invoice
    reason: str
    def __init__(self, invoice: _Optional[_Union[Invoice, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class StartBillingRunRequest(_message.Message):
    __slots__ = ("period_start", "from_date", "contract_id", "dry_run", "wait", "idempotency_key")
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    period_start: _common_pb2.Date
    from_date: _common_pb2.Date
    contract_id: str
    dry_run: bool
    wait: bool
    idempotency_key: str
    def __init__(self, period_start: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., from_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., contract_id: _Optional[str] = ..., dry_run: _Optional[bool] = ..., wait: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class BillingRun(_message.Message):
    __slots__ = ("id", "status", "up_to", "from_date", "contract_id", "dry_run", "entries_total", "entries_done", "issued", "skipped", "failed", "previewed", "total_excluding_vat", "total_vat", "total_including_vat", "error", "create_time", "finish_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    UP_TO_FIELD_NUMBER: _ClassVar[int]
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_TOTAL_FIELD_NUMBER: _ClassVar[int]
    ENTRIES_DONE_FIELD_NUMBER: _ClassVar[int]
    ISSUED_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_FIELD_NUMBER: _ClassVar[int]
    FAILED_FIELD_NUMBER: _ClassVar[int]
    PREVIEWED_FIELD_NUMBER: _ClassVar[int]
    TOTAL_EXCLUDING_VAT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_VAT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_INCLUDING_VAT_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    FINISH_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    status: BillingRunStatus
    up_to: _common_pb2.Date
    from_date: _common_pb2.Date
    contract_id: str
    dry_run: bool
    entries_total: int
    entries_done: int
    issued: int
    skipped: int
    failed: int
    previewed: int
    total_excluding_vat: _common_pb2.Money
    total_vat: _common_pb2.Money
    total_including_vat: _common_pb2.Money
    error: str
    create_time: _timestamp_pb2.Timestamp
    finish_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., status: _Optional[_Union[BillingRunStatus, str]] = ..., up_to: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., from_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., contract_id: _Optional[str] = ..., dry_run: _Optional[bool] = ..., entries_total: _Optional[int] = ..., entries_done: _Optional[int] = ..., issued: _Optional[int] = ..., skipped: _Optional[int] = ..., failed: _Optional[int] = ..., previewed: _Optional[int] = ..., total_excluding_vat: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., total_vat: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., total_including_vat: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., error: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., finish_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetBillingRunRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListBillingRunsRequest(_message.Message):
    __slots__ = ("page", "status")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    status: BillingRunStatus
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., status: _Optional[_Union[BillingRunStatus, str]] = ...) -> None: ...

class ListBillingRunsResponse(_message.Message):
    __slots__ = ("runs", "page")
    RUNS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    runs: _containers.RepeatedCompositeFieldContainer[BillingRun]
    page: _common_pb2.PageResponse
    def __init__(self, runs: _Optional[_Iterable[_Union[BillingRun, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class BillingRunEntry(_message.Message):
    __slots__ = ("contract_id", "contract_number", "customer_id", "customer_name", "period_start", "period_end", "outcome", "reason", "invoice_id", "invoice_number", "total_excluding_vat", "total_including_vat")
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    CONTRACT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    PERIOD_START_FIELD_NUMBER: _ClassVar[int]
    PERIOD_END_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    TOTAL_EXCLUDING_VAT_FIELD_NUMBER: _ClassVar[int]
    TOTAL_INCLUDING_VAT_FIELD_NUMBER: _ClassVar[int]
    contract_id: str
    contract_number: str
    customer_id: str
    customer_name: str
    period_start: _common_pb2.Date
    period_end: _common_pb2.Date
    outcome: BillingEntryOutcome
    reason: str
    invoice_id: str
    invoice_number: str
    total_excluding_vat: _common_pb2.Money
    total_including_vat: _common_pb2.Money
    def __init__(self, contract_id: _Optional[str] = ..., contract_number: _Optional[str] = ..., customer_id: _Optional[str] = ..., customer_name: _Optional[str] = ..., period_start: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., period_end: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., outcome: _Optional[_Union[BillingEntryOutcome, str]] = ..., reason: _Optional[str] = ..., invoice_id: _Optional[str] = ..., invoice_number: _Optional[str] = ..., total_excluding_vat: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., total_including_vat: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class ListBillingRunEntriesRequest(_message.Message):
    __slots__ = ("run_id", "outcome", "page")
    RUN_ID_FIELD_NUMBER: _ClassVar[int]
    OUTCOME_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    run_id: str
    outcome: BillingEntryOutcome
    page: _common_pb2.PageRequest
    def __init__(self, run_id: _Optional[str] = ..., outcome: _Optional[_Union[BillingEntryOutcome, str]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListBillingRunEntriesResponse(_message.Message):
    __slots__ = ("entries", "page")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[BillingRunEntry]
    page: _common_pb2.PageResponse
    def __init__(self, entries: _Optional[_Iterable[_Union[BillingRunEntry, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class ResumeBillingRunRequest(_message.Message):
    __slots__ = ("id", "wait")
    ID_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    id: str
    wait: bool
    def __init__(self, id: _Optional[str] = ..., wait: _Optional[bool] = ...) -> None: ...

class Allocation(_message.Message):
    __slots__ = ("invoice_id", "invoice_number", "amount")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    invoice_number: str
    amount: _common_pb2.Money
    def __init__(self, invoice_id: _Optional[str] = ..., invoice_number: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class Payment(_message.Message):
    __slots__ = ("id", "customer_id", "amount", "method", "received_on", "reference", "note", "allocations", "unallocated", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_ON_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    ALLOCATIONS_FIELD_NUMBER: _ClassVar[int]
    UNALLOCATED_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    amount: _common_pb2.Money
    method: PaymentMethod
    received_on: _common_pb2.Date
    reference: str
    note: str
    allocations: _containers.RepeatedCompositeFieldContainer[Allocation]
    unallocated: _common_pb2.Money
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., method: _Optional[_Union[PaymentMethod, str]] = ..., received_on: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., reference: _Optional[str] = ..., note: _Optional[str] = ..., allocations: _Optional[_Iterable[_Union[Allocation, _Mapping]]] = ..., unallocated: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RecordPaymentRequest(_message.Message):
    __slots__ = ("customer_id", "amount", "method", "received_on", "reference", "invoice_id", "note", "idempotency_key")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_FIELD_NUMBER: _ClassVar[int]
    METHOD_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_ON_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    NOTE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    amount: _common_pb2.Money
    method: PaymentMethod
    received_on: _common_pb2.Date
    reference: str
    invoice_id: str
    note: str
    idempotency_key: str
    def __init__(self, customer_id: _Optional[str] = ..., amount: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., method: _Optional[_Union[PaymentMethod, str]] = ..., received_on: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., reference: _Optional[str] = ..., invoice_id: _Optional[str] = ..., note: _Optional[str] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class ListPaymentsRequest(_message.Message):
    __slots__ = ("page", "customer_id", "received_from", "received_to", "invoice_id")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_FROM_FIELD_NUMBER: _ClassVar[int]
    RECEIVED_TO_FIELD_NUMBER: _ClassVar[int]
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    customer_id: str
    received_from: _common_pb2.Date
    received_to: _common_pb2.Date
    invoice_id: str
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., customer_id: _Optional[str] = ..., received_from: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., received_to: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., invoice_id: _Optional[str] = ...) -> None: ...

class ListPaymentsResponse(_message.Message):
    __slots__ = ("payments", "page")
    PAYMENTS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    payments: _containers.RepeatedCompositeFieldContainer[Payment]
    page: _common_pb2.PageResponse
    def __init__(self, payments: _Optional[_Iterable[_Union[Payment, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class AgingBuckets(_message.Message):
    __slots__ = ("not_due", "days_0_30", "days_31_60", "days_61_90", "days_over_90", "total")
    NOT_DUE_FIELD_NUMBER: _ClassVar[int]
    DAYS_0_30_FIELD_NUMBER: _ClassVar[int]
    DAYS_31_60_FIELD_NUMBER: _ClassVar[int]
    DAYS_61_90_FIELD_NUMBER: _ClassVar[int]
    DAYS_OVER_90_FIELD_NUMBER: _ClassVar[int]
    TOTAL_FIELD_NUMBER: _ClassVar[int]
    not_due: _common_pb2.Money
    days_0_30: _common_pb2.Money
    days_31_60: _common_pb2.Money
    days_61_90: _common_pb2.Money
    days_over_90: _common_pb2.Money
    total: _common_pb2.Money
    def __init__(self, not_due: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., days_0_30: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., days_31_60: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., days_61_90: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., days_over_90: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., total: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class OpenInvoice(_message.Message):
    __slots__ = ("invoice_id", "number", "issue_date", "due_date", "total_including_vat", "amount_due", "days_past_due")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    NUMBER_FIELD_NUMBER: _ClassVar[int]
    ISSUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    TOTAL_INCLUDING_VAT_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    DAYS_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    number: str
    issue_date: _common_pb2.Date
    due_date: _common_pb2.Date
    total_including_vat: _common_pb2.Money
    amount_due: _common_pb2.Money
    days_past_due: int
    def __init__(self, invoice_id: _Optional[str] = ..., number: _Optional[str] = ..., issue_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., due_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., total_including_vat: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., amount_due: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., days_past_due: _Optional[int] = ...) -> None: ...

class GetCustomerBalanceRequest(_message.Message):
    __slots__ = ("customer_id", "as_of")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    as_of: _common_pb2.Date
    def __init__(self, customer_id: _Optional[str] = ..., as_of: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class CustomerBalance(_message.Message):
    __slots__ = ("customer_id", "invoiced", "credited", "paid", "balance", "outstanding", "unapplied_credit", "aging", "open_invoices", "dunning_paused")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICED_FIELD_NUMBER: _ClassVar[int]
    CREDITED_FIELD_NUMBER: _ClassVar[int]
    PAID_FIELD_NUMBER: _ClassVar[int]
    BALANCE_FIELD_NUMBER: _ClassVar[int]
    OUTSTANDING_FIELD_NUMBER: _ClassVar[int]
    UNAPPLIED_CREDIT_FIELD_NUMBER: _ClassVar[int]
    AGING_FIELD_NUMBER: _ClassVar[int]
    OPEN_INVOICES_FIELD_NUMBER: _ClassVar[int]
    DUNNING_PAUSED_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    invoiced: _common_pb2.Money
    credited: _common_pb2.Money
    paid: _common_pb2.Money
    balance: _common_pb2.Money
    outstanding: _common_pb2.Money
    unapplied_credit: _common_pb2.Money
    aging: AgingBuckets
    open_invoices: _containers.RepeatedCompositeFieldContainer[OpenInvoice]
    dunning_paused: bool
    def __init__(self, customer_id: _Optional[str] = ..., invoiced: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., credited: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., paid: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., balance: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., outstanding: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., unapplied_credit: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., aging: _Optional[_Union[AgingBuckets, _Mapping]] = ..., open_invoices: _Optional[_Iterable[_Union[OpenInvoice, _Mapping]]] = ..., dunning_paused: _Optional[bool] = ...) -> None: ...

class GetAgingReportRequest(_message.Message):
    __slots__ = ("as_of", "page")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    as_of: _common_pb2.Date
    page: _common_pb2.PageRequest
    def __init__(self, as_of: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class CustomerAging(_message.Message):
    __slots__ = ("customer_id", "customer_name", "aging")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    AGING_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    customer_name: str
    aging: AgingBuckets
    def __init__(self, customer_id: _Optional[str] = ..., customer_name: _Optional[str] = ..., aging: _Optional[_Union[AgingBuckets, _Mapping]] = ...) -> None: ...

class AgingReport(_message.Message):
    __slots__ = ("as_of", "customers", "totals", "page")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    CUSTOMERS_FIELD_NUMBER: _ClassVar[int]
    TOTALS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    as_of: _common_pb2.Date
    customers: _containers.RepeatedCompositeFieldContainer[CustomerAging]
    totals: AgingBuckets
    page: _common_pb2.PageResponse
    def __init__(self, as_of: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., customers: _Optional[_Iterable[_Union[CustomerAging, _Mapping]]] = ..., totals: _Optional[_Union[AgingBuckets, _Mapping]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class DunningItem(_message.Message):
    __slots__ = ("invoice_id", "invoice_number", "due_date", "days_past_due", "amount_due", "level", "indemnity", "interest")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    INVOICE_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DUE_DATE_FIELD_NUMBER: _ClassVar[int]
    DAYS_PAST_DUE_FIELD_NUMBER: _ClassVar[int]
    AMOUNT_DUE_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    INDEMNITY_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    invoice_number: str
    due_date: _common_pb2.Date
    days_past_due: int
    amount_due: _common_pb2.Money
    level: DunningLevel
    indemnity: _common_pb2.Money
    interest: _common_pb2.Money
    def __init__(self, invoice_id: _Optional[str] = ..., invoice_number: _Optional[str] = ..., due_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., days_past_due: _Optional[int] = ..., amount_due: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., level: _Optional[_Union[DunningLevel, str]] = ..., indemnity: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., interest: _Optional[_Union[_common_pb2.Money, _Mapping]] = ...) -> None: ...

class DunningLetter(_message.Message):
    __slots__ = ("id", "customer_id", "customer_name", "customer_email", "level", "as_of", "items", "total_due", "indemnity", "interest", "total_claimed", "interest_rate", "create_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_NAME_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_EMAIL_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    TOTAL_DUE_FIELD_NUMBER: _ClassVar[int]
    INDEMNITY_FIELD_NUMBER: _ClassVar[int]
    INTEREST_FIELD_NUMBER: _ClassVar[int]
    TOTAL_CLAIMED_FIELD_NUMBER: _ClassVar[int]
    INTEREST_RATE_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    customer_id: str
    customer_name: str
    customer_email: str
    level: DunningLevel
    as_of: _common_pb2.Date
    items: _containers.RepeatedCompositeFieldContainer[DunningItem]
    total_due: _common_pb2.Money
    indemnity: _common_pb2.Money
    interest: _common_pb2.Money
    total_claimed: _common_pb2.Money
    interest_rate: str
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., customer_id: _Optional[str] = ..., customer_name: _Optional[str] = ..., customer_email: _Optional[str] = ..., level: _Optional[_Union[DunningLevel, str]] = ..., as_of: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., items: _Optional[_Iterable[_Union[DunningItem, _Mapping]]] = ..., total_due: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., indemnity: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., interest: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., total_claimed: _Optional[_Union[_common_pb2.Money, _Mapping]] = ..., interest_rate: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class RunDunningRequest(_message.Message):
    __slots__ = ("as_of", "idempotency_key")
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    as_of: _common_pb2.Date
    idempotency_key: str
    def __init__(self, as_of: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class RunDunningResponse(_message.Message):
    __slots__ = ("letters", "paused_customer_ids")
    LETTERS_FIELD_NUMBER: _ClassVar[int]
    PAUSED_CUSTOMER_IDS_FIELD_NUMBER: _ClassVar[int]
    letters: _containers.RepeatedCompositeFieldContainer[DunningLetter]
    paused_customer_ids: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, letters: _Optional[_Iterable[_Union[DunningLetter, _Mapping]]] = ..., paused_customer_ids: _Optional[_Iterable[str]] = ...) -> None: ...

class ListDunningLettersRequest(_message.Message):
    __slots__ = ("page", "customer_id", "level")
    PAGE_FIELD_NUMBER: _ClassVar[int]
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    page: _common_pb2.PageRequest
    customer_id: str
    level: DunningLevel
    def __init__(self, page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ..., customer_id: _Optional[str] = ..., level: _Optional[_Union[DunningLevel, str]] = ...) -> None: ...

class ListDunningLettersResponse(_message.Message):
    __slots__ = ("letters", "page")
    LETTERS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    letters: _containers.RepeatedCompositeFieldContainer[DunningLetter]
    page: _common_pb2.PageResponse
    def __init__(self, letters: _Optional[_Iterable[_Union[DunningLetter, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class SetDunningPauseRequest(_message.Message):
    __slots__ = ("customer_id", "paused", "until", "reason")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    paused: bool
    until: _common_pb2.Date
    reason: str
    def __init__(self, customer_id: _Optional[str] = ..., paused: _Optional[bool] = ..., until: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class DunningPause(_message.Message):
    __slots__ = ("customer_id", "paused", "until", "reason")
    CUSTOMER_ID_FIELD_NUMBER: _ClassVar[int]
    PAUSED_FIELD_NUMBER: _ClassVar[int]
    UNTIL_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    customer_id: str
    paused: bool
    until: _common_pb2.Date
    reason: str
    def __init__(self, customer_id: _Optional[str] = ..., paused: _Optional[bool] = ..., until: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., reason: _Optional[str] = ...) -> None: ...

class ExportRequest(_message.Message):
    __slots__ = ("from_date", "to_date")
    FROM_DATE_FIELD_NUMBER: _ClassVar[int]
    TO_DATE_FIELD_NUMBER: _ClassVar[int]
    from_date: _common_pb2.Date
    to_date: _common_pb2.Date
    def __init__(self, from_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., to_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ...) -> None: ...

class ExportFile(_message.Message):
    __slots__ = ("content", "file_name", "content_type", "rows")
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    ROWS_FIELD_NUMBER: _ClassVar[int]
    content: bytes
    file_name: str
    content_type: str
    rows: int
    def __init__(self, content: _Optional[bytes] = ..., file_name: _Optional[str] = ..., content_type: _Optional[str] = ..., rows: _Optional[int] = ...) -> None: ...
