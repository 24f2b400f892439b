"""Credit bureau requests: a person's authorisation, with a verification code, to pull a bureau report.

Use cases take a unit of work (its `credit_bureau_requests` repository). The `report_provider` and
`report_type` enums are the spec's to check, not repeated here. A request is not among the records that
fire `updated_data_to_person` (people's child records do); its history comes from the model's `__history__`.
"""

from personas.domain.errors import Text
from personas.domain.records import get_record, require_person

NOT_FOUND = Text("No se encontró la consulta al buró de crédito", "Credit bureau request not found")

# `created_at` and `updated_at` of the seed's body are not here: the server sets the dates.
STORED_FIELDS = ("person_id", "report_provider", "report_type", "verification_code", "verification_contact", "config")


def create_request(uow, data: dict):
    """Store a request of a living person (an unknown or deleted one is a 422 on `person_id`)."""
    require_person(uow, data.get("person_id"))
    request = uow.credit_bureau_requests.new(**{f: data.get(f) for f in STORED_FIELDS})
    uow.flush()
    return request


def get_request(uow, request_id: str):
    return get_record(uow.credit_bureau_requests, request_id, NOT_FOUND)


def delete_request(uow, request_id: str) -> None:
    """A real delete; the history keeps what was deleted."""
    uow.credit_bureau_requests.delete(get_request(uow, request_id))
    uow.flush()
