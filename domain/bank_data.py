"""Bank data of a person: the CLABE rules, masking, and the create/update/delete use cases.

A CLABE is 18 digits: bank (1-3), plaza (4-6), account (7-17) and a control digit (18), checked
with the `clabe` package (Banxico's weights and its bank list). Account, CLABE and card numbers are
personal financial data: they are never put in error messages or logs, the card number leaves the
service masked, and the event payload masks all three (the outbox stores it in clear).
"""

from datetime import UTC, datetime

import clabe as clabe_lib

from personas.domain.errors import Rule, Text, ValidationFailed
from personas.domain.records import Kind

NOT_FOUND = Text("No se encontraron los datos bancarios", "Bank data not found")

RESOURCE = "person_bank_data"
SENSITIVE = ("account", "clabe", "card_number")

BAD_FORMAT = Text("La CLABE debe tener 18 dígitos", "A CLABE has 18 digits")
UNKNOWN_BANK = Rule("clabe_unknown_bank", "Banco desconocido", "Unknown bank code in the CLABE")
BAD_CONTROL_DIGIT = Rule("clabe_check_digit", "Dígito de control inválido", "Wrong CLABE control digit")
BAD_ACCOUNT = Text("La cuenta debe tener de 4 a 20 dígitos", "An account number has 4 to 20 digits")
BAD_CARD = Text("La tarjeta debe tener de 12 a 19 dígitos", "A card number has 12 to 19 digits")
MISSING = Text("Campo requerido", "Missing required field")

_FAILURES = {
    "invalid-length": ("Must be 18 digits long", BAD_FORMAT),
    "invalid-characters": ("Must be only numeric digits (no letters)", BAD_FORMAT),
    "invalid-bank": ("Invalid bank code", UNKNOWN_BANK),
    "invalid-checksum": ("Invalid checksum, last digit is wrong", BAD_CONTROL_DIGIT),
}


def _failure(clabe: str) -> str | None:
    if not clabe.isdigit():
        return "invalid-characters" if len(clabe) == 18 else "invalid-length"
    if len(clabe) != 18:
        return "invalid-length"
    if clabe[:3] not in clabe_lib.BANKS:
        return "invalid-bank"
    if clabe[17] != clabe_lib.compute_control_digit(clabe[:17]):
        return "invalid-checksum"
    return None


def describe_clabe(clabe: str) -> dict:
    """What a CLABE says about itself, in the seed's `metadata` shape; `ok` is false when it is invalid.

    The `clabe` package carries no plaza catalog, so `city` is null and `total` (plazas known for
    the code) is 0; `code.city` still gives the plaza digits.
    """
    clabe = str(clabe)
    failure = _failure(clabe)
    form_ok = clabe.isdigit() and len(clabe) == 18
    name = clabe_lib.BANK_NAMES.get(clabe_lib.BANKS.get(clabe[:3], ""))
    return {
        "ok": failure is None,
        "formatOk": form_ok,
        "error": failure,
        "message": "Valid" if failure is None else _FAILURES[failure][0],
        "clabe": clabe,
        "tag": name.upper() if name else None,
        "bank": name,
        "city": None,
        "multiple": False,
        "total": 0,
        "account": clabe[6:17] if form_ok else None,
        "code": {"bank": clabe[:3], "city": clabe[3:6]},
        "checksum": int(clabe[17]) if form_ok else None,
    }


def check_clabe(clabe: str) -> dict:
    """The description of a valid CLABE; an invalid one is a 422 on `clabe` (the number is not echoed)."""
    description = describe_clabe(clabe)
    if not description["ok"]:
        raise ValidationFailed({"clabe": [_FAILURES[description["error"]][1]]})
    return description


def mask_digits(value: str | None, visible: int = 4) -> str | None:
    """Every character but the last `visible` replaced by '*' (short values are masked whole)."""
    if value is None:
        return None
    value = str(value)
    shown = visible if len(value) > visible * 2 else 0
    return "*" * (len(value) - shown) + value[len(value) - shown :]


def mask_card(number: str | None) -> str | None:
    """A card number as the API shows it: only the last four digits."""
    return mask_digits(number)


def masked_view(view: dict) -> dict:
    """The API view with account and CLABE masked to their last four digits, `metadata` included: what a
    key without the `sensitive` scope sees, and what events carry (the outbox keeps payloads in clear)."""
    out = dict(view)
    for field in ("account", "clabe"):
        if field in view:
            out[field] = mask_digits(view.get(field))
    if isinstance(view.get("metadata"), dict):
        out["metadata"] = dict(view["metadata"])
        out["metadata"]["clabe"] = mask_digits(view["metadata"].get("clabe"))
        out["metadata"]["account"] = mask_digits(view["metadata"].get("account"))
    return out


def check(values: dict, required: tuple[str, ...] = ()) -> None:
    # The spec's patterns catch these over HTTP; other callers (promoting a temporary person) do not pass it.
    errors = {field: [MISSING] for field in required if values.get(field) is None}
    values = {k: v for k, v in values.items() if k not in errors}
    account, card = values.get("account"), values.get("card_number")
    if "bank" in values and not str(values["bank"] or "").strip():
        errors["bank"] = [MISSING]
    if "account" in values and not (isinstance(account, str) and account.isdigit() and 4 <= len(account) <= 20):
        errors["account"] = [BAD_ACCOUNT]
    if card is not None and not (isinstance(card, str) and card.isdigit() and 12 <= len(card) <= 19):
        errors["card_number"] = [BAD_CARD]
    if "clabe" in values:
        try:
            check_clabe(values["clabe"] or "")
        except ValidationFailed as exc:
            errors.update(exc.errors)
    if errors:
        raise ValidationFailed(errors)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _prepare(values: dict, record) -> dict:
    """Checked values (a new record needs bank, account and CLABE); a new or changed CLABE was validated now."""
    if record is None:
        check(values, required=("bank", "account", "clabe"))
        return values | {"validated_at": _now()}
    check(values)
    if "clabe" in values and values["clabe"] != record.clabe:
        return values | {"validated_at": _now()}
    return values


# Events carry the view masked: the outbox keeps payloads in clear.
KIND = Kind("bank_data", RESOURCE, NOT_FOUND, _prepare, published=masked_view)
