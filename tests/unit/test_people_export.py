"""Export cells that a spreadsheet program would run as formulas are written as text."""

import csv
import io

import pytest

from personas.domain import people_export, spreadsheets


def exported(*values) -> list[str]:
    text = b"".join(people_export.csv_chunks(["a"] * len(values), [values])).decode("utf-8")
    return list(csv.reader(io.StringIO(text, newline="")))[1]


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_cell_starting_like_a_formula_gets_an_apostrophe_before_it(start):
    assert exported(start + "HYPERLINK(1)", "plain") == ["'" + start + "HYPERLINK(1)", "plain"]


def test_other_cells_and_non_text_values_are_written_as_they_are():
    assert exported("Ana=", "a@b.mx", "", 7, None) == ["Ana=", "a@b.mx", "", "7", ""]


def test_the_import_reads_a_neutralised_cell_back_as_it_was():
    for value in ("=1+2", "+525591038054", "-x", "@SUM(A1)", "'quoted", "Ana"):
        assert spreadsheets.restored(spreadsheets.neutralised(value)) == value
    assert spreadsheets.restored("'quoted") == "'quoted"  # only the apostrophe the export adds
