"""Two Schemathesis default checks, each narrowed where it contradicts a documented rule of this API.

Every other default check runs untouched. Each narrowing applies to one exact situation and
re-raises the check's own failure otherwise.

1. `positive_data_acceptance` expects a schema-valid request to succeed (or 404/409). DOMAIN.md
   asks for 422 on rules a JSON Schema cannot state: a CURP's check digit, date and state code
   (only when `ignore_curp_validation` is false), an RFC's date, fields that contradict the CURP,
   catalog ids and groups that do not exist, a national_id already in use, restoring a person who
   is not deleted. Such a 422 passes when EVERY message in its field map is one of those rules;
   a 422 carrying any other message (a rule the spec could state but does not) still fails.
   Also, a request whose path parameters break their schema is not schema-valid data, whatever its
   generation mode says: the stateful phase's inferred links fill `/people-groups/{id}` from a
   person's `people_group_id`, which may be null, and send `/people-groups/None` as a positive
   case (Schemathesis 4.32 dependency inference); the 400 that answers it is right.
2. `missing_required_header` wants 401 when `Authorization` is missing; API-MAP.md keeps the
   seed's 403 `{"success": false, "code": 403, "error": "Failed authorization"}` for every
   credential problem. That exact answer passes; anything else still fails.
"""

import json
import re

from schemathesis.specs.openapi.checks import missing_required_header as _missing_required_header
from schemathesis.specs.openapi.checks import positive_data_acceptance as _positive_data_acceptance

from domain.people import DUPLICATE

# English halves of the domain's bilingual messages ("<español> / <English>") for rules the schema
# cannot express; see domain/identity.py and domain/people.py.
BUSINESS_RULES = (
    re.compile(r" / Invalid CURP: "),  # check digit, date, state code, forbidden word, future date
    re.compile(r" / Invalid RFC: wrong date or forbidden word$"),
    re.compile(r" / Does not match the CURP \("),
    re.compile(r" / Unknown (nationality_id|state_id|marital_status_id|people_group_id): "),
    re.compile(r" / The person is not deleted$"),
    re.compile("^" + re.escape(DUPLICATE) + "$"),
)

AUTH_REFUSAL = {"success": False, "code": 403, "error": "Failed authorization"}


def _json(response):
    try:
        return json.loads(response.content)
    except ValueError:
        return None


def _only_business_rules(response) -> bool:
    body = _json(response)
    if not isinstance(body, dict) or body.get("code") != 422 or not isinstance(body.get("error"), dict):
        return False
    messages = [m for msgs in body["error"].values() for m in (msgs if isinstance(msgs, list) else [msgs])]
    return bool(messages) and all(
        isinstance(m, str) and any(rule.search(m) for rule in BUSINESS_RULES) for m in messages
    )


def _path_is_schema_valid(case) -> bool:
    values = case.path_parameters or {}
    return all(parameter.is_valid(values.get(parameter.name)) for parameter in case.operation.path_parameters)


def positive_data_acceptance(ctx, response, case):
    try:
        return _positive_data_acceptance(ctx, response, case)
    except Exception:
        if response.status_code == 422 and _only_business_rules(response):
            return None
        if response.status_code == 400 and not _path_is_schema_valid(case):
            return None
        raise


def missing_required_header(ctx, response, case):
    try:
        return _missing_required_header(ctx, response, case)
    except Exception:
        data = case.meta.phase.data if case.meta is not None else None
        header = (getattr(data, "parameter", None) or "").lower()
        if header == "authorization" and response.status_code == 403 and _json(response) == AUTH_REFUSAL:
            return None
        raise


EXCLUDED = [_positive_data_acceptance, _missing_required_header]
ADDED = [positive_data_acceptance, missing_required_header]
