import datetime

from aquaerp.common.v1 import common_pb2 as _common_pb2
from google.protobuf import struct_pb2 as _struct_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class EmailStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    EMAIL_STATUS_UNSPECIFIED: _ClassVar[EmailStatus]
    EMAIL_STATUS_QUEUED: _ClassVar[EmailStatus]
    EMAIL_STATUS_SENDING: _ClassVar[EmailStatus]
    EMAIL_STATUS_SENT: _ClassVar[EmailStatus]
    EMAIL_STATUS_FAILED_RETRYING: _ClassVar[EmailStatus]
    EMAIL_STATUS_FAILED_PERMANENT: _ClassVar[EmailStatus]

class AttachmentKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ATTACHMENT_KIND_UNSPECIFIED: _ClassVar[AttachmentKind]
    ATTACHMENT_KIND_INVOICE_PDF: _ClassVar[AttachmentKind]
    ATTACHMENT_KIND_REPORT_PDF: _ClassVar[AttachmentKind]

class DunningLevel(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DUNNING_LEVEL_UNSPECIFIED: _ClassVar[DunningLevel]
    DUNNING_LEVEL_REMINDER: _ClassVar[DunningLevel]
    DUNNING_LEVEL_FORMAL_NOTICE: _ClassVar[DunningLevel]

class AppointmentKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    APPOINTMENT_KIND_UNSPECIFIED: _ClassVar[AppointmentKind]
    APPOINTMENT_KIND_NOTICE: _ClassVar[AppointmentKind]
    APPOINTMENT_KIND_CHANGE: _ClassVar[AppointmentKind]

class UserEmailKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    USER_EMAIL_KIND_UNSPECIFIED: _ClassVar[UserEmailKind]
    USER_EMAIL_KIND_PASSWORD_RESET: _ClassVar[UserEmailKind]
    USER_EMAIL_KIND_MFA_ENROLMENT: _ClassVar[UserEmailKind]
EMAIL_STATUS_UNSPECIFIED: EmailStatus
EMAIL_STATUS_QUEUED: EmailStatus
EMAIL_STATUS_SENDING: EmailStatus
EMAIL_STATUS_SENT: EmailStatus
EMAIL_STATUS_FAILED_RETRYING: EmailStatus
EMAIL_STATUS_FAILED_PERMANENT: EmailStatus
ATTACHMENT_KIND_UNSPECIFIED: AttachmentKind
ATTACHMENT_KIND_INVOICE_PDF: AttachmentKind
ATTACHMENT_KIND_REPORT_PDF: AttachmentKind
DUNNING_LEVEL_UNSPECIFIED: DunningLevel
DUNNING_LEVEL_REMINDER: DunningLevel
DUNNING_LEVEL_FORMAL_NOTICE: DunningLevel
APPOINTMENT_KIND_UNSPECIFIED: AppointmentKind
APPOINTMENT_KIND_NOTICE: AppointmentKind
APPOINTMENT_KIND_CHANGE: AppointmentKind
USER_EMAIL_KIND_UNSPECIFIED: UserEmailKind
USER_EMAIL_KIND_PASSWORD_RESET: UserEmailKind
USER_EMAIL_KIND_MFA_ENROLMENT: UserEmailKind

class Recipient(_message.Message):
    __slots__ = ("email", "name")
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    email: str
    name: str
    def __init__(self, email: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class DocumentRef(_message.Message):
    __slots__ = ("type", "id")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    type: str
    id: str
    def __init__(self, type: _Optional[str] = ..., id: _Optional[str] = ...) -> None: ...

class AttachmentReference(_message.Message):
    __slots__ = ("kind", "id")
    KIND_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    kind: AttachmentKind
    id: str
    def __init__(self, kind: _Optional[_Union[AttachmentKind, str]] = ..., id: _Optional[str] = ...) -> None: ...

class Attachment(_message.Message):
    __slots__ = ("file_name", "content_type", "content", "reference")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    CONTENT_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    content_type: str
    content: bytes
    reference: AttachmentReference
    def __init__(self, file_name: _Optional[str] = ..., content_type: _Optional[str] = ..., content: _Optional[bytes] = ..., reference: _Optional[_Union[AttachmentReference, _Mapping]] = ...) -> None: ...

class AttachmentInfo(_message.Message):
    __slots__ = ("file_name", "content_type", "size", "reference")
    FILE_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTENT_TYPE_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    file_name: str
    content_type: str
    size: int
    reference: AttachmentReference
    def __init__(self, file_name: _Optional[str] = ..., content_type: _Optional[str] = ..., size: _Optional[int] = ..., reference: _Optional[_Union[AttachmentReference, _Mapping]] = ...) -> None: ...

class SendEmailRequest(_message.Message):
    __slots__ = ("template", "to", "cc", "variables", "attachments", "document", "idempotency_key")
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    CC_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    template: str
    to: _containers.RepeatedCompositeFieldContainer[Recipient]
    cc: _containers.RepeatedCompositeFieldContainer[Recipient]
    variables: _struct_pb2.Struct
    attachments: _containers.RepeatedCompositeFieldContainer[Attachment]
    document: DocumentRef
    idempotency_key: str
    def __init__(self, template: _Optional[str] = ..., to: _Optional[_Iterable[_Union[Recipient, _Mapping]]] = ..., cc: _Optional[_Iterable[_Union[Recipient, _Mapping]]] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., attachments: _Optional[_Iterable[_Union[Attachment, _Mapping]]] = ..., document: _Optional[_Union[DocumentRef, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SendInvoiceEmailRequest(_message.Message):
    __slots__ = ("invoice_id", "recipient", "cc", "variables", "idempotency_key")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    CC_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    recipient: Recipient
    cc: _containers.RepeatedCompositeFieldContainer[Recipient]
    variables: _struct_pb2.Struct
    idempotency_key: str
    def __init__(self, invoice_id: _Optional[str] = ..., recipient: _Optional[_Union[Recipient, _Mapping]] = ..., cc: _Optional[_Iterable[_Union[Recipient, _Mapping]]] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SendDunningEmailRequest(_message.Message):
    __slots__ = ("invoice_id", "level", "recipient", "cc", "variables", "attach_invoice", "idempotency_key")
    INVOICE_ID_FIELD_NUMBER: _ClassVar[int]
    LEVEL_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    CC_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    ATTACH_INVOICE_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    invoice_id: str
    level: DunningLevel
    recipient: Recipient
    cc: _containers.RepeatedCompositeFieldContainer[Recipient]
    variables: _struct_pb2.Struct
    attach_invoice: bool
    idempotency_key: str
    def __init__(self, invoice_id: _Optional[str] = ..., level: _Optional[_Union[DunningLevel, str]] = ..., recipient: _Optional[_Union[Recipient, _Mapping]] = ..., cc: _Optional[_Iterable[_Union[Recipient, _Mapping]]] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., attach_invoice: _Optional[bool] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SendAppointmentEmailRequest(_message.Message):
    __slots__ = ("intervention_id", "kind", "recipient", "start_time", "end_time", "location", "variables", "idempotency_key")
    INTERVENTION_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    START_TIME_FIELD_NUMBER: _ClassVar[int]
    END_TIME_FIELD_NUMBER: _ClassVar[int]
    LOCATION_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    intervention_id: str
    kind: AppointmentKind
    recipient: Recipient
    start_time: _timestamp_pb2.Timestamp
    end_time: _timestamp_pb2.Timestamp
    location: str
    variables: _struct_pb2.Struct
    idempotency_key: str
    def __init__(self, intervention_id: _Optional[str] = ..., kind: _Optional[_Union[AppointmentKind, str]] = ..., recipient: _Optional[_Union[Recipient, _Mapping]] = ..., start_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., end_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., location: _Optional[str] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SendReportEmailRequest(_message.Message):
    __slots__ = ("intervention_id", "recipient", "cc", "variables", "idempotency_key")
    INTERVENTION_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    CC_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    intervention_id: str
    recipient: Recipient
    cc: _containers.RepeatedCompositeFieldContainer[Recipient]
    variables: _struct_pb2.Struct
    idempotency_key: str
    def __init__(self, intervention_id: _Optional[str] = ..., recipient: _Optional[_Union[Recipient, _Mapping]] = ..., cc: _Optional[_Iterable[_Union[Recipient, _Mapping]]] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SendRenewalNoticeRequest(_message.Message):
    __slots__ = ("contract_id", "recipient", "refusal_deadline", "renewal_date", "variables", "idempotency_key")
    CONTRACT_ID_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    REFUSAL_DEADLINE_FIELD_NUMBER: _ClassVar[int]
    RENEWAL_DATE_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    contract_id: str
    recipient: Recipient
    refusal_deadline: _common_pb2.Date
    renewal_date: _common_pb2.Date
    variables: _struct_pb2.Struct
    idempotency_key: str
    def __init__(self, contract_id: _Optional[str] = ..., recipient: _Optional[_Union[Recipient, _Mapping]] = ..., refusal_deadline: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., renewal_date: _Optional[_Union[_common_pb2.Date, _Mapping]] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class SendUserEmailRequest(_message.Message):
    __slots__ = ("user_id", "kind", "recipient", "variables", "idempotency_key")
    USER_ID_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    RECIPIENT_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    user_id: str
    kind: UserEmailKind
    recipient: Recipient
    variables: _struct_pb2.Struct
    idempotency_key: str
    def __init__(self, user_id: _Optional[str] = ..., kind: _Optional[_Union[UserEmailKind, str]] = ..., recipient: _Optional[_Union[Recipient, _Mapping]] = ..., variables: _Optional[_Union[_struct_pb2.Struct, _Mapping]] = ..., idempotency_key: _Optional[str] = ...) -> None: ...

class Email(_message.Message):
    __slots__ = ("id", "template", "status", "document", "to", "cc", "subject", "message_id", "idempotency_key", "attempts", "last_smtp_code", "last_smtp_response", "last_error", "attachments", "create_time", "last_attempt_time", "next_attempt_time", "sent_time", "failed_time")
    ID_FIELD_NUMBER: _ClassVar[int]
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    CC_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_ID_FIELD_NUMBER: _ClassVar[int]
    IDEMPOTENCY_KEY_FIELD_NUMBER: _ClassVar[int]
    ATTEMPTS_FIELD_NUMBER: _ClassVar[int]
    LAST_SMTP_CODE_FIELD_NUMBER: _ClassVar[int]
    LAST_SMTP_RESPONSE_FIELD_NUMBER: _ClassVar[int]
    LAST_ERROR_FIELD_NUMBER: _ClassVar[int]
    ATTACHMENTS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    LAST_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    NEXT_ATTEMPT_TIME_FIELD_NUMBER: _ClassVar[int]
    SENT_TIME_FIELD_NUMBER: _ClassVar[int]
    FAILED_TIME_FIELD_NUMBER: _ClassVar[int]
    id: str
    template: str
    status: EmailStatus
    document: DocumentRef
    to: _containers.RepeatedCompositeFieldContainer[Recipient]
    cc: _containers.RepeatedCompositeFieldContainer[Recipient]
    subject: str
    message_id: str
    idempotency_key: str
    attempts: int
    last_smtp_code: int
    last_smtp_response: str
    last_error: str
    attachments: _containers.RepeatedCompositeFieldContainer[AttachmentInfo]
    create_time: _timestamp_pb2.Timestamp
    last_attempt_time: _timestamp_pb2.Timestamp
    next_attempt_time: _timestamp_pb2.Timestamp
    sent_time: _timestamp_pb2.Timestamp
    failed_time: _timestamp_pb2.Timestamp
    def __init__(self, id: _Optional[str] = ..., template: _Optional[str] = ..., status: _Optional[_Union[EmailStatus, str]] = ..., document: _Optional[_Union[DocumentRef, _Mapping]] = ..., to: _Optional[_Iterable[_Union[Recipient, _Mapping]]] = ..., cc: _Optional[_Iterable[_Union[Recipient, _Mapping]]] = ..., subject: _Optional[str] = ..., message_id: _Optional[str] = ..., idempotency_key: _Optional[str] = ..., attempts: _Optional[int] = ..., last_smtp_code: _Optional[int] = ..., last_smtp_response: _Optional[str] = ..., last_error: _Optional[str] = ..., attachments: _Optional[_Iterable[_Union[AttachmentInfo, _Mapping]]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., last_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., next_attempt_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., sent_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., failed_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetEmailRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListEmailsRequest(_message.Message):
    __slots__ = ("document", "status", "page")
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    document: DocumentRef
    status: EmailStatus
    page: _common_pb2.PageRequest
    def __init__(self, document: _Optional[_Union[DocumentRef, _Mapping]] = ..., status: _Optional[_Union[EmailStatus, str]] = ..., page: _Optional[_Union[_common_pb2.PageRequest, _Mapping]] = ...) -> None: ...

class ListEmailsResponse(_message.Message):
    __slots__ = ("emails", "page")
    EMAILS_FIELD_NUMBER: _ClassVar[int]
    PAGE_FIELD_NUMBER: _ClassVar[int]
    emails: _containers.RepeatedCompositeFieldContainer[Email]
    page: _common_pb2.PageResponse
    def __init__(self, emails: _Optional[_Iterable[_Union[Email, _Mapping]]] = ..., page: _Optional[_Union[_common_pb2.PageResponse, _Mapping]] = ...) -> None: ...

class RetryEmailRequest(_message.Message):
    __slots__ = ("id",)
    ID_FIELD_NUMBER: _ClassVar[int]
    id: str
    def __init__(self, id: _Optional[str] = ...) -> None: ...

class ListTemplatesRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TemplateInfo(_message.Message):
    __slots__ = ("name", "description", "variables")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    VARIABLES_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    variables: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., variables: _Optional[_Iterable[str]] = ...) -> None: ...

class ListTemplatesResponse(_message.Message):
    __slots__ = ("templates",)
    TEMPLATES_FIELD_NUMBER: _ClassVar[int]
    templates: _containers.RepeatedCompositeFieldContainer[TemplateInfo]
    def __init__(self, templates: _Optional[_Iterable[_Union[TemplateInfo, _Mapping]]] = ...) -> None: ...

class PreviewTemplateRequest(_message.Message):
    __slots__ = ("template",)
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    template: str
    def __init__(self, template: _Optional[str] = ...) -> None: ...

class RenderedEmail(_message.Message):
    __slots__ = ("template", "subject", "html", "text")
    TEMPLATE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    HTML_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    template: str
    subject: str
    html: str
    text: str
    def __init__(self, template: _Optional[str] = ..., subject: _Optional[str] = ..., html: _Optional[str] = ..., text: _Optional[str] = ...) -> None: ...
