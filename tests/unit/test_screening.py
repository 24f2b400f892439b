"""Name screening rules, one by one, on small hand-written lists (personas.domain.screening)."""

import pytest

from personas.domain.screening import DEFAULT_MIN_SCORE, Candidate, Entry, Screener, entry_digest, normalize


def person(entry_id, *names, curp=None, rfc=None, list_name="uif"):
    return Entry(list_name, entry_id, names, curp, rfc, "individual", entry_digest(names, curp, rfc))


def company(entry_id, *names, list_name="uif"):
    return Entry(list_name, entry_id, names, kind="entity", digest=entry_digest(names, kind="entity"))


def ids(candidates):
    return [c.entry_id for c in candidates]


LIST = [
    person("juan", "Juan Carlos Pérez López"),
    person("lupe", "DE LA CRUZ GARCÍA, MARÍA GUADALUPE"),
    person("jose", "José Martínez Ruiz", "Pepe Martínez"),
    person("chema", "José María Ibarra Solís"),
    person("beto", "Roberto Salazar Núñez"),
    person("ana", "Ana Sofía Villanueva Treviño", "Sofía Castañeda Ríos"),
    person("coded", "Ramón Tello Urbina", curp="TEUR800101HDFLRM09", rfc="TEUR800101AB1"),
    person("mario", "Mario Esparza Ledesma"),
    person("martin", "Martín Rodrigo Ochoa Lara"),
    person("peña", "Ignacio Peña y Lillo Cárdenas"),
    company("norte", "Comercializadora del Norte, S.A. de C.V.", "CODENOR SA DE CV"),
    company("laguna", "Logística Laguna S. de R.L. de C.V."),
]


@pytest.fixture(scope="module")
def screener():
    return Screener(LIST)


def test_normalize_removes_accents_case_punctuation_and_particles():
    assert normalize("  María de la Luz  Ñúñez-Peña y O'Brien. ") == "MARIA LUZ NUNEZ PENA OBRIEN"
    assert normalize("DE LOS SANTOS, Ángel") == "SANTOS ANGEL"
    assert normalize(None) == "" and normalize("") == "" and normalize(" , . ") == ""


def test_accents_do_not_matter_either_way(screener):
    assert ids(screener.screen("Juan Carlos", "Perez", "Lopez")) == ["juan"]
    assert ids(screener.screen("Jóse", "Martínez", "Ruíz")) == ["jose"]
    assert screener.screen("JUAN CARLOS", "PEREZ", "LOPEZ")[0].score == 100


def test_particles_of_surnames_do_not_matter(screener):
    (found,) = screener.screen("María Guadalupe", "Cruz", "García")
    assert (found.entry_id, found.score) == ("lupe", 100)
    assert ids(screener.screen("Maria Guadalupe", "de la Cruz", "de García")) == ["lupe"]
    # "y" joins two surnames.
    assert ids(screener.screen("Ignacio", "Peña Lillo", "Cárdenas")) == ["peña"]


def test_any_order_of_given_names_and_surnames(screener):
    # The list writes "SURNAMES, GIVEN"; the query is structured.
    assert ids(screener.screen("María Guadalupe", "de la Cruz", "García")) == ["lupe"]
    # The query is one string, surnames first, or given names first; so is the list's name.
    assert ids(screener.screen("PEREZ LOPEZ JUAN CARLOS")) == ["juan"]
    assert ids(screener.screen("Juan Carlos Pérez López")) == ["juan"]
    assert ids(screener.screen("Cruz García, María Guadalupe")) == ["lupe"]


def test_one_surname_matches_with_a_lower_score(screener):
    (full,) = screener.screen("Juan Carlos", "Pérez", "López")
    (one,) = screener.screen("Juan Carlos", "Pérez", None)
    assert one.entry_id == "juan" and DEFAULT_MIN_SCORE <= one.score < full.score


def test_a_different_second_surname_does_not_match(screener):
    assert screener.screen("Juan Carlos", "Pérez", "Gómez") == []
    assert screener.screen("Juan Carlos", "Pérez", "Gómez", min_score=50)[0].score < DEFAULT_MIN_SCORE


def test_a_left_out_or_added_middle_name_still_matches(screener):
    assert ids(screener.screen("Juan", "Pérez", "López")) == ["juan"]
    assert ids(screener.screen("Mario Alberto", "Esparza", "Ledesma")) == ["mario"]


def test_a_typo_still_matches(screener):
    (found,) = screener.screen("Juan Carlso", "Peréz", "Lopes")
    assert found.entry_id == "juan" and DEFAULT_MIN_SCORE <= found.score < 100


def test_aliases_count_like_names_and_say_which_matched(screener):
    (found,) = screener.screen("Sofía", "Castañeda", "Ríos")
    assert (found.entry_id, found.matched_name, found.field) == ("ana", "Sofía Castañeda Ríos", "name")


def test_nicknames_are_read_as_the_names_they_stand_for(screener):
    (pepe,) = screener.screen("Pepe", "Martínez", "Ruiz")
    assert pepe.entry_id == "jose" and DEFAULT_MIN_SCORE <= pepe.score < 100
    assert ids(screener.screen("Chema", "Ibarra", "Solís")) == ["chema"]
    assert ids(screener.screen("Beto", "Salazar", "Núñez")) == ["beto"]
    # The list's nickname alias is read the same way: "Pepe Martínez" is José Martínez.
    assert screener.screen("José", "Martínez", None)[0].entry_id == "jose"
    assert ids(screener.screen("Ma. Guadalupe", "de la Cruz", "García")) == ["lupe"]


def test_exact_curp_and_rfc_always_match_whatever_the_name(screener):
    (by_curp,) = screener.screen("Otro Nombre", "Sin", "Relación", curp="teur 800101 hdflrm09")
    assert (by_curp.entry_id, by_curp.score, by_curp.field) == ("coded", 100, "curp")
    (by_rfc,) = screener.screen(None, rfc="TEUR-800101-AB1")
    assert (by_rfc.entry_id, by_rfc.score, by_rfc.field) == ("coded", 100, "rfc")
    # A code match is kept even when a minimum score above 100 leaves out every name.
    assert ids(screener.screen("Ramón", "Tello", "Urbina", curp="TEUR800101HDFLRM09", min_score=101)) == ["coded"]
    assert screener.screen("Otro Nombre", curp="TEUR800101HDFLRM08") == []


def test_entities_are_compared_as_whole_names(screener):
    (found,) = screener.screen("COMERCIALIZADORA DEL NORTE SA DE CV")
    assert (found.entry_id, found.score) == ("norte", 100)
    # The legal form is no part of the name; the acronym alias is a name.
    assert ids(screener.screen("Comercializadora del Norte S.A.P.I. de C.V.")) == ["norte"]
    assert ids(screener.screen("Codenor")) == ["norte"]
    # Sharing the trade word is not being the company.
    assert screener.screen("Logística Águila S.A.") == []
    assert screener.screen("Comercializadora del Sur S.A. de C.V.") == []


def test_a_lone_common_given_name_matches_nobody(screener):
    assert screener.screen("María Guadalupe") == []
    assert screener.screen("Juan Carlos") == []
    assert screener.screen("Juan") == []
    assert screener.screen("Juan", "Ramírez", "Gómez") == []
    # Nor do surnames without a given name.
    assert screener.screen(None, "Pérez", "López") == []
    assert screener.screen("Pérez López") == []


def test_close_but_different_names_are_not_one_name(screener):
    assert screener.screen("María", "Esparza", "Ledesma") == []  # not Mario
    assert screener.screen("Martínez Rodrigo", "Ochoa", "Lara") == []  # not Martín
    assert screener.screen("Ana Sofía", "Villaseñor", "Treviño") == []  # not Villanueva


def test_one_candidate_per_entry_with_its_best_name():
    entry = person("many", "Juan Pérez López", "Juan Peres Lopes", "JUAN PEREZ LOPEZ", "Pérez López, Juan")
    found = Screener([entry]).screen("Juan", "Pérez", "López")
    assert len(found) == 1 and found[0].score == 100 and found[0].matched_name == "Juan Pérez López"
    # A code and a name of the same entry: one candidate, the code's.
    coded = person("coded", "Juan Pérez López", curp="PELJ800101HDFRPN09")
    (found,) = Screener([coded]).screen("Juan", "Pérez", "López", curp="PELJ800101HDFRPN09")
    assert found.field == "curp"


def test_the_same_id_on_two_lists_is_two_candidates():
    entries = [person("7", "Juan Pérez López", list_name="uif"), person("7", "Juan Pérez López", list_name="ofac")]
    assert sorted(c.list_name for c in Screener(entries).screen("Juan", "Pérez", "López")) == ["ofac", "uif"]


def test_best_first_and_limit():
    entries = [person(f"p{i:02d}", "Juan Pérez López") for i in range(15)]
    entries += [person("typo", "Juan Peres Lopes"), person("short", "Juan Pérez")]
    screener = Screener(entries)
    found = screener.screen("Juan", "Pérez", "López")
    assert len(found) == 10 and all(c.score == 100 for c in found)
    everyone = screener.screen("Juan", "Pérez", "López", limit=100)
    assert len(everyone) == 17
    scores = [c.score for c in everyone]
    assert scores == sorted(scores, reverse=True) and scores[-1] < 100
    assert ids(screener.screen("Juan", "Pérez", "López", limit=3)) == ["p00", "p01", "p02"]
    assert screener.screen("Juan", "Pérez", "López", limit=0) == []


def test_min_score_bounds_every_name_candidate():
    entries = [person("a", "Juan Pérez López"), person("b", "Juan Pérez"), person("c", "Juan Carlos Pérez Gómez")]
    screener = Screener(entries)
    for floor in (50, 70, 85, 95, 100):
        assert all(c.score >= floor for c in screener.screen("Juan", "Pérez", "López", min_score=floor))
    assert ids(screener.screen("Juan", "Pérez", "López", min_score=100)) == ["a"]
    assert set(ids(screener.screen("Juan", "Pérez", "López", min_score=50))) == {"a", "b", "c"}


def test_candidate_carries_the_entry_and_its_digest():
    entry = person("x", "Juan Pérez López", curp="PELJ800101HDFRPN09")
    undigested = Entry("ofac", "y", ("Rosa Ávila Soto",))
    screener = Screener([entry, undigested])
    assert len(screener) == 2
    assert screener.screen("Juan", "Pérez", "López")[0] == Candidate(
        "uif", "x", "Juan Pérez López", 100.0, "name", entry.digest
    )
    assert screener.screen("Rosa", "Ávila", "Soto")[0].digest == entry_digest(("Rosa Ávila Soto",))


def test_entry_digest_is_stable_and_changes_with_the_content():
    digest = entry_digest(["Juan Pérez López", "J. Pérez"], "PELJ800101HDFRPN09", None)
    assert digest == entry_digest(("juan  pérez lópez ", "J. PÉREZ"), "pelj800101hdfrpn09", "", "Individual")
    assert len(digest) == 64 and int(digest, 16) >= 0
    assert digest != entry_digest(["Juan Pérez López", "J. Pérez"], "PELJ800101HDFRPN08")
    assert digest != entry_digest(["J. Pérez", "Juan Pérez López"], "PELJ800101HDFRPN09")
    assert digest != entry_digest(["Juan Pérez López", "J. Pérez"], "PELJ800101HDFRPN09", kind="entity")


def test_nothing_to_compare_finds_nothing(screener):
    assert screener.screen(None) == []
    assert screener.screen("", "", "") == []
    assert Screener([]).screen("Juan", "Pérez", "López") == []
