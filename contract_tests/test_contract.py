"""Schemathesis contract tests: every operation of the spec, against the app in-process.

- `test_positive` / `test_negative`: one pytest item per operation, with data that fits the spec
  and data that breaks it, through Schemathesis' examples, coverage and fuzzing phases, with every
  default check on (not_a_server_error, status_code_conformance, content_type_conformance,
  response_schema_conformance, response_headers_conformance, positive_data_acceptance,
  negative_data_rejection, missing_required_header, ignored_auth, unsupported_method, ...);
  four of them narrowed to documented rules of this API, and one added, in `personas.conformance`.
  Most positive cases carry the ids of the world's records and values valid by construction
  (`World.prepare`): each operation's positive test must reach a 2xx (conftest's `_case_counter`), so
  every success answer is checked against the spec.
- `test_stateful`: sequences of calls along the spec's links (create a person, then read, update,
  delete, restore it, give it records, ...); its steps carry good values, not the world's ids (each
  scenario starts from an empty database).
- `test_every_operation_is_tested`: every operation of the spec is generated in each phase.

The summary lists the requests per operation and status class, the operations that reached a 2xx, and
the links the stateful test followed to a 2xx.

Run: `pytest contract_tests -q -p no:cacheprovider` (add `-n 2` for two workers). Knobs: conftest.py.
"""

import hypothesis
import schemathesis

from contract_tests.conftest import (
    MIN_SUCCESSFUL,
    SPEC_URL,
    STATEFUL_EXAMPLES,
    STATEFUL_STEPS,
    TRANSITIONS,
    WITHOUT_SUCCESS,
    count,
    make_config,
    spec_only_app,
)
from personas import conformance
from personas import spec as contract

_SPEC_APP = spec_only_app()
positive = schemathesis.openapi.from_asgi(SPEC_URL, _SPEC_APP, config=make_config("positive"))
negative = schemathesis.openapi.from_asgi(SPEC_URL, _SPEC_APP, config=make_config("negative"))
both = schemathesis.openapi.from_asgi(SPEC_URL, _SPEC_APP, config=make_config("all"))


def call_and_validate(case, app) -> None:
    """`case.call_and_validate()`, counting the answer, with the checks of `personas.conformance`."""
    response = case.call(app=app)
    count(case, response)
    case.validate_response(
        response,
        excluded_checks=conformance.excluded_checks(),
        additional_checks=conformance.ADDED,
        transport_kwargs={"app": app},
    )


@positive.parametrize()
def test_positive(case, contract_app, worlds):
    worlds.current().prepare(case)
    call_and_validate(case, contract_app.app)


@negative.parametrize()
def test_negative(case, contract_app):
    call_and_validate(case, contract_app.app)


def test_stateful(contract_app, worlds):
    machine = both.as_state_machine()
    # Its good values only: each scenario starts from an empty database, so the records are gone.
    world = worlds.current()
    # The failures the steps raised, first one first: when Hypothesis cannot replay a failure (the service
    # answered differently the second time), its report names only the replay's divergence.
    failures: list[str] = []

    class Machine(machine):
        def setup(self):
            # Each scenario starts from the same database, or Hypothesis sees its own draws change
            # between runs (FlakyStrategyDefinition) and cannot replay or shrink a failure.
            contract_app.reset_database()
            self.steps = 0

        def get_call_kwargs(self, case):
            return {"app": contract_app.app}

        def step(self, input):
            # Seeded by the step's place in the scenario: its data holds ids the service generated, which
            # differ when Hypothesis replays the scenario.
            self.steps += 1
            world.prepare(input.case, records=False, key=str(self.steps))
            try:
                output = super().step(input)
            except Exception as exc:
                failures.append(f"step {self.steps}, {input.case.operation.label}: {exc}")
                raise
            if input.transition is not None and output.response.status_code < 300:
                TRANSITIONS[input.transition.id] += 1
            return output

        def after_call(self, response, case):
            super().after_call(response, case)  # the recorder, which the stateful checks read
            count(case, response)

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            case.validate_response(
                response,
                excluded_checks=conformance.excluded_checks(),
                additional_checks=conformance.ADDED + list(additional_checks or []),
                transport_kwargs=kwargs,
                recorder=self.recorder,
            )

    settings = hypothesis.settings(
        max_examples=STATEFUL_EXAMPLES,
        stateful_step_count=STATEFUL_STEPS,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    try:
        Machine.run(settings=settings)
    except hypothesis.errors.Flaky as exc:
        if failures:
            exc.add_note(f"The first failure the scenarios met: {failures[0]}")
        raise


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
    # Every other operation's positive test must reach a 2xx (conftest's `_case_counter`).
    assert len(expected) - len(WITHOUT_SUCCESS) >= MIN_SUCCESSFUL
