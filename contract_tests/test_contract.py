"""Schemathesis contract tests: every operation of the spec, against the app in-process.

- `test_positive` / `test_negative`: one pytest item per operation, with data that fits the spec
  and data that breaks it, through Schemathesis' examples, coverage and fuzzing phases, with every
  default check on (not_a_server_error, status_code_conformance, content_type_conformance,
  response_schema_conformance, response_headers_conformance, positive_data_acceptance,
  negative_data_rejection, missing_required_header, ignored_auth, unsupported_method, ...);
  two of them narrowed to documented rules of this API, see checks.py.
- `test_stateful`: sequences of calls along the links Schemathesis infers from the spec
  (create a person, then read, update, delete, restore it, ...).
- `test_every_operation_is_tested`: every operation of the spec is generated in each phase.

Run: `pytest contract_tests -q -p no:cacheprovider` (add `-n 2` for two workers). Knobs: conftest.py.
"""

import hypothesis
import schemathesis

from contract_tests import checks
from contract_tests.conftest import (
    SPEC_URL,
    STATEFUL_EXAMPLES,
    STATEFUL_STEPS,
    count,
    make_config,
    spec_only_app,
)
from personas import spec as contract

_SPEC_APP = spec_only_app()
positive = schemathesis.openapi.from_asgi(SPEC_URL, _SPEC_APP, config=make_config("positive"))
negative = schemathesis.openapi.from_asgi(SPEC_URL, _SPEC_APP, config=make_config("negative"))
both = schemathesis.openapi.from_asgi(SPEC_URL, _SPEC_APP, config=make_config("all"))


def call_and_validate(case, app) -> None:
    """`case.call_and_validate()`, counting the answer and with the two narrowed checks of checks.py."""
    response = case.call(app=app)
    count(case, response)
    case.validate_response(
        response, excluded_checks=checks.EXCLUDED, additional_checks=checks.ADDED, transport_kwargs={"app": app}
    )


@positive.parametrize()
def test_positive(case, contract_app):
    call_and_validate(case, contract_app.app)


@negative.parametrize()
def test_negative(case, contract_app):
    call_and_validate(case, contract_app.app)


def test_stateful(contract_app):
    machine = both.as_state_machine()

    class Machine(machine):
        def setup(self):
            # Each scenario starts from the same database, or Hypothesis sees its own draws change
            # between runs (FlakyStrategyDefinition) and cannot replay or shrink a failure.
            contract_app.reset_database()

        def get_call_kwargs(self, case):
            return {"app": contract_app.app}

        def after_call(self, response, case):
            count(case, response)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                excluded_checks=checks.EXCLUDED,
                additional_checks=checks.ADDED + list(additional_checks or []),
                transport_kwargs=kwargs,
            )

    Machine.run(
        settings=hypothesis.settings(
            max_examples=STATEFUL_EXAMPLES,
            stateful_step_count=STATEFUL_STEPS,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )


def test_every_operation_is_tested():
    spec = contract.document()
    expected = {
        op["operationId"]
        for item in spec["paths"].values()
        for method, op in item.items()
        if method in {"get", "put", "post", "patch", "delete"}
    }
    for schema in (positive, negative, both):
        tested = {result.ok().definition.raw["operationId"] for result in schema.get_all_operations()}
        assert expected, "the spec has no operation"
        assert tested == expected
