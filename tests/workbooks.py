"""Workbooks kept the way a Dinas Kesehatan keeps them, built with openpyxl for the tests."""

from __future__ import annotations

from pathlib import Path

PUSKESMAS = ("Wates", "Pengasih", "Sentolo", "Nanggulan")
# K4 visits and pregnant women per puskesmas, per year (made-up counts; the sums are exact).
K4 = {"2011": (1020, 985, 1104, 610), "2012": (1031, 990, 1120, 622)}
BUMIL = {"2011": (1050, 1012, 1180, 640), "2012": (1060, 1015, 1175, 650)}
# The 2012 totals row is off by 100 in K4: the check must say so.
TOTAL_K4 = {"2011": sum(K4["2011"]), "2012": sum(K4["2012"]) + 100}
HEADER = (
    "No",
    "Puskesmas",
    "Jumlah ibu Hamil yang mendapat pelayanan antenatal K4",
    "Jumlah sasaran Ibu Hamil",
    "Keterangan",
)


def dinkes_workbook(path: Path) -> Path:
    """Two year sheets, each: two title rows, a blank row, the header at row 4, four
    puskesmas rows with Indonesian thousands separators in some text cells, a JUMLAH
    KABUPATEN totals row and a footnote row."""
    import openpyxl  # noqa: PLC0415 - the excel extra, for these tests only

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for year in ("2011", "2012"):
        sheet = workbook.create_sheet(year)
        sheet.append(["REKAPITULASI CAPAIAN SPM BIDANG KESEHATAN"])
        sheet.merge_cells("A1:E1")
        sheet.append([f"KABUPATEN KULON PROGO TAHUN {year}"])
        sheet.append([])
        sheet.append(list(HEADER))
        for number, name in enumerate(PUSKESMAS, start=1):
            k4, bumil = K4[year][number - 1], BUMIL[year][number - 1]
            # Text with a thousands dot in one column: the file's '95,26' settles it.
            shown = f"{k4 // 1000}.{k4 % 1000:03d}" if k4 >= 1000 else k4
            sheet.append([number, name, shown, bumil, "95,26" if number == 1 else None])
        sheet.append([None, "JUMLAH KABUPATEN", TOTAL_K4[year], sum(BUMIL[year]), None])
        sheet.append(["Sumber: Seksi Kesehatan Keluarga, Dinas Kesehatan Kab. Kulon Progo"])
    workbook.save(path)
    return path
