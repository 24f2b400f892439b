"""json_depth.loads refuses what JSON is not, before anything stores it."""

import pytest

from personas.domain import json_depth


@pytest.mark.parametrize("text", ["NaN", '{"a": Infinity}', "[-Infinity]"])
def test_nan_and_infinity_are_not_json(text):
    # Python's parser reads them; a JSON column (MariaDB's check) refuses them when stored.
    with pytest.raises(ValueError):
        json_depth.loads(text)
