"""The contract checks this API is held to, for its own contract tests and for `personas conformance`.

- `checks`: Schemathesis' default checks, four of them narrowed to documented rules of this API, and one
  added; they look at status codes and rule codes only, never at message texts.
- `world`: the records the operations work on, made through the API before a run, and `World.prepare`,
  which puts their ids and values valid by construction into the cases, so that operations reach their
  success answers (and have them checked against the spec).
- `runner`: `personas conformance`, a world on a deployment, then Schemathesis' engine with these checks,
  a JUnit XML report and a summary.

The contract tests (contract_tests/) use the same checks and world on the app in-process.
"""

from personas.conformance.checks import (
    ADDED,
    CURRENT_WORLD,
    RULES_EXTENSION,
    excluded_checks,
    named_rules,
    operation_rules,
)
from personas.conformance.runner import Report, run, write_junit
from personas.conformance.world import VALID_EMAILS, VALID_PHONES, World, WorldError, valid_clabes, valid_curps

__all__ = [
    "ADDED",
    "CURRENT_WORLD",
    "RULES_EXTENSION",
    "VALID_EMAILS",
    "VALID_PHONES",
    "Report",
    "World",
    "WorldError",
    "excluded_checks",
    "named_rules",
    "operation_rules",
    "run",
    "valid_clabes",
    "valid_curps",
    "write_junit",
]
