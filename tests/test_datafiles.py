"""Reading the data files health offices keep: spmkit._files.datafiles."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import pytest

import spmkit
from spmkit._evaluation.results import Status
from spmkit._files.datafiles import (
    ColumnMapping,
    DataFileError,
    detect_number_format,
    evaluate_table,
    load_mapping,
    parse_number,
    read_data,
)

RULES = spmkit.load_rule_set("kulon-progo-2011")


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


class TestParseNumber:
    @pytest.mark.parametrize(
        ("text", "style", "expected"),
        [
            ("3.582", "id", Fraction(3582)),
            ("1.234.567", "id", Fraction(1234567)),
            ("96,81", "id", Fraction(9681, 100)),
            ("3.582,5", "id", Fraction(7165, 2)),
            ("-12", "id", Fraction(-12)),
            ("3,582", "en", Fraction(3582)),
            ("96.81", "en", Fraction(9681, 100)),
            ("3,582.5", "en", Fraction(7165, 2)),
            (" 42 ", "en", Fraction(42)),
        ],
    )
    def test_reads_exactly(self, text, style, expected):
        """Both notations are read to exact fractions, no float rounding."""
        assert parse_number(text, style) == expected

    @pytest.mark.parametrize(
        ("text", "style"), [("3,582.5", "id"), ("3.582,5", "en"), ("12a", "id"), ("1.23.4", "id")]
    )
    def test_refuses_the_other_notation(self, text, style):
        """A value not valid in the declared notation is an error naming it."""
        with pytest.raises(ValueError, match="is not a number in"):
            parse_number(text, style)


class TestDetectNumberFormat:
    @pytest.mark.parametrize(
        ("values", "expected"),
        [
            (["96,81", "3.582"], "id"),
            (["1.234.567"], "id"),
            (["96.81", "3,582"], "en"),
            (["1,234,567"], "en"),
            (["3.582", "4.100"], "ambiguous"),
            (["3,582"], "ambiguous"),
            (["96,81", "96.81"], "ambiguous"),
            (["12", "4500"], "any"),
            ([], "any"),
        ],
    )
    def test_cases(self, values, expected):
        """Only values that settle the notation decide it; contradictions are ambiguous."""
        assert detect_number_format(values) == expected


INDONESIAN_CSV = """\
Puskesmas;Tahun;bumil_k4;sasaran_bumil;pneumonia_balita_ditangani;pneumonia_balita_perkiraan
Wates;2011;1.020;1.050;210;245,6
Pengasih;2011;985;1.012;160;198,2
"""


class TestReadCsv:
    def test_indonesian_semicolon_csv(self, tmp_path):
        """Semicolons, '1.020' thousands and '245,6' decimals read exactly; region and year found."""
        table = read_data(write(tmp_path, "d.csv", INDONESIAN_CSV), RULES)
        first, second = table.rows
        assert first.values["bumil_k4"] == Fraction(1020)
        assert first.values["sasaran_bumil"] == Fraction(1050)
        assert first.values["pneumonia_balita_perkiraan"] == Fraction(1228, 5)
        assert second.values["sasaran_bumil"] == Fraction(1012)
        assert (first.region, first.period, first.where) == ("Wates", "2011", "row 2")
        assert table.number_formats["bumil_k4"] == "id"  # settled by the decimal column
        assert table.unknown_columns == ()

    def test_ambiguous_file_is_refused_with_a_message(self, tmp_path):
        """Values like '3.582' alone could be 3582 or 3.582: the column is refused, not guessed."""
        path = write(tmp_path, "d.csv", "bumil_k4,sasaran_bumil\n3.582,4.100\n")
        with pytest.raises(DataFileError) as caught:
            read_data(path, RULES)
        problems = caught.value.problems
        assert len(problems) == 2
        assert problems[0] == (
            "column 'bumil_k4': cannot tell how its numbers are written ('3.582' is 3582 in "
            "Indonesian notation, 3.582 in English notation, and no cell of the file settles "
            "the notation); ambiguous cells: row 2 ('3.582'); declare the format: "
            "--number-format id (3.582 = three thousand five hundred eighty-two) or "
            "--number-format en (3.582 = three point five eight two)"
        )

    def test_declared_format_decides(self, tmp_path):
        """Declaring the notation reads the ambiguous values; en makes '3.582' a decimal."""
        path = write(tmp_path, "d.csv", "bumil_k4,sasaran_bumil\n3.582,4.100\n")
        as_id = read_data(path, RULES, number_format="id").rows[0].values
        as_en = read_data(path, RULES, number_format="en").rows[0].values
        assert as_id["bumil_k4"] == Fraction(3582)
        assert as_en["bumil_k4"] == Fraction(1791, 500)

    def test_mixed_notations_in_one_column_are_refused(self, tmp_path):
        """A column with both '96,81' and '96.81' contradicts itself."""
        path = write(tmp_path, "d.csv", "bumil_k4;sasaran_bumil\n96,81;100\n96.81;100\n")
        with pytest.raises(DataFileError, match="mix Indonesian"):
            read_data(path, RULES)

    def test_bad_cell_refuses_its_row_only(self, tmp_path):
        """A text cell is a problem of its row (with the row number); other rows still evaluate."""
        text = (
            INDONESIAN_CSV + "Sentolo;2011;tidak ada;640;98;120,5\nNanggulan;2011;-5;640;98;120,5\n"
        )
        table = read_data(write(tmp_path, "d.csv", text), RULES)
        assert table.rows[2].problems == (
            (
                "column 'bumil_k4': 'tidak ada' is not a number (leave the cell empty if unknown, "
                "write 0 if there were none)"
            ),
        )
        outcomes = evaluate_table(RULES, table)
        assert [o.report is not None for o in outcomes] == [True, True, False, False]
        assert outcomes[3].row.where == "row 5"
        assert outcomes[3].problems[0].startswith("input 'bumil_k4' must be a non-negative")
        report = outcomes[0].report
        assert report is not None
        assert report["I.1"].exact_value == Fraction(1020, 1050) * 100
        assert report["I.13.b"].status is Status.NOT_MET
        assert report["I.2"].status is Status.NO_DATA

    def test_empty_cells_are_missing(self, tmp_path):
        """An empty cell is no data, never zero."""
        table = read_data(write(tmp_path, "d.csv", "bumil_k4,sasaran_bumil\n,1000\n"), RULES)
        assert dict(table.rows[0].values) == {"sasaran_bumil": 1000}

    def test_columns_by_label_and_unknown_columns(self, tmp_path):
        """Labels match in any case and spacing; unknown columns are listed, not fatal."""
        text = "Wilayah,JUMLAH SASARAN IBU HAMIL,bumil-k4,Keterangan\nWates,1000,950,ok\n"
        table = read_data(write(tmp_path, "d.csv", text), RULES)
        assert dict(table.columns) == {
            "JUMLAH SASARAN IBU HAMIL": "sasaran_bumil",
            "bumil-k4": "bumil_k4",
        }
        assert table.unknown_columns == ("Keterangan",)
        assert table.rows[0].region == "Wates"

    def test_mapping_file(self, tmp_path):
        """A mapping file maps odd column names, names the region column, ignores columns."""
        mapping = load_mapping(
            write(
                tmp_path,
                "m.yaml",
                "columns:\n  K4: bumil_k4\n  Bumil: sasaran_bumil\n"
                "region: Unit\nignore: ['No']\nnumber_format: id\n",
            )
        )
        text = "No;Unit;K4;Bumil\n1;Wates;3.582;3.700\n"
        table = read_data(write(tmp_path, "d.csv", text), RULES, mapping=mapping)
        row = table.rows[0]
        assert dict(row.values) == {"bumil_k4": 3582, "sasaran_bumil": 3700}
        assert row.region == "Wates"
        assert table.unknown_columns == ()

    def test_mapping_to_unknown_input_and_duplicates(self, tmp_path):
        """Mapping onto a non-input, or two columns onto one input, is refused."""
        mapping = ColumnMapping(columns={"K4": "bumil_k5", "Bumil": "bumil_k4"})
        text = "K4,Bumil,bumil_k4\n1,2,3\n"
        with pytest.raises(DataFileError) as caught:
            read_data(write(tmp_path, "d.csv", text), RULES, mapping=mapping)
        assert caught.value.problems == (
            (
                "the mapping sends column 'K4' to 'bumil_k5', which is not an input of rule set "
                "'kulon-progo-2011'; did you mean 'bumil_k4'?"
            ),
            "columns 'Bumil' and 'bumil_k4' both give input 'bumil_k4'",
        )

    def test_bad_mapping_file(self, tmp_path):
        """Unknown keys and wrong types in a mapping file are all reported."""
        path = write(tmp_path, "m.yaml", "colums: {}\nnumber_format: fr\n")
        with pytest.raises(DataFileError) as caught:
            load_mapping(path)
        assert len(caught.value.problems) == 2
        assert "unknown key 'colums'" in caught.value.problems[0]

    def test_unquoted_no_in_mapping(self, tmp_path):
        """YAML reads a bare No as false; the mapping file says to quote it."""
        with pytest.raises(DataFileError) as caught:
            load_mapping(write(tmp_path, "m.yaml", "ignore: [No]\n"))
        assert caught.value.problems == (
            (
                "'ignore' has False, which is not text; quote column names such as \"No\" or "
                '"2011" (YAML reads No as false)'
            ),
        )

    def test_not_utf8(self, tmp_path):
        """A CSV saved in a legacy code page gets a fix, not a mojibake guess."""
        path = tmp_path / "d.csv"
        path.write_bytes("Wilayah,bumil_k4\nKab. Bantul \xe9,1\n".encode("latin-1"))
        with pytest.raises(DataFileError, match="CSV UTF-8"):
            read_data(path, RULES)


class TestReadOtherFormats:
    def test_yaml_example_with_data_key(self):
        """The bundled example: heading keys region/year, counts under data:."""
        path = Path(__file__).resolve().parents[1] / "examples" / "kulon-progo-2011.yaml"
        table = read_data(path, RULES)
        (row,) = table.rows
        assert (row.region, row.period, row.where) == ("Kabupaten Kulon Progo", "2011", "")
        assert row.values["bumil_k4"] == 4900
        assert table.unknown_columns == ()  # 'note' is metadata

    def test_json_list(self, tmp_path):
        """A JSON list gives one row per item, numbered from 1."""
        items = [
            {"wilayah": "A", "tahun": 2011, "bumil_k4": 95, "sasaran_bumil": 100},
            {"wilayah": "B", "tahun": 2011, "bumil_k4": "x", "sasaran_bumil": 100},
        ]
        table = read_data(write(tmp_path, "d.json", json.dumps(items)), RULES)
        assert [row.where for row in table.rows] == ["item 1", "item 2"]
        assert table.rows[1].problems
        assert table.rows[0].period == "2011"

    def test_xlsx(self, tmp_path):
        """Excel: numeric cells as they are, text cells by notation, the header row counted."""
        openpyxl = pytest.importorskip("openpyxl")
        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "Data"
        sheet.append(["Kecamatan", "Tahun", "bumil_k4", "sasaran_bumil"])
        sheet.append(["Wates", 2011, 950, 1000])
        sheet.append(["Pengasih", 2011, "1.020", "1.050,5"])
        sheet.append(["Sentolo", 2011, "?", 1000])
        workbook.save(tmp_path / "d.xlsx")
        table = read_data(tmp_path / "d.xlsx", RULES)
        assert [row.where for row in table.rows] == ["row 2", "row 3", "row 4"]
        assert table.rows[0].values["bumil_k4"] == 950
        assert table.rows[1].values["sasaran_bumil"] == Fraction(2101, 2)
        assert table.rows[2].problems
        with pytest.raises(DataFileError, match="no sheet 'Lain'"):
            read_data(tmp_path / "d.xlsx", RULES, sheet="Lain")

    def test_unknown_suffix(self, tmp_path):
        """An old .xls workbook gets told to become .xlsx."""
        with pytest.raises(DataFileError, match=r"save old \.xls workbooks as \.xlsx"):
            read_data(write(tmp_path, "d.xls", ""), RULES)

    def test_for_period(self, tmp_path):
        """Choosing a year keeps that year's rows and the rows that name no year."""
        text = "tahun,bumil_k4\n2011,1\n2012,2\n,3\n"
        table = read_data(write(tmp_path, "d.csv", text), RULES).for_period("2012")
        assert [row.values["bumil_k4"] for row in table.rows] == [2, 3]
