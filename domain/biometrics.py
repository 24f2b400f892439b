"""Biometric results: type codes, the person's `biometrics` summary, and the use cases.

Use cases take a unit of work: its `biometrics` repository, and the view `biometric` that events carry.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from personas.domain.errors import Text
from personas.domain.records import data_updated, get_record, living_person, require_person
from personas.domain.timestamps import iso

NOT_FOUND = Text("No se encontró el resultado biométrico", "Biometric result not found")

RESOURCE = "biometric"
# Position is the stored integer, as in the seed (0 LIVENESS ... 4 FACE_MATCH_ID): append only.
TYPES = ("LIVENESS", "ENROLL", "FACE_3D_MATCH", "FACE_2D_MATCH", "FACE_MATCH_ID")
LIVENESS = TYPES.index("LIVENESS")
MATCH_TYPES = frozenset(TYPES.index(name) for name in ("FACE_3D_MATCH", "FACE_2D_MATCH", "FACE_MATCH_ID"))
MAX_MATCH_LEVEL = 2_147_483_647  # the summary's match_level is a 32-bit integer in the spec


def type_code(name: str) -> int:
    """The stored integer of a type name (the spec admits only the five names)."""
    return TYPES.index(name)


def type_name(code: int) -> str | None:
    return TYPES[code] if 0 <= code < len(TYPES) else None


@dataclass(frozen=True)
class Result:
    """What the summary needs of one biometric result."""

    type: int
    metadata: dict | None
    executed_at: datetime  # execution_date when the client sent one, else when it was stored
    created_at: datetime


def result_of(record) -> Result:
    when = record.execution_date or record.created_at
    return Result(record.type, record.details, when, record.created_at)


def _flag(metadata: dict) -> bool | None:
    """FaceTec's verdict: `success`, unless `wasProcessed` is false (then nothing was judged)."""
    success = metadata.get("success")
    if not isinstance(success, bool):
        return None
    return success and metadata.get("wasProcessed") is not False


def _level(metadata: dict) -> int | None:
    level = metadata.get("matchLevel")
    if isinstance(level, float) and level.is_integer():
        level = int(level)
    if isinstance(level, bool) or not isinstance(level, int) or not 0 <= level <= MAX_MATCH_LEVEL:
        return None
    return level


def summary(results: Iterable[Result]) -> dict | None:
    """The person's `biometrics`: {liveness, match_id, match_level}, or None with no results at all.

    How the FaceTec metadata of the latest results is read (latest = newest `execution_date`,
    falling back to when the result was stored):
    - `liveness`: the latest LIVENESS result's `success`, false when its `wasProcessed` is false;
      null when there is no LIVENESS result or its metadata carries no boolean `success`.
    - `match_id`: the same reading of the latest match result (FACE_3D_MATCH, FACE_2D_MATCH or
      FACE_MATCH_ID): whether the face matched. `match_level`: that result's `matchLevel`
      (FaceTec's 0-10 scale), null when absent or not a non-negative integer.
    ENROLL results store a face map; they judge neither liveness nor a match, so they do not count.
    """
    results = list(results)
    if not results:
        return None

    def latest(types) -> dict | None:
        chosen = [r for r in results if r.type in types]
        if not chosen:
            return None
        newest = max(chosen, key=lambda r: (r.executed_at, r.created_at))
        return newest.metadata if isinstance(newest.metadata, dict) else {}

    liveness, match = latest({LIVENESS}), latest(MATCH_TYPES)
    return {
        "liveness": None if liveness is None else _flag(liveness),
        "match_id": None if match is None else _flag(match),
        "match_level": None if match is None else _level(match),
    }


def execution(result: Result) -> dict:
    """One result read as the summary reads it: what a face match answers for each result it made."""
    metadata = result.metadata if isinstance(result.metadata, dict) else {}
    match = result.type in MATCH_TYPES
    return {
        "liveness": _flag(metadata) if result.type == LIVENESS else None,
        "match_id": _flag(metadata) if match else None,
        "executed_at": iso(result.executed_at),
        "match_level": _level(metadata) if match else None,
    }


def refresh_summary(uow, person_id: str) -> None:
    """Recompute the person's `biometrics` summary from its results as they are now."""
    person = uow.people.get_any(person_id)
    if person is None:
        return
    value = summary(result_of(r) for r in uow.biometrics.for_person(person_id))
    if person.biometrics_summary != value:
        person.biometrics_summary = value
        uow.flush()


def person_results(uow, person_id: str) -> list:
    """A living person's results, newest first (404 for an unknown or deleted person)."""
    living_person(uow, person_id)
    return list(reversed(uow.biometrics.for_person(person_id)))


def get_biometric(uow, biometric_id: str):
    return get_record(uow.biometrics, biometric_id, NOT_FOUND)


def create_biometric(uow, data: dict):
    """Store a result of a living person; recomputes the summary; records `updated_data_to_person`."""
    require_person(uow, data.get("person_id"))
    biometric = uow.biometrics.new(**data)
    uow.flush()
    refresh_summary(uow, biometric.person_id)
    data_updated(uow, RESOURCE, biometric, uow.view("biometric", biometric))
    return biometric


def update_biometric(uow, biometric_id: str, changes: dict):
    """Partial update; a move to another person recomputes the summary of both."""
    biometric = get_biometric(uow, biometric_id)
    # Only what differs is checked and stored: re-sending the same person_id is no move.
    changes = {f: v for f, v in changes.items() if getattr(biometric, f) != v}
    if not changes:
        return biometric  # nothing changed: no event, as history records nothing either
    if "person_id" in changes:
        require_person(uow, changes["person_id"])
    before = biometric.person_id
    for field, value in changes.items():
        setattr(biometric, field, value)
    uow.flush()
    for person_id in dict.fromkeys((before, biometric.person_id)):
        refresh_summary(uow, person_id)
    data_updated(uow, RESOURCE, biometric, uow.view("biometric", biometric))
    return biometric


def delete_biometric(uow, biometric_id: str) -> None:
    """A real delete (history keeps the record); recomputes the summary; records the event."""
    biometric = get_biometric(uow, biometric_id)
    payload = uow.view("biometric", biometric)
    uow.biometrics.delete(biometric)
    uow.flush()
    refresh_summary(uow, biometric.person_id)
    data_updated(uow, RESOURCE, biometric, payload)
