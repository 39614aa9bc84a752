"""Row-by-row checks of rules/kulon-progo-2011.yaml against the regulation.

Peraturan Bupati Kulon Progo Nomor 15 Tahun 2011 tentang Standar Pelayanan Minimal
Bidang Kesehatan, Lampiran "Target dan Panduan Operasional". The expected values below
are typed from the printed table (shared/seeds/003_6a6479d9415597bc.txt), not read back
from the YAML file, so a transcription slip in either place makes a test fail.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

import spmkit

EXAMPLE_PATH = Path(__file__).resolve().parents[1] / "examples" / "kulon-progo-2011.yaml"

# The Lampiran's rows in printed order.
IDS = [
    "I.1",
    "I.2",
    "I.3",
    "I.4",
    "I.5",
    "I.6",
    "I.7",
    "I.8",
    "I.9",
    "I.10",
    "I.11",
    "I.12",
    "I.13.a",
    "I.13.b",
    "I.13.c",
    "I.13.d",
    "I.13.e",
    "I.14",
    "I.15",
    "I.16",
    "II.1",
    "III.1",
    "IV.1",
]

# Tuples of id, service type, Nilai as printed, Batas Waktu as printed, numerator input
# and denominator input.
# Deadline None: the Batas Waktu Pencapaian cell is empty for I.2, I.4 and I.15.
TABLE = [
    ("I.1", "I", 95, 2015, "bumil_k4", "sasaran_bumil"),
    ("I.2", "I", 100, None, "ibu_komplikasi_ditangani", "ibu_komplikasi"),
    ("I.3", "I", 100, 2015, "bulin_nakes", "sasaran_bulin"),
    ("I.4", "I", 95, None, "ibu_nifas_kf3", "ibu_nifas"),
    ("I.5", "I", 100, 2015, "neonatus_komplikasi_ditangani", "neonatus_komplikasi"),
    ("I.6", "I", 95, 2015, "bayi_pelayanan_standar", "bayi_lahir_hidup"),
    ("I.7", "I", 100, 2015, "desa_uci", "desa_total"),
    ("I.8", "I", 95, 2015, "balita_pemantauan_8x", "balita_total"),
    ("I.9", "I", 100, 2015, "anak_6_24_gakin_mpasi", "anak_6_24_gakin"),
    ("I.10", "I", 100, 2015, "balita_gizi_buruk_dirawat", "balita_gizi_buruk"),
    ("I.11", "I", 100, 2015, "murid_sd_diperiksa", "murid_sd"),
    ("I.12", "I", 75, 2015, "pus_kb_aktif", "pus"),
    ("I.13.a", "I", 100, 2015, "afp_non_polio", "penduduk_lt15"),
    ("I.13.b", "I", 100, 2015, "pneumonia_balita_ditangani", "pneumonia_balita_perkiraan"),
    ("I.13.c", "I", 70, 2015, "tb_bta_ditemukan_diobati", "tb_bta_perkiraan"),
    ("I.13.d", "I", 100, 2015, "dbd_ditangani", "dbd_ditemukan"),
    ("I.13.e", "I", 100, 2015, "diare_ditangani", "diare_perkiraan"),
    ("I.14", "I", 100, 2015, "kunjungan_gakin_strata1", "gakin_sakit"),
    ("I.15", "I", 100, None, "pasien_gakin_strata23", "gakin_berkunjung_strata23"),
    ("I.16", "I", 100, 2015, "penduduk_berjaminan", "penduduk_total"),
    ("II.1", "II", 100, 2015, "rs_gadar_level1", "rs_total"),
    ("III.1", "III", 100, 2015, "klb_ditangani_24jam", "klb_total"),
    ("IV.1", "IV", 80, 2015, "desa_siaga_aktif", "desa_siaga_dibentuk"),
]

# Column 3 (Indikator) verbatim, typos included. Rows 13.a-e are printed as sub-items
# of the parent row "13. Cakupan penemuan dan penanganan penderita penyakit".
PARENT_13 = "Cakupan penemuan dan penanganan penderita penyakit"
NAMES = [
    ("I.1", "Cakupan kunjungan Ibu hamil Kunjungan keempat (K4)"),
    ("I.2", "Cakupan komplikasi kebidanan yang ditangani"),
    (
        "I.3",
        "Cakupan pertolongan persalinan oleh tenaga kesehatan yang memiliki kompetensi kebidanan",
    ),
    ("I.4", "Cakupan pelayanan nifas"),
    ("I.5", "Cakupan neonatus dengan komplikasi yang ditangani"),
    ("I.6", "Cakupan kunjungan bayi"),
    ("I.7", "Cakupan desa/kelurahan Universal Child Immunization (UCI)"),
    ("I.8", "Cakupan pelayanan anak balita"),
    (
        "I.9",
        # The en dash is printed so in the regulation.
        "Cakupan pemberian makanan pendamping ASI (MP-ASI) pada anak usia 6 – 24 bulan keluarga miskin",  # noqa: RUF001
    ),
    ("I.10", "Cakupan balita gizi buruk mendapat perawatan"),
    ("I.11", "Cakupan penjangkaran kesehatan siswa SD dan setingkat"),
    ("I.12", "Cakupan peserta KB aktif"),
    ("I.14", "Cakupan pelayanan kesehatan dasar pasien masyarakat miskin"),
    ("I.15", "Cakupan Pelayanan Kesehatan Rujukan Pasien Masyarakat Miskin"),
    ("I.16", "Cakupan jaminan pemeliharaan kesehatan penduduk"),
    ("II.1", "Cakupan pelayanan gawat darurat level 1 yang harus diberikan Rumah Sakit"),
    (
        "III.1",
        "Cakupan Desa/Kelurahan mengalami KLB yang dilakukan penyelidikan epidemiologi < 24 jam",
    ),
    ("IV.1", "Cakupan Desa Siaga Aktif"),
]
SUB_ITEMS_13 = [
    ("I.13.a", "a. Acute Flacid Paralysis (AFP)"),
    ("I.13.b", "b. Penemuan penderita Pneumonia balita"),
    (
        "I.13.c",
        "c. Penemuan pasien baru Tuberculosis Bakteri Tahan Asap (TB BTA) positif/ case detection rate (CDR)",
    ),
    ("I.13.d", "d. Penderita DBD yang ditangani"),
    ("I.13.e", "e. Penemuan penderita diare"),
]

# One hand-computed evaluation per row, as tuples of id, numerator, denominator, value,
# met, status and gap. The value is numerator / denominator x 100, and the gap is
# target - value (0.0 where the target is met).
# Ratios are chosen so every value is exact in binary floating point.
CASES = [
    ("I.1", 19, 20, 95.0, True, "met", 0.0),
    ("I.2", 7, 8, 87.5, False, "not_met", 12.5),
    ("I.3", 20, 20, 100.0, True, "met", 0.0),
    ("I.4", 7, 8, 87.5, False, "not_met", 7.5),
    ("I.5", 3, 4, 75.0, False, "not_met", 25.0),
    ("I.6", 38, 40, 95.0, True, "met", 0.0),
    ("I.7", 88, 88, 100.0, True, "met", 0.0),
    ("I.8", 15, 16, 93.75, False, "not_met", 1.25),
    ("I.9", 1, 2, 50.0, False, "not_met", 50.0),
    ("I.10", 5, 5, 100.0, True, "met", 0.0),
    ("I.11", 31, 32, 96.875, False, "not_met", 3.125),
    ("I.12", 3, 4, 75.0, True, "met", 0.0),
    # 1 AFP case in 1,024 children under 15, read "x 100%" as printed.
    ("I.13.a", 1, 1024, 0.09765625, False, "not_met", 99.90234375),
    ("I.13.b", 4, 4, 100.0, True, "met", 0.0),
    ("I.13.c", 7, 10, 70.0, True, "met", 0.0),
    ("I.13.d", 15, 16, 93.75, False, "not_met", 6.25),
    ("I.13.e", 10, 10, 100.0, True, "met", 0.0),
    ("I.14", 3, 4, 75.0, False, "not_met", 25.0),
    ("I.15", 2, 2, 100.0, True, "met", 0.0),
    ("I.16", 5, 8, 62.5, False, "not_met", 37.5),
    ("II.1", 6, 6, 100.0, True, "met", 0.0),
    ("III.1", 3, 4, 75.0, False, "not_met", 25.0),
    ("IV.1", 4, 5, 80.0, True, "met", 0.0),
]

# Notes that must exist: (id, fragments that one note must all contain).
REQUIRED_NOTES = [
    ("I.13.a", ("741", "100,000")),
    ("I.2", ("Batas Waktu", "empty")),
    ("I.4", ("Batas Waktu", "empty")),
    ("I.15", ("Batas Waktu", "empty")),
    ("I.14", ("kunjungan", "visit", "person")),
    ("I.11", ("penjaringan",)),
    ("I.13.c", ("Basil Tahan Asam",)),
    ("II.1", ("Jumlah Rumah Sakit", "level 1")),
    ("I.8", ("x 100",)),
]


@pytest.fixture(scope="module")
def rs() -> Any:
    """The shipped Kulon Progo 2011 rule set."""
    return spmkit.load_rule_set("kulon-progo-2011")


@pytest.fixture(scope="module")
def example() -> dict[str, Any]:
    """The bundled example data file, as plain YAML."""
    with EXAMPLE_PATH.open(encoding="utf-8") as f:
        return yaml.safe_load(f)


class TestRuleSet:
    def test_identity(self, rs: Any) -> None:
        """The rule set is found by its id and carries the regulation's title."""
        assert rs.id == "kulon-progo-2011"
        assert rs.title == "Standar Pelayanan Minimal Bidang Kesehatan"

    def test_ids_in_printed_order(self, rs: Any) -> None:
        """The 23 indicators are exactly the Lampiran's rows, in printed order."""
        assert list(rs.indicators) == IDS

    def test_table_covers_every_row(self) -> None:
        """The expected tables of this file cover each row exactly once."""
        assert [row[0] for row in TABLE] == IDS
        assert [case[0] for case in CASES] == IDS
        assert sorted(i for i, _ in NAMES + SUB_ITEMS_13) == sorted(IDS)


class TestRows:
    @pytest.mark.parametrize("row", TABLE, ids=[row[0] for row in TABLE])
    def test_row_matches_regulation(self, rs: Any, row: tuple[Any, ...]) -> None:
        """Each row has the printed target, >= comparator, deadline, inputs and factor 100."""
        ind_id, service_type, target, deadline, numerator, denominator = row
        ind = rs.indicators[ind_id]
        assert ind.service_type == service_type
        assert ind.target.op == ">="
        assert ind.target.value == target
        assert ind.deadline == deadline
        assert ind.numerator.inputs == frozenset({numerator})
        assert ind.denominator.inputs == frozenset({denominator})
        assert ind.factor == 100

    @pytest.mark.parametrize(("ind_id", "name"), NAMES, ids=[n[0] for n in NAMES])
    def test_name_is_verbatim(self, rs: Any, ind_id: str, name: str) -> None:
        """Indicator names are the regulation's wording, typos included."""
        assert rs.indicators[ind_id].name == name

    @pytest.mark.parametrize(("ind_id", "sub_item"), SUB_ITEMS_13, ids=[n[0] for n in SUB_ITEMS_13])
    def test_sub_item_name_joins_parent_row(self, rs: Any, ind_id: str, sub_item: str) -> None:
        """Names of 13.a-e hold the parent row's text followed by the printed sub-item."""
        name = rs.indicators[ind_id].name
        assert name.startswith(PARENT_13)
        assert name.endswith(sub_item)

    @pytest.mark.parametrize("ind_id", IDS)
    def test_source_cites_the_lampiran(self, rs: Any, ind_id: str) -> None:
        """Every row cites its place in the Lampiran."""
        assert rs.indicators[ind_id].source.ref.startswith("Lampiran, No. ")


class TestNotes:
    @pytest.mark.parametrize(
        ("ind_id", "fragments"),
        REQUIRED_NOTES,
        ids=[f"{i}-{'-'.join(f)}" for i, f in REQUIRED_NOTES],
    )
    def test_discrepancy_is_recorded(
        self, rs: Any, ind_id: str, fragments: tuple[str, ...]
    ) -> None:
        """A known oddity of the printed row is recorded as a note on the indicator."""
        notes = rs.indicators[ind_id].notes
        assert isinstance(notes, tuple)
        assert any(all(frag in note for frag in fragments) for note in notes), notes

    @pytest.mark.parametrize("ind_id", ["I.2", "I.4", "I.15"])
    def test_empty_deadline_has_no_year(self, rs: Any, ind_id: str) -> None:
        """Rows whose Batas Waktu cell is empty have no deadline."""
        assert rs.indicators[ind_id].deadline is None


class TestEvaluation:
    @pytest.mark.parametrize("case", CASES, ids=[case[0] for case in CASES])
    def test_hand_computed_row(
        self, rs: Any, example: dict[str, Any], case: tuple[Any, ...]
    ) -> None:
        """Each row evaluates numerator / denominator x 100 against its printed target."""
        ind_id, numerator, denominator, value, met, status, gap = case
        num_name, den_name = next((r[4], r[5]) for r in TABLE if r[0] == ind_id)
        data = dict(example["data"])
        data[num_name] = numerator
        data[den_name] = denominator

        result = spmkit.evaluate(rs, data)[ind_id]

        assert result.numerator == numerator
        assert result.denominator == denominator
        assert result.value == value
        assert result.met is met
        assert result.status == spmkit.Status(status)
        assert result.gap == gap


class TestExample:
    def test_example_has_every_input(self, rs: Any, example: dict[str, Any]) -> None:
        """The bundled example gives an integer count for every input the rules read."""
        used = set()
        for ind in rs.indicators.values():
            used |= ind.numerator.inputs | ind.denominator.inputs
        assert used <= set(example["data"])
        assert all(type(v) is int for v in example["data"].values())

    def test_example_metadata(self, example: dict[str, Any]) -> None:
        """The bundled example names its year and region and says it is illustrative."""
        assert example["year"] == 2011
        assert example["region"] == "Kabupaten Kulon Progo"
        assert example["note"].startswith("Illustrative counts, not official statistics")

    def test_example_evaluates_fully(self, rs: Any, example: dict[str, Any]) -> None:
        """Every indicator of the example is met or not met, and some are not met."""
        report = spmkit.evaluate(rs, example["data"])
        statuses = {i: report[i].status for i in IDS}
        allowed = {spmkit.Status("met"), spmkit.Status("not_met")}
        assert set(statuses.values()) <= allowed
        assert spmkit.Status("not_met") in statuses.values()

    def test_example_not_met_rows(self, rs: Any, example: dict[str, Any]) -> None:
        """In the example exactly I.1, I.7, I.13.a, I.13.b and I.16 miss their targets."""
        report = spmkit.evaluate(rs, example["data"])
        not_met = [i for i in IDS if report[i].met is False]
        assert not_met == ["I.1", "I.7", "I.13.a", "I.13.b", "I.16"]

    def test_example_one_row_above_its_denominator(self, rs: Any, example: dict[str, Any]) -> None:
        """In the example only I.6 has a numerator larger than its denominator."""
        report = spmkit.evaluate(rs, example["data"])
        above = [i for i in IDS if report[i].numerator > report[i].denominator]
        assert above == ["I.6"]
        assert report["I.6"].value == pytest.approx(4912 / 4720 * 100)
