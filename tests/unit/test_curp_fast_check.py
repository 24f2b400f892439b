"""The view's CURP check agrees with stdnum's `curp.is_valid` (which it stands in for, for speed)."""

import random
import string

from stdnum.mx import curp as stdnum_curp

from personas.domain.identity import _curp_check_digit, _valid_compact_curp, curp_nationality
from tests.support import new_curp as valid_curp


def _mutations(number: str, rng: random.Random):
    alphabet = string.ascii_uppercase + string.digits
    for _ in range(20):
        i = rng.randrange(len(number))
        yield number[:i] + rng.choice(alphabet) + number[i + 1 :]
    yield number[:-1] + stdnum_curp.calc_check_digit(number)
    yield "PENE" + number[4:]  # a forbidden word
    yield number[:11] + "NE" + number[13:]
    yield number[:11] + "XX" + number[13:]
    yield number[:6] + "1399" + number[10:]  # no such month


def test_the_fast_check_agrees_with_stdnum_on_valid_and_mutated_curps():
    rng, checked = random.Random(7), 0
    for _ in range(500):
        base = valid_curp()
        for candidate in (base, *_mutations(base, rng)):
            if candidate.isalnum():
                assert _curp_check_digit(candidate) == stdnum_curp.calc_check_digit(candidate), candidate
            for fixed in (candidate, candidate[:-1] + stdnum_curp.calc_check_digit(candidate[:17])):
                assert _valid_compact_curp(fixed) == stdnum_curp.is_valid(fixed), fixed
                checked += 1
    assert checked > 10_000


def test_a_curp_not_yet_compact_is_compacted_first():
    number = valid_curp()
    spaced = f" {number[:4]}-{number[4:10]} {number[10:].lower()} "
    assert curp_nationality(spaced) == curp_nationality(number)
    assert curp_nationality(None) is None and curp_nationality("") is None


def test_parsing_decodes_and_refuses_as_stdnum_does():
    from datetime import date

    from personas.domain.errors import ValidationFailed
    from personas.domain.identity import parse_curp

    rng, today = random.Random(11), date(2026, 12, 7)
    for _ in range(300):
        base = valid_curp()
        for candidate in (base, *_mutations(base, rng)):
            try:
                info = parse_curp(candidate, today)
            except ValidationFailed:
                assert not stdnum_curp.is_valid(candidate) or stdnum_curp.get_birth_date(candidate) > today, candidate
                continue
            assert stdnum_curp.is_valid(candidate), candidate
            assert info.birthdate == stdnum_curp.get_birth_date(candidate)
            assert info.gender == {"M": "MALE", "F": "FEMALE"}[stdnum_curp.get_gender(candidate)]
