"""System catalogs (states, nationalities, marital statuses, person relations) as constant data.

Catalog ids are stored in people and references records and appear in the API, so they are part
of the contract: never reorder or remove an entry; append new ones at the end.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from personas.domain.countries import COUNTRIES


@dataclass(frozen=True)
class State:
    id: int
    code: str  # RENAPO code, the one a CURP carries in positions 12-13
    name: str
    country: str | None


@dataclass(frozen=True)
class Nationality:
    id: int
    code: str  # ISO 3166-1 alpha-3
    name: str  # English demonym
    country: str  # English short name


@dataclass(frozen=True)
class CatalogEntry:
    id: int
    code: str
    name: str


_MEXICO = "México"

# Alphabetical by Spanish name (ids follow), so that Ciudad de México is 7 as in the seed.
_FEDERAL_ENTITIES = (
    ("AS", "Aguascalientes"),
    ("BC", "Baja California"),
    ("BS", "Baja California Sur"),
    ("CC", "Campeche"),
    ("CS", "Chiapas"),
    ("CH", "Chihuahua"),
    ("DF", "Ciudad de México"),
    ("CL", "Coahuila"),
    ("CM", "Colima"),
    ("DG", "Durango"),
    ("GT", "Guanajuato"),
    ("GR", "Guerrero"),
    ("HG", "Hidalgo"),
    ("JC", "Jalisco"),
    ("MC", "México"),
    ("MN", "Michoacán"),
    ("MS", "Morelos"),
    ("NT", "Nayarit"),
    ("NL", "Nuevo León"),
    ("OC", "Oaxaca"),
    ("PL", "Puebla"),
    ("QT", "Querétaro"),
    ("QR", "Quintana Roo"),
    ("SP", "San Luis Potosí"),
    ("SL", "Sinaloa"),
    ("SR", "Sonora"),
    ("TC", "Tabasco"),
    ("TS", "Tamaulipas"),
    ("TL", "Tlaxcala"),
    ("VZ", "Veracruz"),
    ("YN", "Yucatán"),
    ("ZS", "Zacatecas"),
)

STATES: tuple[State, ...] = (
    *(State(i, code, name, _MEXICO) for i, (code, name) in enumerate(_FEDERAL_ENTITIES, start=1)),
    # A CURP of someone born abroad carries NE; there is no single country to name.
    State(33, "NE", "Nacido en el extranjero", None),
)

NATIONALITIES: tuple[Nationality, ...] = tuple(
    Nationality(i, code, demonym, country) for i, (code, country, demonym) in enumerate(COUNTRIES, start=1)
)

MARITAL_STATUSES: tuple[CatalogEntry, ...] = tuple(
    CatalogEntry(i, code, name)
    for i, (code, name) in enumerate(
        (
            ("soltero", "Soltero"),
            ("casado", "Casado"),
            ("divorciado", "Divorciado"),
            ("viudo", "Viudo"),
            ("union_libre", "Unión libre"),
            ("separado", "Separado"),
        ),
        start=1,
    )
)

PERSON_RELATIONS: tuple[CatalogEntry, ...] = tuple(
    CatalogEntry(i, code, name)
    for i, (code, name) in enumerate(
        (
            ("hermano", "Hermano"),
            ("padre", "Padre"),
            ("madre", "Madre"),
            ("hijo", "Hijo"),
            ("conyuge", "Cónyuge"),
            ("amigo", "Amigo"),
            ("tio", "Tío"),
            ("primo", "Primo"),
            ("abuelo", "Abuelo"),
            ("companero_trabajo", "Compañero de trabajo"),
            ("otro", "Otro"),
        ),
        start=1,
    )
)

Entry = TypeVar("Entry", State, Nationality, CatalogEntry)


def by_id(catalog: Iterable[Entry], entry_id: object) -> Entry | None:
    """The entry of `catalog` with that id, or None."""
    if isinstance(catalog, tuple):  # the fixed catalogs: found through an index built once
        return _index(catalog).get(entry_id) if isinstance(entry_id, Hashable) else None
    return next((entry for entry in catalog if entry.id == entry_id), None)


_INDEXES: dict[int, tuple[tuple, dict]] = {}


def _index(catalog: tuple) -> dict:
    # Keyed by identity (hashing a 250-entry tuple costs more than walking it); the tuple is kept beside
    # its index, so its id cannot be reused by another object.
    known = _INDEXES.get(id(catalog))
    if known is None or known[0] is not catalog:
        found: dict = {}
        for entry in catalog:
            found.setdefault(entry.id, entry)  # the first entry of an id, as the walk finds it
        known = _INDEXES[id(catalog)] = (catalog, found)
    return known[1]


def by_code(catalog: Iterable[Entry], code: object) -> Entry | None:
    """The entry of `catalog` with that code (case-insensitive), or None."""
    if not isinstance(code, str):
        return None
    wanted = code.strip().casefold()
    return next((entry for entry in catalog if entry.code.casefold() == wanted), None)


def state_by_id(state_id: object) -> State | None:
    """The state with that catalog id, or None."""
    return by_id(STATES, state_id)


def state_by_code(code: object) -> State | None:
    """The state with that RENAPO code (case-insensitive), or None."""
    return by_code(STATES, code)


def _simplify(text: str) -> str:
    """Lower-case, accents and punctuation removed, spaces collapsed: 'Edo. Méx.' -> 'edo mex'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").casefold()
    plain = plain.replace(".", "")  # "D.F." is DF, not "d f"
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


# Names people and other systems write for a state besides its catalog name.
_STATE_ALIASES: dict[str, str] = {
    "cdmx": "DF",
    "distrito federal": "DF",
    "mexico df": "DF",
    "ciudad de mexico cdmx": "DF",
    "estado de mexico": "MC",
    "edo de mexico": "MC",
    "edo mex": "MC",
    "edomex": "MC",
    "coahuila de zaragoza": "CL",
    "michoacan de ocampo": "MN",
    "veracruz de ignacio de la llave": "VZ",
    "queretaro de arteaga": "QT",
    "queretaro arteaga": "QT",
    "baja california norte": "BC",
    "extranjero": "NE",
    "nacido en el extranjero": "NE",
}

_STATES_BY_TEXT: dict[str, State] = {
    **{_simplify(state.name): state for state in STATES},
    **{alias: state for alias, code in _STATE_ALIASES.items() if (state := state_by_code(code))},
}


def resolve_state(text: object) -> State | None:
    """The state a code or name designates (case- and accent-insensitive, common variants too), or None."""
    if not isinstance(text, str) or not text.strip():
        return None
    key = _simplify(text)
    found = state_by_code(key) or _STATES_BY_TEXT.get(key)
    if found is None and key.startswith("estado de "):
        found = _STATES_BY_TEXT.get(key.removeprefix("estado de "))
    return found
