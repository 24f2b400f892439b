"""Screening people against the watch lists operators load, and the review of what a screening found.

- `load_list`: a list file parsed (personas.domain.watch_lists) and stored in place of the list of that
  name, in one transaction.
- `prepare`/`screen`: what the `blacklist` validation needs from the database (each list's index, built
  once per process and load, and the person's cleared matches), then the screening itself, which runs
  outside any transaction.
- `review`: an analyst's decision (`cleared` or `confirmed`) on the matches of a failed screening result.
  A cleared match of a list entry is not reported for the same person again until the entry changes (its
  digest): the person was found not to be that entry, as the entry then read.
"""

import threading
from dataclasses import dataclass, field

from personas.domain import screening, watch_lists
from personas.domain.errors import Rule, ValidationFailed
from personas.domain.screening import Candidate, Entry, Screener

DECISIONS = ("cleared", "confirmed")
MAX_ENTRY_ID = 64  # what the store keeps of a list's own id of an entry
UNKNOWN_LIST = Rule("unknown_watch_list", "No hay una lista cargada con el nombre {}", "No watch list is loaded as {}")
NOT_REVIEWABLE = Rule(
    "review_not_applicable",
    "Solo se revisa un resultado de `blacklist` que falló por coincidencias en listas",
    "Only a failed `blacklist` result with watch-list matches can be reviewed",
)


def load_list(uow, name: str, format: str, data: bytes, source: str | None = None, aliases: bytes | None = None):
    """Parse `data` in `format` and put it in place of the list `name`; returns the stored list.

    Raises watch_lists.ListFormatError, with nothing stored, when the file cannot be read."""
    if format == "ofac-sdn":
        parsed = watch_lists.parse_ofac_sdn(data, aliases, list_name=name)
    else:
        parsed = watch_lists.FORMATS[format](data, list_name=name)
    long_id = next((entry.entry_id for entry in parsed.entries if len(entry.entry_id) > MAX_ENTRY_ID), None)
    if long_id is not None:
        raise watch_lists.ListFormatError(f"entry id longer than {MAX_ENTRY_ID} characters: {long_id[:80]}")
    rows = [
        {
            "entry_id": entry.entry_id,
            "names": list(entry.names),
            "curp": entry.curp,
            "rfc": entry.rfc,
            "kind": entry.kind,
            "digest": entry.digest,
        }
        for entry in parsed.entries
    ]
    return uow.screening.replace_list(name, format, source, parsed.version, rows)


# A list's index by list id, with the load it was built from: rebuilding one of 20,000 entries costs far
# more than a screening, and a new load changes `load_id`, so a stale index is never used.
_INDEXES: dict[str, tuple[str, Screener]] = {}
_LOCK = threading.Lock()


def _index(uow, stored) -> Screener:
    with _LOCK:
        cached = _INDEXES.get(stored.id)
    if cached is not None and cached[0] == stored.load_id:
        return cached[1]
    entries = [
        Entry(stored.name, row.entry_id, tuple(row.names), row.curp, row.rfc, row.kind, row.digest)
        for row in uow.screening.entries(stored.id)
    ]
    built = Screener(entries)
    with _LOCK:
        _INDEXES[stored.id] = (stored.load_id, built)
    return built


@dataclass
class Screening:
    """What one screening of a person needs, read in a transaction and used after it."""

    indexes: list[tuple[dict, Screener]] = field(default_factory=list)  # (the list as reported, its index)
    min_score: float = screening.DEFAULT_MIN_SCORE
    cleared: dict[tuple[str, str], str] = field(default_factory=dict)  # (list, entry id) -> digest cleared


def list_view(stored) -> dict:
    loaded = stored.loaded_at
    return {
        "name": stored.name,
        "format": stored.format,
        "source": stored.source,
        "version": stored.version,
        "entries": stored.entries,
        "loaded_at": None if loaded is None else loaded.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


def check_config(uow, config: dict) -> dict:
    """A `blacklist` config's `lists` must name loaded lists (422 otherwise)."""
    names = config.get("lists") or []
    loaded = {stored.name for stored in uow.screening.lists(names)}
    missing = [name for name in names if name not in loaded]
    if missing:
        raise ValidationFailed({"config.lists": [UNKNOWN_LIST.format(name) for name in missing]})
    return config


def prepare(uow, config: dict, person_id: str | None) -> Screening | None:
    """The indexes of the lists `config` names and the person's cleared matches; None without lists."""
    names = config.get("lists") or []
    if not names:
        return None
    found = Screening(min_score=float(config.get("min_score", screening.DEFAULT_MIN_SCORE)))
    for stored in uow.screening.lists(names):
        found.indexes.append((list_view(stored), _index(uow, stored)))
    if person_id is not None:
        for review in uow.screening.reviews_of_person(person_id):  # oldest first: the latest decision stands
            key = (review.list_name, review.entry_id)
            if review.decision == "cleared":
                found.cleared[key] = review.entry_digest
            else:
                found.cleared.pop(key, None)
    return found


def screen(subject: dict, found: Screening) -> tuple[list[dict], list[dict]]:
    """The candidates the person matches on the lists, best first, and those left out because a review
    cleared them (same entry, unchanged)."""
    matches: list[Candidate] = []
    for _, index in found.indexes:
        matches += index.screen(
            subject.get("name"),
            subject.get("first_lastname"),
            subject.get("second_lastname"),
            curp=subject.get("national_id"),
            rfc=subject.get("tax_id"),
            min_score=found.min_score,
        )
    matches.sort(key=lambda candidate: -candidate.score)
    reported, cleared = [], []
    for candidate in matches:
        row = {
            "list": candidate.list_name,
            "entry_id": candidate.entry_id,
            "matched_name": candidate.matched_name,
            "score": round(candidate.score, 2),
            "field": candidate.field,
            "entry_digest": candidate.digest,
        }
        if found.cleared.get((candidate.list_name, candidate.entry_id)) == candidate.digest:
            cleared.append(row)
        else:
            reported.append(row)
    return reported, cleared


def review(uow, result, decision: str, reason: str, actor: dict | None) -> list:
    """Record `decision` on every watch-list match of a failed `blacklist` result; returns the reviews."""
    validation = uow.validations.validation(result.validation_id)
    candidates = (result.content or {}).get("candidates") or []
    if validation.klass != "blacklist" or result.status != 1 or not candidates or result.model_type != "person":
        raise ValidationFailed({"id": [NOT_REVIEWABLE]})
    actor = actor or {}
    reviews = [
        uow.screening.new_review(
            validation_result_id=result.id,
            person_id=result.model_id,
            list_name=candidate["list"],
            entry_id=candidate["entry_id"],
            entry_digest=candidate["entry_digest"],
            matched_name=candidate.get("matched_name"),
            score=candidate.get("score"),
            decision=decision,
            reason=reason,
            api_key_id=actor.get("id"),
            api_key_name=actor.get("name"),
        )
        for candidate in candidates
    ]
    uow.flush()
    return reviews


def review_view(review) -> dict:
    return {
        "list": review.list_name,
        "entry_id": review.entry_id,
        "entry_digest": review.entry_digest,
        "matched_name": review.matched_name,
        "score": review.score,
        "decision": review.decision,
        "reason": review.reason,
        "api_key_id": review.api_key_id,
        "api_key_name": review.api_key_name,
        "created_at": review.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
    }
