"""Validations and their results: configuration, runs on request or on events, and how a run ends.

A run writes a pending result (status 3) in the caller's transaction; once that commits, the job
`personas.jobs.validations.run_validation(result_id)` executes it (domain.validation_checks) and ends it
with `finish_run`, which records `person_pass_validation` / `person_fail_validation` in the same
transaction as the result. Use cases take a unit of work: its `validations` repository, and its `jobs`
to start runs with (whoever builds the unit of work hands them in).
"""

from datetime import UTC, datetime

from personas.domain import screenings
from personas.domain import validation_rules as rules
from personas.domain.errors import NotFound, Rule, Text, ValidationFailed
from personas.domain.records import living_person
from personas.domain.timestamps import iso

PASSED, FAILED, ERROR, PENDING = 0, 1, 2, 3
FINAL = (PASSED, FAILED, ERROR)
JOB = "personas.jobs.validations.run_validation"
# Which classes run by themselves on which event (`auto` validations only).
TRIGGERS = {
    "person_created": ("curp", "rfc", "blacklist"),
    "person_updated": ("curp", "rfc", "blacklist"),
    "address_created": ("external", "document"),  # those whose config targets addresses
    "ine_attached": ("ine", "anti_spoofing"),
    "face_match": ("face_duplicity",),
}
UNKNOWN_VALIDATION = Rule("unknown_validation", "No existe la validación: {}", "Unknown validation: {}")
INACTIVE = Rule("validation_inactive", "La validación no está activa: {}", "The validation is not active: {}")
WRONG_TARGET = Rule("validation_target", "La validación no aplica a {}: {}", "The validation does not apply to {}: {}")
RETRY_REFUSED = Rule(
    "retry_refused",
    "La validación no permite reintentos; use force=true",
    "Validation retry not allowed; use force=true",
)
UNKNOWN_CATALOG = Rule("unknown_reference", "No existe el catálogo: {}", "Unknown custom catalog: {}")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def validation_view(validation) -> dict:
    return {
        "id": validation.id,
        "name": validation.name,
        "class": validation.klass,
        "active": validation.active,
        "config": validation.config,
        "execution_type": validation.execution_type,
        "allow_retry": validation.allow_retry,
        "created_at": iso(validation.created_at),
        "updated_at": iso(validation.updated_at),
    }


def result_view(result) -> dict:
    fields = ("id", "model_type", "model_id", "validation_id", "status", "content", "error", "retries")
    return {f: getattr(result, f) for f in fields} | {
        "metadata": result.outcome_metadata,
        "executed_at": iso(result.executed_at),
        "created_at": iso(result.created_at),
        "updated_at": iso(result.updated_at),
    }


def _checked_config(uow, klass: str, config, urls=None) -> dict:
    """The config checked for its class; `urls` (domain.url_guard.UrlPolicy) also checks where its URL leads."""
    checked = rules.check_config(klass, config)
    if klass == "blacklist" and "catalog_id" in checked and not uow.validations.catalog_exists(checked["catalog_id"]):
        raise ValidationFailed({"config.catalog_id": [UNKNOWN_CATALOG.format(checked["catalog_id"])]})
    if klass == "blacklist":
        screenings.check_config(uow, checked)
    if urls is not None and "url" in checked and (refused := urls.errors(checked["url"])):
        raise ValidationFailed({"config.url": refused})
    return checked


def create_validation(uow, data: dict, urls=None):
    config = _checked_config(uow, data["klass"], data["config"], urls)
    validation = uow.validations.new_validation(**(data | {"config": config}))
    uow.flush()
    return validation


def get_validation(uow, validation_id: str):
    validation = uow.validations.validation(validation_id)
    if validation is None:
        raise NotFound(Text("No se encontró la validación", "Validation not found"))
    return validation


def update_validation(uow, validation_id: str, changes: dict, urls=None):
    """Partial update; a new `config` is checked against the class and replaces the old one whole."""
    validation = get_validation(uow, validation_id)
    if "config" in changes:
        changes = changes | {"config": _checked_config(uow, validation.klass, changes["config"], urls)}
    for field, value in changes.items():
        setattr(validation, field, value)
    uow.flush()
    return validation


def get_result(uow, result_id: str):
    result = uow.validations.result(result_id)
    if result is None:
        raise NotFound(Text("No se encontró el resultado de validación", "Validation result not found"))
    return result


def _jobs(uow):
    """The jobs the unit of work was given: one built without them is wired wrong."""
    if uow.jobs is None:
        raise RuntimeError("this unit of work was built without jobs: validation runs cannot start")
    return uow.jobs


def _schedule(uow, result) -> None:
    jobs = _jobs(uow)
    uow.validations.after_commit(lambda: jobs.enqueue(JOB, result.id))


def _start(uow, validation, model_type: str, model_id: str):
    result = uow.validations.new_result(
        model_type=model_type, model_id=model_id, validation_id=validation.id, status=PENDING, retries=0
    )
    uow.flush()
    _schedule(uow, result)
    return result


def _chosen(uow, ids, target: str) -> list:
    """The listed validations (each must exist, be active and apply to `target`), or every active one."""
    if not ids:
        return [v for v in uow.validations.active() if rules.target_of(v.klass, v.config) == target]
    found = {v.id: v for v in uow.validations.by_ids(ids)}
    problems = []
    for validation_id in dict.fromkeys(ids):
        validation = found.get(validation_id)
        if validation is None:
            problems.append(UNKNOWN_VALIDATION.format(validation_id))
        elif not validation.active:
            problems.append(INACTIVE.format(validation_id))
        elif rules.target_of(validation.klass, validation.config) != target:
            problems.append(WRONG_TARGET.format(target, validation_id))
    if problems:
        raise ValidationFailed({"validations": problems})
    return [found[i] for i in dict.fromkeys(ids)]


def run_for_person(uow, person_id: str, ids=None) -> list:
    """Pending results of the person's active validations (or the listed ones); they run after commit."""
    person = living_person(uow, person_id)
    return [_start(uow, v, "person", person.id) for v in _chosen(uow, ids, "person")]


def run_for_addresses(uow, person_id: str, ids=None) -> list:
    """Pending results of the address validations on each of the person's addresses."""
    person = living_person(uow, person_id)
    chosen = _chosen(uow, ids, "address")
    return [_start(uow, v, "address", a.id) for a in uow.validations.addresses_of(person.id) for v in chosen]


def latest_for_person(uow, person_id: str) -> list:
    """The newest result of each validation on the person and on its addresses."""
    person = living_person(uow, person_id)
    ids = [person.id] + [a.id for a in uow.validations.addresses_of(person.id)]
    return uow.validations.latest_results(ids)


def rerun(uow, result_id: str, force: bool = False):
    """Run a result's validation again on its record: refused (422) for a final result whose validation
    does not allow retries, unless forced; the result goes back to pending with one more retry."""
    result = get_result(uow, result_id)
    validation = get_validation(uow, result.validation_id)
    if not validation.active:
        raise ValidationFailed({"id": [INACTIVE.format(validation.id)]})
    if not force and not validation.allow_retry and result.status in FINAL:
        raise ValidationFailed({"force": [RETRY_REFUSED]})
    result.status, result.retries = PENDING, result.retries + 1
    uow.flush()
    _schedule(uow, result)
    return result


def start_auto_validations(uow, person_id: str, trigger: str, record_id: str | None = None) -> list:
    """Start the active `auto` validations that `trigger` concerns (see TRIGGERS) on the person, or on
    the address `record_id` for "address_created". Called by the use case that caused the event."""
    classes = TRIGGERS[trigger]
    _jobs(uow)  # fails at once, not only on the day an automatic validation is first made active
    target = "address" if trigger == "address_created" else "person"
    found = uow.validations.active(classes=classes, execution_type="auto")
    chosen = [v for v in found if rules.target_of(v.klass, v.config) == target]
    return [_start(uow, v, target, record_id if target == "address" else person_id) for v in chosen]


def finish_run(uow, result_id: str, retries: int, outcome) -> None:
    """Store a run's outcome unless the result has since been run again; fire pass/fail events."""
    result = uow.validations.result(result_id)
    if result is None or result.status != PENDING or result.retries != retries:
        return  # already finished by another delivery of the same job, or superseded by a re-run
    result.status, result.content, result.outcome_metadata, result.error = outcome
    result.executed_at = _now()
    uow.flush()
    if result.status in (PASSED, FAILED):
        name = "person_pass_validation" if result.status == PASSED else "person_fail_validation"
        validation = uow.validations.validation(result.validation_id)
        payload = result_view(result) | {"validation": validation_view(validation)}
        uow.events.record(name, result.model_type, result.model_id, payload)
