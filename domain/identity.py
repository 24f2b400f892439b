"""Mexican identity numbers (CURP, RFC) and the person fields computed from them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from stdnum import exceptions as stdnum_errors
from stdnum.mx import curp as stdnum_curp
from stdnum.mx import rfc as stdnum_rfc

from personas.domain.catalogs import resolve_state, state_by_code, state_by_id
from personas.domain.errors import Rule, Text, ValidationFailed

Gender = Literal["MALE", "FEMALE"]
_GENDERS: dict[str, Gender] = {"M": "MALE", "F": "FEMALE"}  # stdnum's get_gender answers M/F

INVALID_CURP = Rule("invalid_curp", "CURP inválida: {}", "Invalid CURP: {}")
INVALID_RFC_DATE = Rule(
    "invalid_rfc_date",
    "RFC inválido: fecha incorrecta o palabra no permitida",
    "Invalid RFC: wrong date or forbidden word",
)
CURP_MISMATCH = Rule("curp_mismatch", "No coincide con la CURP ({})", "Does not match the CURP ({})")


@dataclass(frozen=True)
class CurpInfo:
    curp: str
    birthdate: date
    gender: Gender
    state_code: str  # RENAPO code; "NE" for people born abroad


def _curp_error(spanish: str, english: str) -> ValidationFailed:
    return ValidationFailed({"national_id": [INVALID_CURP.format(Text(spanish, english))]})


def _curp_component_problem(number: str) -> ValidationFailed:
    """Which part of a CURP stdnum refused as InvalidComponent (it does not say)."""
    try:
        stdnum_curp.get_birth_date(number)
    except stdnum_errors.ValidationError:
        return _curp_error("la fecha de nacimiento no existe", "the birth date does not exist")
    if number[10] not in "HM":
        return _curp_error("el sexo debe ser H o M", "the sex must be H or M")
    if state_by_code(number[11:13]) is None:
        return _curp_error("clave de entidad desconocida", "unknown state code")
    return _curp_error("palabra no permitida al inicio", "forbidden word at the start")


def parse_curp(value: object, today: date | None = None) -> CurpInfo:
    """Validate a CURP (length, format, date, state code, check digit) and decode what it encodes."""
    if not isinstance(value, str):
        raise _curp_error("debe ser texto", "it must be a string")
    number = stdnum_curp.compact(value)
    if _valid_compact_curp(number):
        # The usual case, checked as stdnum's `validate` checks it (without compacting four more times),
        # and decoded as its `get_birth_date` and `get_gender` decode it.
        century = 1900 if number[16].isdigit() else 2000
        birthdate = date(century + int(number[4:6]), int(number[6:8]), int(number[8:10]))
        gender = "MALE" if number[10] == "H" else "FEMALE"
    else:
        birthdate, gender = _refused_or_decoded(number)
    # The century comes from position 17 (digit: 1900s, letter: 2000s), so a typo can give a future date.
    if birthdate > (today or date.today()):
        raise _curp_error("fecha de nacimiento futura", "birth date in the future")
    return CurpInfo(number, birthdate, gender, number[11:13])


def _refused_or_decoded(number: str) -> tuple[date, Gender]:
    """stdnum's reason to refuse a compact CURP, as the client's error (or its decoding, should it accept it)."""
    try:
        stdnum_curp.validate(number)
    except stdnum_errors.InvalidLength:
        raise _curp_error("debe tener 18 caracteres", "it must have 18 characters") from None
    except stdnum_errors.InvalidFormat:
        raise _curp_error(
            "formato incorrecto (4 letras, 6 dígitos, 6 letras, 1 letra o dígito, 1 dígito)",
            "wrong format (4 letters, 6 digits, 6 letters, 1 letter or digit, 1 digit)",
        ) from None
    except stdnum_errors.InvalidChecksum:
        raise _curp_error("dígito verificador incorrecto", "wrong check digit") from None
    except stdnum_errors.ValidationError:
        raise _curp_component_problem(number) from None
    return stdnum_curp.get_birth_date(number), _GENDERS[stdnum_curp.get_gender(number)]


def _rfc_error(spanish: str, english: str) -> ValidationFailed:
    return ValidationFailed({"tax_id": [Text(f"RFC inválido: {spanish}", f"Invalid RFC: {english}")]})


def check_rfc(value: object) -> str:
    """Validate an RFC (format and date) and return it normalised; 13 characters for persons, 12 for companies."""
    if not isinstance(value, str):
        raise _rfc_error("debe ser texto", "it must be a string")
    number = stdnum_rfc.compact(value)
    # stdnum also accepts a person's 10-character RFC without homoclave; SAT issues none like that,
    # so for KYC it is incomplete.
    if len(number) not in (12, 13):
        raise _rfc_error(
            "debe tener 13 caracteres (persona física) o 12 (persona moral)",
            "it must have 13 characters (person) or 12 (company)",
        )
    try:
        # Check digits are left unchecked, as stdnum does by default: about 1.5% of RFCs in use
        # carry a wrong one (see stdnum.mx.rfc's docstring), and refusing a real RFC is worse for KYC.
        return stdnum_rfc.validate(number)
    except stdnum_errors.InvalidComponent:
        raise ValidationFailed({"tax_id": [INVALID_RFC_DATE]}) from None
    except stdnum_errors.ValidationError:
        raise _rfc_error("formato incorrecto", "wrong format") from None


def rfc_kind(value: object) -> Literal["person", "company"]:
    """'person' for a 13-character RFC (persona física), 'company' for a 12-character one (persona moral)."""
    return "person" if len(check_rfc(value)) == 13 else "company"


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    return None


def _reconcile(result: dict[str, Any], info: CurpInfo) -> dict[str, list[str]]:
    """Fill fields the CURP encodes when absent; name those that contradict it."""
    errors: dict[str, list[str]] = {}
    state = state_by_code(info.state_code)
    assert state is not None  # stdnum accepts only the codes the catalog has (a test holds this)

    if not _present(result.get("birthdate")):
        result["birthdate"] = info.birthdate
    elif _as_date(result["birthdate"]) != info.birthdate:
        born = info.birthdate.isoformat()
        errors["birthdate"] = [CURP_MISMATCH.format(born)]

    if not _present(result.get("gender")):
        result["gender"] = info.gender
    elif str(result["gender"]).strip().upper() != info.gender:
        gender = info.gender
        errors["gender"] = [CURP_MISMATCH.format(gender)]
    else:
        result["gender"] = info.gender

    mismatch = CURP_MISMATCH.format(state.code)
    if not _present(result.get("entity_of_birth")):
        result["entity_of_birth"] = state.code
    elif resolve_state(result["entity_of_birth"]) != state:
        errors["entity_of_birth"] = [mismatch]
    else:
        result["entity_of_birth"] = state.code  # "Ciudad de México" is stored as the CURP's "DF"

    if result.get("state_id") is None:
        result["state_id"] = state.id
    elif state_by_id(result["state_id"]) != state:
        errors["state_id"] = [mismatch]
    return errors


def check_person_identity(
    data: Mapping[str, Any], ignore_curp_validation: bool = False, today: date | None = None
) -> dict[str, Any]:
    """Check national_id and tax_id, derive birthdate, gender, entity_of_birth and state_id from the CURP.

    Pass the fields as they will be stored. On an update that changes national_id, pass only what the
    request sent (not the stored, derived values), so they are derived again from the new CURP.
    """
    result = dict(data)
    errors: dict[str, list[str]] = {}
    if _present(result.get("tax_id")):
        try:
            result["tax_id"] = check_rfc(result["tax_id"])
        except ValidationFailed as exc:
            errors.update(exc.errors)

    national_id = result.get("national_id")
    if not _present(national_id):
        pass
    elif ignore_curp_validation:
        # Case and spacing are not validation: normalising them keeps the uniqueness check honest.
        result["national_id"] = national_id.strip().upper() if isinstance(national_id, str) else national_id
    else:
        try:
            info = parse_curp(national_id, today)
        except ValidationFailed as exc:
            errors.update(exc.errors)
        else:
            result["national_id"] = info.curp
            errors.update(_reconcile(result, info))

    if errors:
        raise ValidationFailed(errors)
    return result


MEXICAN = 144  # the nationalities catalog's id of Mexico (personas.domain.countries)


def curp_nationality(curp: str | None) -> int | None:
    """Mexico's nationality id when the CURP says its holder was born in a Mexican state: born in the
    territory, they are Mexican by birth (Constitution, art. 30). None for one born abroad (state `NE`),
    whose CURP says nothing of nationality, and for a value that is not a CURP."""
    if not isinstance(curp, str):
        return None
    # Every view of a person asks: a stored CURP is already compact, and stdnum's checks of one cost
    # ~20 us (four compactions); the same checks written once cost a tenth (a unit test holds them equal).
    number = curp if _COMPACT_CURP.fullmatch(curp) else stdnum_curp.compact(curp)
    if not _valid_compact_curp(number):
        return None
    return None if number[11:13] == "NE" else MEXICAN


_COMPACT_CURP = re.compile(r"[A-Z]{4}[0-9]{6}[A-Z]{6}[0-9A-Z][0-9]")
_CURP_STATES = frozenset(stdnum_curp._valid_states)
_CURP_FORBIDDEN = frozenset(stdnum_curp._name_blacklist)


def _valid_compact_curp(number: str) -> bool:
    """stdnum's `curp.is_valid` for a compact value (same checks, in its order)."""
    if not _COMPACT_CURP.fullmatch(number) or number[:4] in _CURP_FORBIDDEN:
        return False
    year = int(number[4:6]) + (1900 if number[16].isdigit() else 2000)
    try:
        date(year, int(number[6:8]), int(number[8:10]))
    except ValueError:
        return False
    return number[10] in "HM" and number[11:13] in _CURP_STATES and number[17] == _curp_check_digit(number)


# stdnum's check digit with a table in place of `str.index` on its alphabet (seventeen scans a CURP).
_CURP_VALUES = {c: i for i, c in enumerate(stdnum_curp._alphabet)}
_CURP_WEIGHTS = tuple(range(18, 1, -1))


def _curp_check_digit(number: str) -> str:
    values = _CURP_VALUES
    check = sum([values[c] * w for c, w in zip(number[:17], _CURP_WEIGHTS, strict=True)])
    return str((10 - check % 10) % 10)


def age(birthdate: date | None, today: date) -> int | None:
    """Whole years from birthdate to today; None without a birthdate or for one in the future."""
    born = _as_date(birthdate)
    if born is None or born > today:
        return None
    # Someone born on 29 February turns a year older on 1 March in common years.
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


PERSON_PROFILE_FIELDS: tuple[str, ...] = (
    "national_id",
    "name",
    "first_lastname",
    "second_lastname",
    "birthdate",
    "gender",
    "tax_id",
    "nationality_id",
    "state_id",
    "marital_status_id",
)
"""Person fields that count towards `information_percentage` when not null or blank."""

RELATED_PROFILE_ITEMS: dict[str, str] = {
    "address": "addresses",
    "contact_data": "contact_data",
    "reference": "references",
    "employment_data": "employment_data",
    "bank_data": "bank_data",
}
"""Related records that count towards `information_percentage` when the person has at least one, each with
the repository of the unit of work that holds them (domain.ports.UnitOfWork)."""

PROFILE_ITEMS: tuple[str, ...] = PERSON_PROFILE_FIELDS + tuple(RELATED_PROFILE_ITEMS)
"""The 15 items of `information_percentage`, each worth 1/15: the ten person fields
national_id, name, first_lastname, second_lastname, birthdate, gender, tax_id, nationality_id,
state_id, marital_status_id (present when not null or blank), and whether the person has an
address, contact data, a reference, employment data and bank data. The seed's sample person
(8 of the 10 fields set, tax_id and marital_status_id null) with two of the related items
scores 10/15 = 0.67."""


def information_percentage(person: Mapping[str, Any] | object, has: Mapping[str, bool]) -> float:
    """Share (0 to 1, two decimals) of PROFILE_ITEMS present; `person` may be a mapping or an object."""

    # Mappings from the API and objects from persistence are both accepted (asked once: an ABC's
    # isinstance is slow, and every view of a person, twenty to a page, comes here).
    if isinstance(person, Mapping):
        values = [person.get(name) for name in PERSON_PROFILE_FIELDS]
    else:
        values = [getattr(person, name, None) for name in PERSON_PROFILE_FIELDS]
    present = sum(map(_present, values))
    present += sum(bool(has.get(item)) for item in RELATED_PROFILE_ITEMS)
    return round(present / len(PROFILE_ITEMS), 2)
