"""ID images of a person: INE front and reverse (with their OCR), and the selfie-to-INE face match."""

from datetime import UTC, datetime

from personas.domain import biometrics, files, json_depth, media
from personas.domain.errors import NotFound, Rule, ValidationFailed
from personas.domain.records import PERSON_NOT_FOUND

INVALID_OCR = Rule("form_json", "Debe ser JSON válido", "Must be valid JSON")
FACE_MATCH_TYPE = biometrics.type_code("FACE_MATCH_ID")


def _living(uow, person_id: str):
    person = uow.people.get(person_id)
    if person is None:
        raise NotFound(PERSON_NOT_FOUND)
    return person


def parse_ocr(text: str | None, field: str):
    """The OCR as sent by the client's reader: any JSON value; text that is not JSON is a 422."""
    if text is None or text == "":
        return None
    try:
        return json_depth.loads(text)
    except ValueError as exc:  # bad JSON, or nested too deep (json_depth.TooDeep)
        raise ValidationFailed({field: [INVALID_OCR]}) from exc


def _auto_validations(uow, person_id: str, trigger: str) -> None:
    """Which validations run is domain.validations' decision (imported here: it imports this module's
    neighbours)."""
    from personas.domain.validations import start_auto_validations

    start_auto_validations(uow, person_id, trigger)


def attach_ine(uow, storage, person_id: str, images: dict, ocr: dict) -> list:
    """Store `ine_front` and `ine_reverse` (JPEG or PNG) in their collections, OCR in custom_properties;
    starts the person's active automatic INE validations."""
    _living(uow, person_id)
    for field, upload in images.items():
        files.require_image(upload, field)
    parsed = {field: parse_ocr(text, f"ocr_data_{field.removeprefix('ine_')}") for field, text in ocr.items()}
    stored = []
    for field, upload in images.items():
        metadata = {"ocr": parsed[field]} if parsed.get(field) is not None else None
        target = {"model": "person", "model_id": person_id, "collection": field, "metadata": metadata}
        stored.append(media.add_media(uow, storage, target=target, upload=upload))
    _auto_validations(uow, person_id, "ine_attached")
    return stored


def face_match(uow, verifier, storage, person_id: str, selfie, id_front) -> list:
    """Ask the face verifier, store a FACE_MATCH_ID biometric result and the selfie (collection `selfie`,
    which the anti-spoofing and face-duplicity validations read), and return the person's results."""
    person = _living(uow, person_id)
    files.require_image(selfie, "selfie")
    files.require_image(id_front, "ine_front")
    outcome = verifier.match(selfie.stream.read(), id_front.stream.read(), person.facetec_ref_id)
    selfie.stream.seek(0)
    target = {"model": "person", "model_id": person_id, "collection": "selfie", "metadata": None}
    media.add_media(uow, storage, target=target, upload=selfie)
    now = datetime.now(UTC).replace(tzinfo=None)
    data = {"person_id": person_id, "type": FACE_MATCH_TYPE, "execution_date": now, "details": outcome.metadata()}
    biometrics.create_biometric(uow, data)
    _auto_validations(uow, person_id, "face_match")
    return biometrics.person_results(uow, person_id)
