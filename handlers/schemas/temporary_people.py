"""Temporary person bodies, and the promotion request turned into the domain's `Promotion`.

The spec checks what a request sends. A promotion also uses what the temporary person holds, which
was stored unchecked; the person it yields is checked here against the spec's own `PersonCreate`
schema, so `POST /people` and a promotion accept the same people.
"""

from functools import cache

from connexion.json_schema import Draft4RequestValidator, resolve_refs
from marshmallow import Schema, fields, post_load
from marshmallow import ValidationError as SchemaError

from personas import spec
from personas.domain.bank_data import mask_card, masked_view
from personas.domain.errors import Rule, ValidationFailed
from personas.domain.temporary_people import Promotion
from personas.handlers.auth import granted
from personas.handlers.schema_messages import describe, fields_of
from personas.handlers.schemas import timestamp
from personas.handlers.schemas.bank_data import bank_in
from personas.handlers.schemas.employment_data import employment_in
from personas.handlers.schemas.people import load_person
from personas.handlers.validation import FORMATS

# The request's own `person_data` passed the spec; a value that fails now came from the temporary person.
MISSING = Rule(
    "temporary_person_missing",
    "Falta en person_data y en la persona temporal",
    "Missing from person_data and from the temporary person",
)
INVALID = Rule(
    "temporary_person_invalid",
    "Valor inválido de la persona temporal: {}",
    "Invalid value from the temporary person: {}",
)


class TemporaryPersonIn(Schema):
    facetec_ref_id = fields.String(allow_none=True)
    external_ref_id = fields.String(allow_none=True)
    callback_url = fields.String(allow_none=True)
    name = fields.String(allow_none=True)
    first_lastname = fields.String(allow_none=True)
    second_lastname = fields.String(allow_none=True)
    national_id = fields.String(allow_none=True)
    tax_id = fields.String(allow_none=True)
    birthdate = fields.Date(allow_none=True)
    gender = fields.String(allow_none=True)
    extra_data = fields.Dict(allow_none=True)
    bank_data = fields.Dict(allow_none=True)
    employment_data = fields.Dict(allow_none=True)

    @post_load
    def _digits_as_text(self, data, **_kwargs):
        # The records are kept as POST /bank-data and /employment-data would store them: digits that came
        # as JSON numbers become their text now, not only at promotion.
        for key, record_fields in DIGIT_FIELDS.items():
            record = data.get(key)
            for name, field in record_fields.items():
                if record and record.get(name) is not None:
                    record[name] = field.deserialize(record[name])
        return data


DIGIT_FIELDS = {
    "bank_data": {
        "account": bank_in.fields["account"],
        "clabe": bank_in.fields["clabe"],
        "card_number": bank_in.fields["card_number"],
    },
    "employment_data": {"company_phone": employment_in.fields["company_phone"]},
}


def _bank_view(temporary) -> dict | None:
    """The stored bank data masked as `/bank-data` shows it: the card always, account and CLABE without the
    key's `sensitive` scope."""
    data = temporary.bank_data
    if not data:
        return data
    if data.get("card_number") is not None:
        data = data | {"card_number": mask_card(data["card_number"])}
    return data if granted("sensitive") else masked_view(data)


class TemporaryPersonOut(Schema):
    id = fields.String()
    facetec_ref_id = fields.String(allow_none=True)
    external_ref_id = fields.String(allow_none=True)
    callback_url = fields.String(allow_none=True)
    # The seed shows the key; biometric results belong to people, so a temporary person has none.
    biometrics = fields.Constant(None)
    name = fields.String(allow_none=True)
    first_lastname = fields.String(allow_none=True)
    second_lastname = fields.String(allow_none=True)
    national_id = fields.String(allow_none=True)
    tax_id = fields.String(allow_none=True)
    birthdate = fields.Date(allow_none=True)
    gender = fields.String(allow_none=True)
    extra_data = fields.Dict(allow_none=True)
    bank_data = fields.Function(_bank_view)
    employment_data = fields.Dict(allow_none=True)
    person_id = fields.String(allow_none=True)
    created_at = timestamp()
    updated_at = timestamp()


temporary_in = TemporaryPersonIn()
temporary_out = TemporaryPersonOut()


@cache
def _person_validator() -> Draft4RequestValidator:
    schemas = spec.document()["components"]["schemas"]
    resolved = resolve_refs({"components": {"schemas": schemas}})["components"]["schemas"]
    return Draft4RequestValidator(resolved["PersonCreate"], format_checker=FORMATS)


def _person_errors(person: dict) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    for error in _person_validator().iter_errors(person):
        message = MISSING if error.validator == "required" else INVALID.format(describe(error))
        for field in fields_of(error):
            errors.setdefault(f"person_data.{field}", []).append(message)
    return errors


def _load(part: str, load, data: dict):
    try:
        return load(data)
    except SchemaError as exc:
        messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
        errors = {f"{part}.{k}": v if isinstance(v, list) else [str(v)] for k, v in messages.items()}
        raise ValidationFailed(errors) from None


def load_promotion(request: dict) -> Promotion:
    """The domain's `Promotion` from `domain.temporary_people.promotion_request`; 422 on `<part>.<field>`."""
    errors = _person_errors(request["person_data"])
    if errors:
        raise ValidationFailed(errors)
    person, ignore = _load("person_data", load_person, request["person_data"])
    employment = request["employment_data"] and _load("employment_data", employment_in.load, request["employment_data"])
    bank = request["bank_data"] and _load("bank_data", bank_in.load, request["bank_data"])
    return Promotion(person, ignore, employment or None, bank or None)
