"""Approximate name screening against watch lists (OFAC, UN, the UIF's blocked persons, ...).

`Screener(entries)` indexes the lists once; `screen(...)` answers, for one person, the listed entries
whose name or alias is close enough, best first, at most one candidate per entry. An exact CURP or RFC
match is always a candidate with score 100, whatever the names say.

How a person's name is compared with a listed individual's:

- Both are normalised (`normalize`): upper case, no accents, no punctuation, and without the particles of
  compound surnames ("DE LA CRUZ" and "CRUZ" are one surname to a list keeper).
- Nicknames and abbreviations are extra forms of a name, on both sides ("PEPE" is also "JOSE", "MA." is
  "MARIA"); a form reached through a nickname scores `NICKNAME_FACTOR` of what the same form would.
- Tokens are aligned one to one whatever their order (lists write "PEREZ LOPEZ, JUAN", people are
  registered "JUAN PEREZ LOPEZ"), each pair by Jaro-Winkler similarity (`token_similarity`, which also
  holds Spanish spellings of one sound alike, "PEREZ"/"PERES", and keeps apart two different known names,
  "MARIO"/"MARIA", "GARCIA"/"GARZA", and a name from the surname made of it, "MARTIN"/"MARTINEZ"), and

      score = 100 * (sum of the aligned pairs' similarities) / (n_short + OMISSION_WEIGHT * (n_long - n_short))

  where n_short and n_long are the two names' token counts: a token one name has and the other lacks (a
  second surname or a middle name left out) costs `OMISSION_WEIGHT` of a token, a token both have but
  spell differently (a different second surname) costs a whole one.
- Roles, when known, must agree: the query's `name` holds given names and its two last names surnames, a
  listed "SURNAMES, GIVEN NAMES" says which is which. A name match needs at least two aligned tokens, one
  of them a surname and one a given name (when roles are unknown, a known given name stands for one, any
  other token for a surname): so that a lone or common given name ("MARIA GUADALUPE") or surnames alone
  ("PEREZ LOPEZ") do not match everyone who has them. A one-token name matches nothing by name.
- Entities are compared as whole strings (`fuzz.token_sort_ratio`), legal forms ("S.A. DE C.V.") left
  out, and the words left once trade words ("COMERCIALIZADORA", "GRUPO") are dropped must agree as well.

`DEFAULT_MIN_SCORE` = 85, measured with tests/unit/test_screening_quality.py: the labelled set of
tests/screening_data.py (300 positives, 25 of each of 12 kinds of variants; 154 negatives) against its
20,000 generated Mexican entries. At 85: precision 1.000, recall 1.000 (other seeds of the generator:
precision 0.987-0.997, recall 1.000). At 80 precision falls to 0.990 (0.968-0.984 on other seeds), at 75
to 0.926; at 90 recall falls to 0.880: a nickname with a compound name's first name left out ("LUPE" for
"MARIA GUADALUPE") scores 86.4, a left-out second surname 87-91.

Speed: the index is a vocabulary of distinct tokens with, for each, the names (rows) that hold it. A
query's tokens are looked up in the vocabulary with `rapidfuzz.process.extract` (one call per token and
token length over all distinct tokens of the lengths it can be close to, remembered for the next people),
the rows that share tokens are counted, and only rows whose counts could still reach the minimum score
(the formula above with every shared token a perfect match) are scored token by token. Screening one
person against 20,000 Mexican entries with aliases takes under a millisecond (bench/screening.py); the
look-ups grow with the vocabulary: about 40 ms for a new name against 100,000 distinct tokens.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler

DEFAULT_MIN_SCORE: float = 85.0

# Two tokens below this Jaro-Winkler similarity are different words: it keeps one typo in a word of
# five letters or more ("HERNNDEZ", "PERSZ") and refuses "ORTIZ" for "ORTEGA".
TOKEN_MIN = 0.85
# Jaro-Winkler rewards a shared beginning whatever follows ("VILLANUEVA"/"VILLASENOR" 0.88): tokens must
# also be within about one edit in four letters (OSA, which counts a transposition as one edit).
EDIT_MIN = 0.7
# A token one name has and the other lacks counts this fraction of a token against the score (see above).
OMISSION_WEIGHT = 0.3
# A form reached through a nickname ("PEPE" -> "JOSE") is a little less certain than the name as written.
NICKNAME_FACTOR = 0.95
# Two different names that both are known names ("MARIO"/"MARIA", "GARCIA"/"GARZA") are different people's
# names, not a typo of each other, however close their letters: they are never aligned.
# A token and the same token with a suffix ("MARTIN"/"MARTINEZ", "RODRIGO"/"RODRIGUEZ": a given name and
# the surname made from it) are not aligned either, although Jaro-Winkler rewards the shared prefix.
PATRONYMIC_SUFFIX_MIN = 2
# Query tokens whose close vocabulary tokens are remembered (a few hundred bytes each).
SIMILAR_CACHE = 65_536
# Each query form is compared with at most this many forms of one name (nicknames multiply them).
MAX_FORMS = 8

# The particles of compound Spanish surnames (and the few of other languages' lists) carry no identity:
# "DE LA GARZA" is filed and typed as "GARZA" as often as not; "Y"/"E" join two surnames.
PARTICLES = frozenset({"DE", "DEL", "LA", "LAS", "LOS", "Y", "E", "DA", "DAS", "DO", "DOS", "DI", "VAN", "VON", "DER"})

# Legal forms say nothing about which company it is: "GRUPO X SA DE CV" is "GRUPO X S.A.P.I. DE C.V.".
LEGAL_FORMS = frozenset(
    {
        "SA", "CV", "SAB", "SAPI", "SC", "SRL", "RL", "SPR", "AC", "IAP", "ABP", "SOFOM", "ENR", "ER", "SOCIEDAD",
        "ANONIMA", "CIVIL", "CAPITAL", "VARIABLE", "RESPONSABILIDAD", "LIMITADA", "BURSATIL", "PROMOTORA",
        "INVERSION", "LTD", "LLC", "INC", "CORP", "CO", "LIMITED", "GMBH", "SARL", "SAS", "BV", "NV", "PLC", "AG",
    }
)  # fmt: skip

# Words of a company's name that say its trade, not which company it is: "LOGISTICA AGUILA" and "LOGISTICA
# LAGUNA" share most letters and are two companies. Compared alone, the other words must agree too.
BUSINESS_WORDS = frozenset(
    {
        "GRUPO", "COMERCIALIZADORA", "COMERCIAL", "SERVICIOS", "INMOBILIARIA", "CONSTRUCTORA", "TRANSPORTES",
        "IMPORTADORA", "EXPORTADORA", "DISTRIBUIDORA", "CONSULTORES", "CONSULTORIA", "DESARROLLOS", "DESARROLLADORA",
        "AGROPECUARIA", "OPERADORA", "LOGISTICA", "FARMACEUTICA", "MINERA", "TEXTILES", "ALIMENTOS", "SOLUCIONES",
        "CORPORATIVO", "CORPORACION", "COMPANIA", "INDUSTRIAS", "INDUSTRIAL", "INTERNACIONAL", "HOLDING",
        "HOLDINGS", "INVERSIONES", "FINANCIERA", "CASA", "CAMBIO", "ASOCIADOS", "EMPRESA", "EMPRESAS",
        "TRADING", "GROUP", "INTERNATIONAL", "COMPANY", "SERVICES", "ENTERPRISES", "INVESTMENTS", "FOUNDATION",
    }
)  # fmt: skip

# Nicknames used in Mexico: each is also read as the name(s) it stands for. "BETO" may be several names.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "PEPE": ("JOSE",), "PEPA": ("JOSEFA",), "CHEPE": ("JOSE",), "CHEMA": ("JOSE MARIA",),
    "PACO": ("FRANCISCO",), "PANCHO": ("FRANCISCO",), "PANCHA": ("FRANCISCA",), "PAQUITA": ("FRANCISCA",),
    "LUPE": ("GUADALUPE",), "LUPITA": ("GUADALUPE",), "CHUCHO": ("JESUS",), "CHUY": ("JESUS",),
    "NACHO": ("IGNACIO",), "MEMO": ("GUILLERMO",), "LALO": ("EDUARDO",), "TONO": ("ANTONIO",),
    "TONA": ("ANTONIA",), "QUIQUE": ("ENRIQUE",), "KIKE": ("ENRIQUE",), "BETO": ("ALBERTO", "ROBERTO", "HUMBERTO"),
    "LOLA": ("DOLORES",), "CHELO": ("CONSUELO",), "MECHE": ("MERCEDES",), "PATY": ("PATRICIA",),
    "PATI": ("PATRICIA",), "LETY": ("LETICIA",), "LETI": ("LETICIA",), "GABY": ("GABRIELA",), "GABI": ("GABRIELA",),
    "CHARO": ("ROSARIO",), "CHAYO": ("ROSARIO",), "CONCHA": ("CONCEPCION",), "CONCHITA": ("CONCEPCION",),
    "CHAVA": ("SALVADOR",), "CHAVO": ("SALVADOR",), "RAFA": ("RAFAEL",), "NANDO": ("FERNANDO",),
    "CHENTE": ("VICENTE",), "GOYO": ("GREGORIO",), "LUCHO": ("LUIS",), "CHALO": ("GONZALO",),
    "TACHO": ("ANASTASIO",), "POLO": ("LEOPOLDO", "HIPOLITO"), "MANOLO": ("MANUEL",), "NICO": ("NICOLAS",),
    "TERE": ("TERESA",), "MAYTE": ("MARIA TERESA",), "MARILU": ("MARIA LUISA",), "MALENA": ("MARIA ELENA",),
    "CHABELA": ("ISABEL",), "CHABE": ("ISABEL",), "PILI": ("PILAR",), "VICKY": ("VICTORIA",), "SUSY": ("SUSANA",),
    "ALEX": ("ALEJANDRO",), "TENCHA": ("HORTENSIA",), "CUCA": ("REFUGIO",), "JUANCHO": ("JUAN",),
    "LENCHO": ("LORENZO",), "CHOLE": ("SOLEDAD",), "NENA": ("MAGDALENA",), "MAGO": ("MARGARITA",),
}  # fmt: skip
# Abbreviations are the same name written short: no nickname discount.
ABBREVIATIONS: dict[str, tuple[str, ...]] = {
    "MA": ("MARIA",), "MARI": ("MARIA",), "FCO": ("FRANCISCO",), "GPE": ("GUADALUPE",), "JOS": ("JOSE",),
    "GMO": ("GUILLERMO",), "ANT": ("ANTONIO",), "FDO": ("FERNANDO",), "MGL": ("MIGUEL",),
}  # fmt: skip

# Common given names in Mexico (and of the lists' other countries). They tell given names from surnames
# when a name says nothing of its roles, and two different known names are never aligned.
_GIVEN = """
AARON ABEL ABIGAIL ABRAHAM ADAN ADELA ADOLFO ADRIAN ADRIANA AGUSTIN ALAN ALBA ALBERTO ALEJANDRA ALEJANDRO
ALFONSO ALFREDO ALICIA ALMA ALONSO ALVARO AMALIA AMPARO ANA ANAHI ANASTASIO ANDREA ANDRES ANGEL ANGELA
ANGELICA ANGELES ANTONIA ANTONIO ARACELI ARMANDO ARTURO AURORA BEATRIZ BENITO BENJAMIN BERENICE BERNARDO
BERTHA BLANCA BRENDA BRUNO CAMILA CARLA CARLOS CARMEN CAROLINA CATALINA CECILIA CELIA CESAR CLARA CLAUDIA
CONCEPCION CONSUELO CRISTIAN CRISTINA CRISTOBAL DAMIAN DANIEL DANIELA DAVID DIANA DIEGO DOLORES DOMINGO
EDGAR EDUARDO ELENA ELIAS ELISA ELIZABETH ELSA ELVIA EMILIANO EMILIO EMMANUEL ENRIQUE ERIC ERIKA ERNESTO
ESPERANZA ESTEBAN ESTELA ESTHER EUGENIA EVA FABIOLA FATIMA FEDERICO FELIPE FELIX FERNANDA FERNANDO FIDEL
FLOR FRANCISCA FRANCISCO GABRIEL GABRIELA GERARDO GILBERTO GLORIA GONZALO GREGORIO GUADALUPE GUILLERMO
GUSTAVO HECTOR HILDA HIPOLITO HORTENSIA HUGO HUMBERTO IGNACIO IRMA ISAAC ISABEL ISMAEL IVAN JACQUELINE
JAIME JAVIER JESUS JOAQUIN JORGE JOSE JOSEFA JOSEFINA JUAN JUANA JULIA JULIAN JULIO KAREN LAURA LEONARDO
LEOPOLDO LETICIA LILIA LILIANA LORENA LORENZO LOURDES LUCIA LUIS LUISA LUZ MAGDALENA MANUEL MANUELA
MARCELA MARCELO MARCO MARCOS MARGARITA MARIA MARIANA MARIO MARISOL MARTA MARTHA MARTIN MAURICIO MAXIMO
MERCEDES MIGUEL MIRIAM MOISES MONICA NANCY NATALIA NICOLAS NOE NOEMI NORMA OCTAVIO OFELIA OLGA OMAR OSCAR
PABLO PAOLA PATRICIA PAULA PEDRO PILAR RAFAEL RAMIRO RAMON RAQUEL RAUL REBECA REFUGIO REYNA RICARDO
ROBERTO RODOLFO RODRIGO ROGELIO ROSA ROSALIA ROSARIO RUBEN RUTH SALVADOR SAMUEL SANDRA SANTIAGO SARA
SAUL SERGIO SILVIA SOCORRO SOFIA SOLEDAD SONIA SUSANA TERESA TOMAS URIEL VALENTINA VALERIA VERONICA
VICENTE VICTOR VICTORIA VIRGINIA XIMENA YOLANDA ZOILA REGINA ITZEL XOCHITL CITLALI NAYELI YESENIA MARICELA
GRACIELA ROCIO INES JAZMIN MARIBEL MIREYA PERLA KARINA TANIA VANESSA VIVIANA YADIRA JESSICA JUDITH GRISELDA
ROSALBA ELVIRA ANTONIETA GUILLERMINA EMMA ELOISA ISELA AMELIA ROSAURA IMELDA ALBA EDITH JANET XIADANI
SEBASTIAN MATEO ISRAEL EFRAIN AXEL GERMAN HORACIO NORBERTO OSVALDO PORFIRIO REYNALDO VALENTIN ZACARIAS
AURELIO CUAUHTEMOC ELEAZAR FAUSTO RAYMUNDO BRAYAN KEVIN JONATHAN ULISES ALDO ISAIAS JOEL JONAS LAZARO
MARCIAL NESTOR ROMAN SIMON TEODORO ADALBERTO ELISEO EZEQUIEL FROYLAN HERIBERTO JACINTO CIRILO ANSELMO
MOHAMMED MOHAMMAD MUHAMMAD MOHAMED AHMED AHMAD ALI ABDUL ABDULLAH OMAR HASSAN HUSSEIN IBRAHIM YUSUF JOHN
"""
# Common surnames in Mexico: two different ones are never aligned ("GARCIA"/"GARZA" are two families).
_SURNAMES = """
ACOSTA AGUILAR AGUILERA AGUIRRE ALARCON ALVARADO ALVAREZ AVILA AYALA BAUTISTA BARRERA BECERRA BENITEZ
BRAVO CABRERA CALDERON CAMACHO CAMPOS CANO CARDENAS CARRILLO CASTANEDA CASTILLO CASTRO CERVANTES CHAVEZ
CISNEROS CONTRERAS CORONA CORTES CRUZ DELGADO DIAZ DOMINGUEZ DURAN ESCOBAR ESPINOSA ESPINOZA ESTRADA
FERNANDEZ FIGUEROA FLORES FUENTES GALLEGOS GALVAN GARCIA GARZA GOMEZ GONZALEZ GUERRERO GUTIERREZ GUZMAN
HERNANDEZ HERRERA HUERTA IBARRA JIMENEZ JUAREZ LARA LEON LOPEZ LOZANO LUNA MACIAS MALDONADO MARQUEZ
MARTINEZ MEDINA MEJIA MENDEZ MENDOZA MEZA MIRANDA MOLINA MONTES MORA MORALES MORENO MUNOZ NAVARRO NAVA
NUNEZ OCHOA OROZCO ORTEGA ORTIZ PACHECO PADILLA PENA PEREZ PINEDA RAMIREZ RAMOS RANGEL REYES RIOS RIVERA
ROBLES RODRIGUEZ ROJAS ROMERO ROSALES ROSAS RUIZ SALAS SALAZAR SALINAS SANCHEZ SANDOVAL SANTIAGO SANTOS
SERRANO SILVA SOLIS SOSA SOTO SUAREZ TAPIA TORRES TREJO VALDEZ VALENCIA VARGAS VAZQUEZ VEGA VELAZQUEZ
VELASCO VILLA VILLANUEVA VILLARREAL ZAMORA ZUNIGA MARIN VILLEGAS FUENTE VERA FRANCO HIDALGO ARELLANO
BELTRAN MONTOYA PONCE DUARTE QUINTERO RUBIO BERNAL TRUJILLO ZAVALA PALACIOS QUIROZ ARIAS OLVERA CUEVAS
CARMONA CABALLERO ZEPEDA SOLANO SIERRA MATA ESQUIVEL VENTURA ROCHA ESCAMILLA MERCADO CORDERO CUELLAR
PAREDES TOVAR CHAN ANGELES BARAJAS BARRIOS RENTERIA URIBE OSORIO LUGO ZARATE GALINDO SERNA MENA HURTADO
ANDRADE ORNELAS ESPARZA VARELA MANZANO LEDESMA QUINONES BRIONES TELLO LIRA ARROYO BUSTAMANTE ACEVEDO
OCAMPO ALONSO GAYTAN TELLEZ SAENZ SALDANA SALGADO TOLEDO TREVINO VALADEZ VALENZUELA VELEZ ZAPATA ANAYA
ARTEAGA BLANCO BONILLA BURGOS CARBAJAL CARRANZA CASTANEDA CEBALLOS CHACON CORONADO DAVILA ENRIQUEZ
ESCALANTE FARIAS GALLARDO GAMBOA GUERRA GUEVARA JARAMILLO LEAL LIMON MAGANA MEDRANO NIETO OJEDA PARRA
PERALTA PORTILLO PRIETO QUEZADA RIVAS SEGURA TAMAYO RIO TORRE TORO VALLE ANDA
"""
GIVEN_NAMES = frozenset(_GIVEN.split()) | frozenset(
    token for forms in (*NICKNAMES.values(), *ABBREVIATIONS.values()) for form in forms for token in form.split()
)
SURNAMES = frozenset(_SURNAMES.split())
KNOWN_NAMES = GIVEN_NAMES | SURNAMES

GIVEN, SURNAME = "G", "S"
EITHER = "GS"  # a token's kind when it is a known given name and a known surname ("SANTIAGO")
ENTITY = "entity"

_SEPARATORS = re.compile(r"[\W_]+")
_APOSTROPHES = re.compile(r"['`´’‘]")  # "O'BRIEN" is "OBRIEN", not "O BRIEN"
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Entry:
    """One entry of a watch list, as the list wrote it."""

    list_name: str
    entry_id: str
    names: tuple[str, ...]  # primary name first, then aliases
    curp: str | None = None
    rfc: str | None = None
    kind: str = "individual"  # or "entity"
    digest: str = ""  # entry_digest(names, curp, rfc, kind)


@dataclass(frozen=True)
class Candidate:
    """A listed entry that may be the person screened."""

    list_name: str
    entry_id: str
    matched_name: str  # the entry's name or alias that matched, as the list wrote it
    score: float  # 0-100; 100 for an exact CURP or RFC
    field: str  # "name", "curp" or "rfc"
    digest: str


def normalize(text: str | None) -> str:
    """Upper case, accents and punctuation removed, single spaces, without the particles of surnames."""
    return " ".join(_tokens(text))


def _tokens(text: str | None) -> list[str]:
    if not text:
        return []
    # NFKD splits "Ñ" into "N" + a combining tilde; dropping combining marks keeps letters of any script.
    plain = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    plain = _APOSTROPHES.sub("", plain).upper()
    return [token for token in _SEPARATORS.split(plain) if token and token not in PARTICLES]


def _code(value: str | None) -> str:
    """A CURP or RFC as compared: upper case, without spaces or hyphens."""
    return re.sub(r"[\s-]+", "", value or "").upper()


def entry_digest(names, curp=None, rfc=None, kind="individual") -> str:
    """sha256 of an entry's content, stable across case, spacing and Unicode composition: a list loaded
    again gives the same digest to every entry it did not change."""
    content = {
        "names": [_SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip().upper() for name in names],
        "curp": _code(curp),
        "rfc": _code(rfc),
        "kind": (kind or "individual").strip().lower(),
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def _phonetic(token: str) -> str:
    """A Spanish sound key: "PEREZ"/"PERES", "GONZALEZ"/"GONSALES", "BALDEZ"/"VALDES" sound the same and
    are written either way in registries."""
    key = token.replace("CH", "%").replace("LL", "Y").replace("QU", "K").replace("H", "")
    key = re.sub(r"C([EI])", r"S\1", key).replace("C", "K").replace("Z", "S").replace("V", "B")
    key = re.sub(r"G([EI])", r"J\1", key).replace("Y", "I")
    return re.sub(r"(.)\1+", r"\1", key)


def token_similarity(a: str, b: str) -> float:
    """0-1: how likely two normalised tokens are the same word written twice."""
    if a == b:
        return 1.0
    if not _close_lengths(len(a), len(b)):
        return 0.0
    if _phonetic(a) == _phonetic(b):
        return max(JaroWinkler.normalized_similarity(a, b), 0.95)
    if a in KNOWN_NAMES and b in KNOWN_NAMES:
        return 0.0
    short, long = sorted((a, b), key=len)
    if long.startswith(short) and len(long) - len(short) >= PATRONYMIC_SUFFIX_MIN:
        return 0.0
    if OSA.normalized_similarity(a, b) < EDIT_MIN:
        return 0.0
    return JaroWinkler.normalized_similarity(a, b)


def _close_lengths(a: int, b: int) -> bool:
    # OSA's similarity is 1 - edits / longer length and takes at least the difference in length in edits:
    # tokens further apart in length than EDIT_MIN allows are never similar, whatever their letters.
    return abs(a - b) <= (1 - EDIT_MIN) * max(a, b) + 1e-9


def token_kind(token: str) -> str:
    """GIVEN for a known given name that is no known surname, EITHER for one that is both, SURNAME for
    anything else: what a token most likely is when the writing does not say."""
    if token in GIVEN_NAMES:
        return EITHER if token in SURNAMES else GIVEN
    return SURNAME


def _fits(role: str, token: str, other: str) -> bool:
    """Whether `token`, whose role is known, may be aligned with `other`, whose role is not: a surname is
    not a different given name ("ANDA" is not "ANA"), a given name is not a different surname."""
    if token == other:
        return True
    if role == SURNAME:
        return token_kind(other) != GIVEN
    return not (other in SURNAMES and other not in GIVEN_NAMES)


def _layout(text: str | None) -> tuple[list[str], tuple[str, ...] | None]:
    """Tokens of an individual's name and their roles when the writing says them ("SURNAMES, GIVEN")."""
    before, comma, after = (text or "").partition(",")
    if comma:
        surnames, given = _tokens(before), _tokens(after)
        if surnames and given:
            return given + surnames, (GIVEN,) * len(given) + (SURNAME,) * len(surnames)
    return _tokens(text), None


def _forms(tokens: list[str], roles: tuple[str, ...] | None) -> list[tuple[tuple[str, ...], tuple | None, float]]:
    """The name as written plus each reading of its nicknames and abbreviations: (tokens, roles, factor)."""
    forms = [((), () if roles is not None else None, 1.0)]
    for i, token in enumerate(tokens):
        role = roles[i] if roles is not None else None
        options = [(token, 1.0)]
        if role != SURNAME:
            options += [(full, NICKNAME_FACTOR) for full in NICKNAMES.get(token, ())]
            options += [(full, 1.0) for full in ABBREVIATIONS.get(token, ())]
        grown = []
        for done, done_roles, factor in forms:
            for option, option_factor in options:
                words = tuple(option.split())
                more_roles = None if done_roles is None else done_roles + (role,) * len(words)
                grown.append((done + words, more_roles, factor * option_factor))
        forms = grown[:MAX_FORMS]
    return forms


def _entity_key(text: str | None) -> str:
    tokens = _tokens(text)
    kept = [t for t in tokens if t not in LEGAL_FORMS and len(t) > 1]
    return " ".join(sorted(kept or tokens))


def _entity_core(key: str) -> str:
    """An entity key without its trade words, or the key when it is nothing but trade words."""
    return " ".join(t for t in key.split() if t not in BUSINESS_WORDS) or key


class Screener:
    """Watch-list entries indexed for screening people by name, CURP and RFC."""

    def __init__(self, entries: Iterable[Entry]):
        self._entries: list[Entry] = []
        self._digests: list[str] = []
        self._vocabulary: list[str] = []
        self._token_ids: dict[str, int] = {}
        self._postings: list[list[int]] = []  # token id -> rows holding it
        self._kinds: list[str] = []  # token id -> token_kind
        # One row per form of one name of one individual.
        self._row_entry: list[int] = []
        self._row_name: list[int] = []
        self._row_tokens: list[tuple[int, ...]] = []
        self._row_roles: list[tuple[str, ...] | None] = []
        self._row_factor: list[float] = []
        self._entity_keys: list[str] = []
        self._entity_rows: list[tuple[int, int]] = []
        self._by_code: dict[tuple[str, str], list[int]] = {}
        for entry in entries:
            self._add(entry)
        # People's names repeat (JUAN, MARIA, HERNANDEZ...): a token's look-up over the whole vocabulary is
        # kept for the next people screened. lru_cache is safe to share between threads.
        self._similar_cached = functools.lru_cache(maxsize=SIMILAR_CACHE)(self._similar)
        # The vocabulary by token length: a query token is compared only with the lengths it can be close to.
        self._by_length: dict[int, tuple[list[str], list[int]]] = {}
        for token_id, token in enumerate(self._vocabulary):
            words, token_ids = self._by_length.setdefault(len(token), ([], []))
            words.append(token)
            token_ids.append(token_id)

    def __len__(self) -> int:
        return len(self._entries)

    def _add(self, entry: Entry) -> None:
        index = len(self._entries)
        self._entries.append(entry)
        self._digests.append(entry.digest or entry_digest(entry.names, entry.curp, entry.rfc, entry.kind))
        for field, value in (("curp", entry.curp), ("rfc", entry.rfc)):
            if _code(value):
                self._by_code.setdefault((field, _code(value)), []).append(index)
        for name_index, name in enumerate(entry.names):
            if entry.kind == ENTITY:
                if key := _entity_key(name):
                    self._entity_keys.append(key)
                    self._entity_rows.append((index, name_index))
                continue
            seen = set()
            for tokens, roles, factor in _forms(*_layout(name)):
                # A one-token name cannot be told from a lone given name: such an entry is found by its
                # other names or its codes.
                if len(tokens) < 2 or (tokens, roles) in seen:
                    continue
                seen.add((tokens, roles))
                row = len(self._row_entry)
                ids = tuple(self._token_id(token) for token in tokens)
                for token_id in set(ids):
                    self._postings[token_id].append(row)
                self._row_entry.append(index)
                self._row_name.append(name_index)
                self._row_tokens.append(ids)
                self._row_roles.append(roles)
                self._row_factor.append(factor)

    def _token_id(self, token: str) -> int:
        found = self._token_ids.get(token)
        if found is None:
            found = self._token_ids[token] = len(self._vocabulary)
            self._vocabulary.append(token)
            self._kinds.append(token_kind(token))
            self._postings.append([])
        return found

    def screen(
        self,
        name: str | None,
        first_lastname: str | None = None,
        second_lastname: str | None = None,
        curp: str | None = None,
        rfc: str | None = None,
        min_score: float = DEFAULT_MIN_SCORE,
        limit: int = 10,
    ) -> list[Candidate]:
        """Listed entries that may be this person, best first, one per entry (its best name)."""
        best: dict[int, Candidate] = {}

        def offer(index: int, name_index: int, score: float, field: str) -> None:
            entry, score = self._entries[index], round(score, 2)
            candidate = Candidate(
                entry.list_name, entry.entry_id, entry.names[name_index], score, field, self._digests[index]
            )
            held = best.get(index)
            # On a tie an exact code is the stronger evidence to show.
            if held is None or (score, field != "name") > (held.score, held.field != "name"):
                best[index] = candidate

        for field, value in (("curp", curp), ("rfc", rfc)):
            for index in self._by_code.get((field, _code(value)), ()) if _code(value) else ():
                offer(index, 0, 100.0, field)
        if min_score > 100:  # no name scores above 100: only the codes can match
            return sorted(best.values(), key=lambda c: (c.list_name, c.entry_id))[: max(limit, 0)]
        min_score = max(min_score, 0.0)
        if first_lastname or second_lastname:
            given = _tokens(name)
            surnames = _tokens(first_lastname) + _tokens(second_lastname)
            tokens, roles = given + surnames, (GIVEN,) * len(given) + (SURNAME,) * len(surnames)
        else:
            tokens, roles = _layout(name)
        for (index, name_index), score in self._match_individuals(tokens, roles, min_score).items():
            offer(index, name_index, score, "name")
        whole = " ".join(part for part in (name, first_lastname, second_lastname) if part)
        for index, name_index, score in self._match_entities(whole, min_score):
            offer(index, name_index, score, "name")
        ranked = sorted(best.values(), key=lambda c: (-c.score, c.field == "name", c.list_name, c.entry_id))
        return ranked[: max(limit, 0)]

    def _match_entities(self, text: str, min_score: float):
        key = _entity_key(text)
        if not key or not self._entity_keys:
            return []
        found = process.extract(
            key, self._entity_keys, scorer=fuzz.token_sort_ratio, processor=None, score_cutoff=min_score, limit=None
        )
        core = _entity_core(key)
        matches = []
        for listed, score, row in found:
            # The whole name is close: the words that tell the company apart must be close too.
            score = min(score, fuzz.token_sort_ratio(core, _entity_core(listed)))
            if score >= min_score:
                matches.append((*self._entity_rows[row], score))
        return matches

    def _similar(self, token: str) -> dict[int, float]:
        """Vocabulary tokens close to `token`: id -> similarity (callers must not change it)."""
        found = {}
        for length, (words, token_ids) in self._by_length.items():
            if not _close_lengths(len(token), length):
                continue
            close = process.extract(
                token,
                words,
                scorer=JaroWinkler.normalized_similarity,
                processor=None,
                score_cutoff=TOKEN_MIN,
                limit=None,
            )
            for word, _, index in close:
                similarity = token_similarity(token, word)
                if similarity >= TOKEN_MIN:
                    found[token_ids[index]] = similarity
        return found

    def _match_individuals(self, tokens: list[str], roles, min_score: float) -> dict[tuple[int, int], float]:
        """(entry, name) -> best score over the query's forms and the name's forms, at least min_score."""
        found: dict[tuple[int, int], float] = {}
        if len(tokens) < 2:
            return found
        floor = min_score / 100
        for q_tokens, q_roles, q_factor in _forms(tokens, roles):
            sims = [self._similar_cached(token) for token in q_tokens]
            # How many of the query's tokens each row holds something close to.
            shared = Counter()
            for close in sims:
                if len(close) == 1:
                    shared.update(self._postings[next(iter(close))])
                elif close:
                    shared.update(set().union(*(self._postings[token_id] for token_id in close)))
            n_query = len(q_tokens)
            for row, count in shared.items():
                if count < 2:
                    continue
                n_row = len(self._row_tokens[row])
                factor = q_factor * self._row_factor[row]
                # The score if every shared token were a perfect match: rows that cannot reach the floor
                # are not aligned at all.
                if factor * min(count, n_row) / _denominator(n_query, n_row) < floor:
                    continue
                score = factor * self._align(q_tokens, sims, q_roles, row)
                key = (self._row_entry[row], self._row_name[row])
                if score >= floor and score * 100 > found.get(key, -1):
                    found[key] = score * 100
        return found

    def _align(self, q_tokens, sims: list[dict[int, float]], q_roles, row: int) -> float:
        """The row's score against one query form (0-1), 0 when the guards refuse it."""
        r_tokens, r_roles = self._row_tokens[row], self._row_roles[row]
        words = self._vocabulary
        pairs = []
        for i, close in enumerate(sims):
            for j, token_id in enumerate(r_tokens):
                similarity = close.get(token_id)
                if similarity is None:
                    continue
                if q_roles is not None and r_roles is not None:
                    if q_roles[i] != r_roles[j]:
                        continue
                elif q_roles is not None:
                    if not _fits(q_roles[i], q_tokens[i], words[token_id]):
                        continue
                elif r_roles is not None and not _fits(r_roles[j], words[token_id], q_tokens[i]):
                    continue
                pairs.append((similarity, i, j))
        if len(pairs) < 2:
            return 0.0
        # Greedy one-to-one alignment: names have a handful of tokens and near-ties between two pairings
        # change the score by hundredths.
        pairs.sort(reverse=True)
        used_q, used_r, matched = set(), set(), []
        for similarity, i, j in pairs:
            if i not in used_q and j not in used_r:
                used_q.add(i)
                used_r.add(j)
                matched.append((i, j, similarity))
        if len(matched) < 2 or not self._guards(q_tokens, matched, q_roles, row):
            return 0.0
        return sum(s for _, _, s in matched) / _denominator(len(sims), len(r_tokens))

    def _guards(self, q_tokens, matched, q_roles, row: int) -> bool:
        """A surname and a given name must be among the aligned tokens."""
        r_tokens, r_roles = self._row_tokens[row], self._row_roles[row]
        if q_roles is not None:
            roles = {q_roles[i] for i, _, _ in matched}
            return SURNAME in roles and GIVEN in roles
        if r_roles is not None:
            roles = {r_roles[j] for _, j, _ in matched}
            return SURNAME in roles and GIVEN in roles
        # Neither side says its roles: known given names stand for given names, anything else for surnames.
        kinds = [self._kinds[t] for t in r_tokens]
        if SURNAME not in kinds:
            # Only given names ("ANA JUANA DEL ANGEL", whose surname is also a given name): all of them.
            return len(matched) == len(r_tokens)
        # A surname aligned with something that is not a given name ("MARIA CAMILA" is not "ESCAMILLA"),
        # and a given name when the listed name has one.
        surname = any(kinds[j] == SURNAME and token_kind(q_tokens[i]) != GIVEN for i, j, _ in matched)
        given = any(kinds[j] != SURNAME for _, j, _ in matched) or all(kind == SURNAME for kind in kinds)
        return surname and given


def _denominator(n_query: int, n_row: int) -> float:
    return min(n_query, n_row) + OMISSION_WEIGHT * abs(n_query - n_row)
