"""The contract checks catch a server that breaks a documented rule while answering in the documented shape.

Each mutant is the app with one domain function replaced (for the length of one test): it refuses every
CURP, or every email, with a 422 whose `rules` name a code the operation documents in `x-domain-rules`:
a refusal the per-operation lists alone would let through. The positive cases of the operations that
take the value (carrying the world's known-good CURPs and emails, as `test_positive` sends them) must
fail `positive_data_acceptance`; the same cases against the app as it is must not.
"""

import hypothesis
import pytest
from email_validator import EmailNotValidError
from schemathesis.core.failures import FailureGroup

from contract_tests.test_contract import positive
from personas import conformance
from personas.domain import emails, identity, people
from personas.domain.errors import Text, ValidationFailed

EXAMPLES = 40


def _refuse_every_curp(*_args, **_kwargs):
    raise ValidationFailed({"national_id": [identity.INVALID_CURP.format(Text("formato incorrecto", "wrong format"))]})


def _refuse_every_email(*_args, **_kwargs):
    raise EmailNotValidError("The email address is not valid.")


MUTANTS = {
    "every CURP refused": (
        [(identity, "parse_curp", _refuse_every_curp), (people, "parse_curp", _refuse_every_curp)],
        [("/people", "POST"), ("/people/national-id", "PUT")],
        "invalid_curp",
    ),
    "every email refused": (
        [(emails, "normalise", _refuse_every_email)],
        [("/contact-data", "POST"), ("/contact-data/email/send", "POST")],
        "invalid_email",
    ),
}


def rejections(operation, app, world) -> list[dict]:
    """The positive cases of `operation` (generated, as `test_positive` prepares them) whose answer a
    contract check refused: each refused 422 with the rule codes it named."""
    found = []

    @hypothesis.settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[hypothesis.Phase.generate],  # every case once: no shrinking of what is collected, not raised
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy())
    def send(case):
        world.prepare(case)
        response = case.call(app=app)
        try:
            case.validate_response(
                response,
                excluded_checks=conformance.excluded_checks(),
                additional_checks=conformance.ADDED,
                transport_kwargs={"app": app},
            )
        except FailureGroup as failure:
            named = conformance.named_rules(response)
            found.append({"status": response.status_code, "rules": named, "failure": str(failure)[:300]})

    send()
    return found


@pytest.mark.parametrize("mutant", sorted(MUTANTS))
def test_the_checks_catch_a_server_that_refuses_good_values(mutant, contract_app, worlds, monkeypatch):
    replaced, operations, code = MUTANTS[mutant]
    world = worlds.current()  # made before the mutation: it makes people and contact data itself
    schema_operations = [positive[path][method] for path, method in operations]

    healthy = {op.label: rejections(op, contract_app.app, world) for op in schema_operations}
    assert healthy == {label: [] for label in healthy}, "the app as it is must pass these cases"

    for module, name, replacement in replaced:
        monkeypatch.setattr(module, name, replacement)
    for operation in schema_operations:
        caught = rejections(operation, contract_app.app, world)
        # Refusals in the documented shape, naming only documented codes: what the lists alone accept.
        documented = set(operation.definition.raw.get(conformance.RULES_EXTENSION) or ())
        shaped = [
            r
            for r in caught
            if r["status"] == 422
            and r["rules"]
            and code in {c for codes in r["rules"].values() for c in codes}
            and {c for codes in r["rules"].values() for c in codes} <= documented
        ]
        assert shaped, f"{mutant}: no case of {operation.label} was refused: {caught[:3]}"
