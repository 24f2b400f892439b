"""A generated Mexican watch list and a labelled set of people to screen against it (no downloads).

`watch_list()` makes 20,000 entries from seeded pools of Mexican given names and surnames drawn with
skewed frequencies (as in the population: many Hernández, few Zamudio), compound given names, surnames with
particles ("de la Cruz"), three ways of writing a name (given names first in title case, "SURNAMES,
GIVEN" upper case, given names first upper case without accents), aliases (a nickname, a spelling variant,
another identity), CURPs and RFCs, and companies.

`labelled_queries(entries)` makes positives, each a variant of one listed individual's name by kind
(`POSITIVE_KINDS`), and negatives (`NEGATIVE_KINDS`): people not on the list, many sharing a given name or
a surname with listed ones. Each says the entry it should find, or None.

Ground truth must be unambiguous: a positive is only built on an entry no other listed name could also
claim (none shares a given name with the query and has all the query's surnames, or only some of them
with the query having all of its), and a negative only when no listed name could claim it that way.

Used by tests/unit/test_screening_quality.py and bench/screening.py (`from tests.screening_data import ...`).
"""

import random
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from personas.domain.screening import Entry, entry_digest

SEED = 20_240_613
LIST_NAME = "uif-generated"


def _words(text: str) -> list[str]:
    """The words of a block of text (pools are written as prose, not as one string per line)."""
    return text.split()


MALE = _words(
    """
José Juan Luis Carlos Jesús Miguel Francisco Antonio Alejandro Jorge Pedro Manuel Ricardo Fernando Roberto
Javier Eduardo Rafael Daniel Sergio Arturo Alberto Raúl Enrique Héctor Óscar Guillermo Ignacio Mario Martín
Salvador Alfredo Gerardo Andrés Ángel Víctor Hugo Rubén Ramón Gustavo Armando Adrián Diego Gabriel Alfonso
Pablo Raymundo Rodolfo Ernesto Julio César Felipe Agustín Marco Emilio Rogelio Abel Joaquín Tomás Santiago
Sebastián Mateo Leonardo Emiliano Iván Israel Isaac Samuel Saúl Benjamín Ismael Moisés Noé Efraín Octavio
Mauricio Rodrigo Gilberto Humberto Leopoldo Gregorio Vicente Lorenzo Esteban Cristian Édgar Omar Uriel Axel
Bruno Damián Fidel Germán Horacio Jaime Julián Marcos Nicolás Norberto Osvaldo Porfirio Reynaldo Valentín
Zacarías Aurelio Bernardo Cuauhtémoc Eleazar Fausto
"""
)
FEMALE = _words(
    """
María Guadalupe Juana Margarita Verónica Elizabeth Leticia Rosa Francisca Patricia Alejandra Gabriela Adriana
Martha Silvia Claudia Laura Ana Sandra Araceli Teresa Yolanda Mónica Lucía Carmen Dolores Josefina Isabel
Angélica Norma Beatriz Alicia Irma Sofía Valentina Ximena Regina Camila Fernanda Daniela Andrea Paola Karla
Diana Brenda Karen Lorena Liliana Mariana Cecilia Concepción Consuelo Mercedes Rosario Esperanza Socorro
Esther Ofelia Aurora Gloria Graciela Susana Rocío Elena Eva Julia Luz Lourdes Raquel Natalia Erika Fabiola
Itzel Xóchitl Citlali Nayeli Yesenia Berenice Marisol Maricela Olga Reyna Virginia Zoila Amparo Blanca
Catalina Estela Inés Jazmín
"""
)
# The first names of compound given names ("María Guadalupe", "José Luis").
COMPOUND_FIRST = {"M": ["José", "Juan", "Luis", "Miguel", "Jesús", "Carlos"], "F": ["María", "Ana", "Rosa", "Juana"]}
SURNAMES = _words(
    """
Hernández García Martínez López González Pérez Rodríguez Sánchez Ramírez Cruz Flores Gómez Morales Vázquez
Reyes Jiménez Torres Díaz Gutiérrez Ruiz Mendoza Aguilar Ortiz Moreno Castillo Romero Álvarez Méndez Chávez
Rivera Juárez Ramos Domínguez Herrera Medina Castro Vargas Guzmán Velázquez Muñoz Rojas Contreras Salazar Luna
Ortega Santiago Guerrero Estrada Bautista Cortés Soto Alvarado Espinoza Lara Ávila Ríos Cervantes Silva
Delgado Vega Márquez Sandoval Fernández León Carrillo Mejía Solís Núñez Rosas Valdez Ibarra Campos Santos
Camacho Navarro Peña Maldonado Rosales Acosta Miranda Trejo Valencia Nava Pacheco Huerta Padilla Molina Ayala
Cabrera Fuentes Robles Meza Suárez Orozco Velasco Figueroa Escobar Zamora Villa Salinas Cárdenas Benítez
Rangel Tapia Galván Vera Marín Franco Zúñiga Montes Calderón Pineda Villanueva Ochoa Lozano Hidalgo Macías
Cisneros Arellano Gallegos Beltrán Montoya Serrano Ponce Duarte Barrera Villarreal Quintero Aguirre Mora Rubio
Bernal Cano Trujillo Zavala Lucas Palacios Quiroz Arias Bravo Sosa Olvera Salas Cuevas Carmona Corona
Caballero Zepeda Solano Durán Sierra Mata Esquivel Ventura Becerra Rocha Escamilla Mercado Cordero Cuéllar
Paredes Tovar Aguilera Chan Ángeles Barajas Barrios Rentería Uribe Osorio Lugo Zárate Galindo Serna Mena
Hurtado Andrade Ornelas Esparza Varela Manzano Ledesma Quiñones Villegas Briones Tello Lira Arroyo Bustamante
Acevedo Ocampo Alonso Gaytán Téllez Loera Sáenz Saldaña Salgado Solórzano Toledo Treviño Ugalde Urbina Valadez
Vallejo Valenzuela Vélez Venegas Verdugo Villalobos Villaseñor Yáñez Zapata Zaragoza Anaya Arteaga Avendaño
Baeza Balderas Bañuelos Bárcenas Blanco Bonilla Brito Burgos Cabello Cadena Calvillo Camarillo Carbajal
Carranza Casas Castañeda Ceballos Cedillo Cepeda Chacón Coronado Cota Covarrubias Dávila Enríquez Escalante
Espino Farías Félix Frías Gallardo Gamboa Garay Godínez Granados Guerra Guevara Haro Iglesias Jaramillo Jasso
Lázaro Leal Limón Linares Llamas Loza Madrigal Magaña Mares Mariscal Medrano Melgar Mireles Montaño Monroy
Moya Munguía Nájera Narváez Nieto Noriega Ocaña Ojeda Olmos Orta Pantoja Parra Pastrana Patiño Pedraza Peralta
Piña Plascencia Portillo Prieto Quezada Rico Rivas Robledo Roldán Ruelas Saavedra Sauceda Segura Sepúlveda
Tamayo Tinoco Tirado Urías Vaca Zamudio
"""
)
# Surnames with particles, drawn now and then: "de la Cruz" and "Cruz" are one surname to a list keeper.
PARTICLE_SURNAMES = """de la Garza|de los Santos|de la Rosa|de la Torre|de la Fuente|del Río|de Jesús|del Ángel
|de Anda|de Luna|de la Peña|del Castillo|de la Vega|del Toro""".replace("\n", "").split("|")
NICKNAMES = {
    "José": ["Pepe", "Chepe"], "Francisco": ["Paco", "Pancho"], "Guadalupe": ["Lupe", "Lupita"],
    "Jesús": ["Chucho", "Chuy"], "Ignacio": ["Nacho"], "Guillermo": ["Memo"], "Eduardo": ["Lalo"],
    "Antonio": ["Toño"], "Enrique": ["Quique"], "Alberto": ["Beto"], "Roberto": ["Beto"], "Dolores": ["Lola"],
    "Consuelo": ["Chelo"], "Mercedes": ["Meche"], "Patricia": ["Paty"], "Leticia": ["Lety"],
    "Gabriela": ["Gaby"], "Rosario": ["Charo"], "Concepción": ["Concha"], "Salvador": ["Chava"],
    "Rafael": ["Rafa"], "Fernando": ["Nando"], "Vicente": ["Chente"], "Gregorio": ["Goyo"],
}  # fmt: skip
COMPANY_KINDS = _words(
    """
Comercializadora Grupo Inmobiliaria Servicios Constructora Transportes Importadora Distribuidora Consultores
Desarrollos Agropecuaria Operadora Logística Farmacéutica Minera Textiles Alimentos Soluciones Exportadora
Corporativo
"""
)
COMPANY_WORDS = _words(
    """
Azteca Norte Pacífico Golfo Bajío Sureste Occidente Maya Olmeca Sierra Valle Altiplano Laguna Costa Huasteca
Mixteca Tarasca Jalisco Sonora Querétaro Anáhuac Tenochtitlan Quetzal Jaguar Águila Nopal Maguey Cenzontle
Colibrí Volcán Horizonte Frontera Centauro Estrella Sol Luna Cumbre Río Puerto
"""
)
LEGAL_FORMS = ["S.A. de C.V.", "S. de R.L. de C.V.", "S.C.", "S.A.P.I. de C.V.", "S.A.", "A.C."]
STATES = _words(
    """
AS BC BS CC CL CM CS CH DF DG GT GR HG JC MC MN MS NT NL OC PL QT QR SP SL SR TC TS TL VZ YN ZS
"""
)
CONSONANTS = "BCDFGHJKLMNPQRSTVWXYZ"
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

POSITIVE_KINDS = (
    "exact", "typo", "missing_second_surname", "surnames_first", "accents", "nickname", "particles",
    "middle_name", "case_punctuation", "alias", "curp", "rfc",
)  # fmt: skip
NEGATIVE_KINDS = (
    "unrelated", "same_given_name", "same_surname", "same_given_and_first_surname", "same_surnames",
    "lone_given_name", "entity",
)  # fmt: skip


@dataclass(frozen=True)
class Person:
    """A listed individual's name as the generator made it (roles known), written or not."""

    given: tuple[str, ...]
    surnames: tuple[str, ...]
    sex: str


@dataclass(frozen=True)
class Listed:
    entry: Entry
    person: Person | None  # None for companies
    identities: tuple[Person, ...]  # the person and any alias that is another full name
    style: str  # how the primary name is written: "title", "comma" or "plain"


@dataclass(frozen=True)
class Query:
    kind: str
    expected: str | None  # the entry_id it should find, None for a negative
    name: str | None
    first_lastname: str | None = None
    second_lastname: str | None = None
    curp: str | None = None
    rfc: str | None = None

    @property
    def positive(self) -> bool:
        return self.expected is not None


def plain(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).upper()


_PARTICLES = {"DE", "DEL", "LA", "LAS", "LOS", "Y"}


def _key_tokens(parts) -> frozenset:
    return frozenset(t for part in parts for t in plain(part).replace("-", " ").split() if t not in _PARTICLES)


def _weights(pool: list[str]) -> list[float]:
    # Pools are written roughly by frequency: a skewed (Zipf-like) draw gives realistic repetition.
    return [1 / (rank + 4) for rank in range(len(pool))]


class _Pools:
    def __init__(self, rng: random.Random):
        self.rng = rng
        self.given = {"M": (MALE, _weights(MALE)), "F": (FEMALE, _weights(FEMALE))}
        self.surnames = (SURNAMES, _weights(SURNAMES))

    def one_given(self, sex: str, avoid=()) -> str:
        pool, weights = self.given[sex]
        while True:
            found = self.rng.choices(pool, weights)[0]
            if found not in avoid:
                return found

    def given_names(self, sex: str) -> tuple[str, ...]:
        if self.rng.random() < 0.4:
            first = self.rng.choice(COMPOUND_FIRST[sex])
            return (first, self.one_given(sex, avoid={first}))
        return (self.one_given(sex),)

    def surname(self, avoid=()) -> str:
        while True:
            found = (
                self.rng.choice(PARTICLE_SURNAMES) if self.rng.random() < 0.04 else self.rng.choices(*self.surnames)[0]
            )
            if _key_tokens([found]).isdisjoint(_key_tokens(avoid)):
                return found

    def person(self, surnames: int | None = None) -> Person:
        sex = self.rng.choice("MF")
        count = surnames or (1 if self.rng.random() < 0.05 else 2)
        first = self.surname()
        chosen = (first,) if count == 1 else (first, self.surname(avoid=[first]))
        return Person(self.given_names(sex), chosen, sex)


def written(person: Person, style: str) -> str:
    given, surnames = " ".join(person.given), " ".join(person.surnames)
    if style == "comma":
        return f"{surnames}, {given}".upper()
    if style == "plain":
        return plain(f"{given} {surnames}")
    return f"{given} {surnames}"


def _curp(rng: random.Random, person: Person) -> str:
    first = plain(person.surnames[0]).split()[-1]
    vowel = next((c for c in first[1:] if c in "AEIOU"), "X")
    second = plain(person.surnames[1]).split()[-1][0] if len(person.surnames) > 1 else "X"
    date = f"{rng.randint(40, 99):02d}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
    tail = "".join(rng.choice(CONSONANTS) for _ in range(3)) + rng.choice(ALNUM) + str(rng.randint(0, 9))
    sex = "H" if person.sex == "M" else "M"
    return f"{first[0]}{vowel}{second}{plain(person.given[0])[0]}{date}{sex}{rng.choice(STATES)}{tail}"


def _company(rng: random.Random) -> tuple[str, ...]:
    words = rng.sample(COMPANY_WORDS, rng.choice((1, 2)))
    return (rng.choice(COMPANY_KINDS), *words, rng.choice(SURNAMES) if rng.random() < 0.3 else "")


def _company_name(rng: random.Random, parts) -> str:
    return " ".join(p for p in parts if p) + " " + rng.choice(LEGAL_FORMS)


def _spelling_variant(rng: random.Random, person: Person) -> str:
    """The name as another registry typed it: no accents, upper case, an S for a final Z."""
    text = plain(written(person, "title"))
    if text.endswith("Z"):
        return text[:-1] + "S"
    return text.replace("Z ", "S ", 1) if "Z " in text else text.replace("S ", "Z ", 1)


@lru_cache(maxsize=4)
def listed(size: int = 20_000, seed: int = SEED) -> tuple[Listed, ...]:
    """The generated list with what the generator knows of each entry."""
    rng = random.Random(seed)
    pools = _Pools(rng)
    found, seen = [], set()
    while len(found) < size:
        entry_id = f"MX{len(found) + 1:06d}"
        if rng.random() < 0.08:
            parts = _company(rng)
            key = _key_tokens(parts)
            if key in seen:
                continue
            seen.add(key)
            names = (_company_name(rng, parts),)
            if rng.random() < 0.2:  # an acronym alias, as companies have
                names += ("".join(plain(p)[0] for p in parts if p) + " " + rng.choice(LEGAL_FORMS),)
            entry = Entry(LIST_NAME, entry_id, names, kind="entity", digest=entry_digest(names, kind="entity"))
            found.append(Listed(entry, None, (), "entity"))
            continue
        person = pools.person()
        key = (_key_tokens(person.given), _key_tokens(person.surnames))
        if key in seen:
            continue
        seen.add(key)
        style = rng.choices(["title", "comma", "plain"], [65, 20, 15])[0]
        names, identities = [written(person, style)], [person]
        if rng.random() < 0.2:
            for _ in range(rng.choice((1, 1, 2))):
                roll = rng.random()
                nickname = NICKNAMES.get(person.given[-1]) or NICKNAMES.get(person.given[0])
                if roll < 0.35 and nickname:
                    names.append(f"{rng.choice(nickname)} {' '.join(person.surnames)}")
                elif roll < 0.65:
                    names.append(_spelling_variant(rng, person))
                else:
                    other = pools.person()
                    other = Person(other.given, other.surnames, person.sex)
                    names.append(written(other, "title"))
                    identities.append(other)
        curp = _curp(rng, person) if rng.random() < 0.3 else None
        rfc = None
        if rng.random() < 0.2:
            rfc = (curp or _curp(rng, person))[:10] + "".join(rng.choice(ALNUM) for _ in range(3))
        names = tuple(dict.fromkeys(names))
        entry = Entry(LIST_NAME, entry_id, names, curp, rfc, "individual", entry_digest(names, curp, rfc))
        found.append(Listed(entry, person, tuple(identities), style))
    return tuple(found)


def watch_list(size: int = 20_000, seed: int = SEED) -> list[Entry]:
    return [item.entry for item in listed(size, seed)]


class _Claims:
    """Which listed names could claim a name made of these given names and surnames."""

    def __init__(self, items):
        self.by_given: dict[str, list[tuple[str, frozenset, frozenset]]] = {}
        for item in items:
            for person in item.identities:
                given, surnames = _key_tokens(person.given), _key_tokens(person.surnames)
                # A listed nickname alias names the same person: its surnames with any given name.
                for token in given:
                    self.by_given.setdefault(token, []).append((item.entry.entry_id, given, surnames))

    def claimants(self, given, surnames) -> set[str]:
        given, surnames = _key_tokens(given), _key_tokens(surnames)
        found = set()
        for token in given:
            for entry_id, _, listed_surnames in self.by_given.get(token, ()):
                if listed_surnames <= surnames or surnames <= listed_surnames:
                    found.add(entry_id)
        return found


def _typo(rng: random.Random, word: str) -> str:
    """One edit away, past the first letter (typists rarely miss the first)."""
    letters = plain(word)
    position = rng.randrange(1, len(letters) - 1)
    edit = rng.choice(("substitute", "delete", "insert", "transpose"))
    if edit == "substitute":
        other = rng.choice([c for c in "ABCDEFGHIJLMNOPRSTUVZ" if c != letters[position]])
        return letters[:position] + other + letters[position + 1 :]
    if edit == "delete":
        return letters[:position] + letters[position + 1 :]
    if edit == "insert":
        return letters[:position] + rng.choice("AEIOURSNL") + letters[position:]
    return letters[:position] + letters[position + 1] + letters[position] + letters[position + 2 :]


_ACCENTED = {"a": "á", "e": "é", "i": "í", "o": "ó", "u": "ú"}


def _accented(rng: random.Random, word: str) -> str:
    """A word with an accent on one of its vowels (writers add them where the register has none)."""
    vowels = [i for i, c in enumerate(word) if c.lower() in _ACCENTED]
    if not vowels:
        return word
    i = rng.choice(vowels)
    accent = _ACCENTED[word[i].lower()]
    return word[:i] + (accent.upper() if word[i].isupper() else accent) + word[i + 1 :]


def _company_keys(items) -> list[frozenset]:
    legal = _key_tokens(LEGAL_FORMS)
    return [_key_tokens(item.entry.names[:1]) - legal for item in items if item.person is None]


def _positive(rng: random.Random, kind: str, item: Listed, pools: _Pools):
    """(query, the given names and surnames it claims) for one kind of variant, or None if the entry
    does not lend itself to it."""
    person, entry = item.person, item.entry
    given, surnames = list(person.given), list(person.surnames)
    second = surnames[1] if len(surnames) > 1 else None

    def structured(g, s, **extra):
        return Query(kind, entry.entry_id, " ".join(g), s[0], s[1] if len(s) > 1 else None, **extra), (g, s)

    if kind == "exact":
        return structured(given, surnames)
    if kind == "typo":
        words = [(i, w) for i, w in enumerate(given + surnames) if len(plain(w)) >= 5 and " " not in w]
        if not words:
            return None
        i, word = rng.choice(words)
        changed = given + surnames
        changed[i] = _typo(rng, word)
        return structured(changed[: len(given)], changed[len(given) :])[0], (given, surnames)
    if kind == "missing_second_surname":
        return structured(given, surnames[:1]) if second else None
    if kind == "surnames_first":
        return Query(kind, entry.entry_id, " ".join(surnames + given).upper()), (given, surnames)
    if kind == "accents":
        if item.style == "plain" or not any(plain(w) != w.upper() for w in given + surnames):
            return structured([_accented(rng, plain(w).title()) for w in given], surnames)[0], (given, surnames)
        return structured([plain(w).title() for w in given], [plain(w).title() for w in surnames])
    if kind == "nickname":
        for name in given:
            if name in NICKNAMES:
                nickname = rng.choice(NICKNAMES[name])
                return structured([nickname], surnames)[0], ([name], surnames)
        return None
    if kind == "particles":
        particled = [s for s in surnames if s in PARTICLE_SURNAMES]
        if particled:
            bare = [s.split()[-1] if s in PARTICLE_SURNAMES else s for s in surnames]
            return structured(given, bare)
        if second and rng.random() < 0.5:
            return Query(kind, entry.entry_id, " ".join(given), f"{surnames[0]} y {second}"), (given, surnames)
        return None
    if kind == "middle_name":
        if len(given) > 1:
            return structured(given[:1], surnames)
        return structured(given + [pools.one_given(person.sex, avoid=set(given))], surnames)
    if kind == "case_punctuation":
        style = rng.choice(("lower", "upper", "hyphen", "dots"))
        if style == "lower":
            return structured([w.lower() for w in given], [w.lower() for w in surnames])
        if style == "upper":
            return structured([w.upper() for w in given], [w.upper() for w in surnames])
        if style == "hyphen":
            return Query(kind, entry.entry_id, "-".join(given), "-".join(surnames)), (given, surnames)
        return structured([f" {w}." for w in given], [f"{w}, " for w in surnames])
    if kind == "alias":
        if len(item.identities) < 2:
            return None
        alias = item.identities[1]
        return structured(list(alias.given), list(alias.surnames))
    if kind in ("curp", "rfc"):
        code = entry.curp if kind == "curp" else entry.rfc
        if not code:
            return None
        other = pools.person()
        query = Query(kind, entry.entry_id, " ".join(other.given), other.surnames[0], None, **{kind: code})
        return query, (list(other.given), list(other.surnames[:1]))
    raise ValueError(kind)


def _negative(rng: random.Random, kind: str, items, pools: _Pools, companies: list[frozenset]):
    """(query, the given names and surnames it claims) of a person who is not listed."""
    if kind == "entity":
        parts = _company(rng)
        # Not a listed company's name with words added or left out: that would be a fair match.
        key = _key_tokens(parts)
        if any(key <= other or other <= key for other in companies):
            return None
        return Query(kind, None, _company_name(rng, parts)), None
    if kind == "lone_given_name":
        given = list(pools.person().given)
        if len(given) == 1:
            given.append(pools.one_given(rng.choice("MF"), avoid=set(given)))
        return Query(kind, None, " ".join(given)), None
    model = rng.choice([i for i in items if i.person is not None]).person
    person = pools.person(surnames=2)
    given, surnames = list(person.given), list(person.surnames)
    if kind == "same_given_name":
        given = list(model.given)
    elif kind == "same_surname":
        surnames[rng.randrange(2)] = rng.choice(model.surnames)
    elif kind == "same_given_and_first_surname":
        given, surnames[0] = list(model.given), model.surnames[0]
    elif kind == "same_surnames":
        if len(model.surnames) < 2:
            return None
        surnames = list(model.surnames)
        given = [pools.one_given(person.sex, avoid=set(model.given))]
    if len(_key_tokens(surnames)) < 2:
        return None
    return Query(kind, None, " ".join(given), surnames[0], surnames[1]), (given, surnames)


@lru_cache(maxsize=4)
def labelled_queries(size: int = 20_000, per_positive_kind: int = 25, per_negative_kind: int = 22, seed: int = SEED):
    """Positives (per_positive_kind of each of POSITIVE_KINDS) and negatives (per_negative_kind of each
    of NEGATIVE_KINDS) for the list `listed(size)`."""
    items = listed(size, seed)
    rng = random.Random(seed + 1)
    pools = _Pools(rng)
    claims = _Claims(items)
    people = [item for item in items if item.person is not None]
    queries = []
    for kind in POSITIVE_KINDS:
        made = 0
        while made < per_positive_kind:
            item = rng.choice(people)
            built = _positive(rng, kind, item, pools)
            if built is None:
                continue
            query, (given, surnames) = built
            # A code's query carries someone else's name: that name must claim nobody.
            expected = set() if kind in ("curp", "rfc") else {item.entry.entry_id}
            if claims.claimants(given, surnames) != expected:
                continue
            queries.append(query)
            made += 1
    companies = _company_keys(items)
    for kind in NEGATIVE_KINDS:
        made = 0
        while made < per_negative_kind:
            built = _negative(rng, kind, items, pools, companies)
            if built is None:
                continue
            query, claimed = built
            if claimed is not None and claims.claimants(*claimed):
                continue
            queries.append(query)
            made += 1
    return tuple(queries)
