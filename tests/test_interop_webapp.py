"""The browser front door, in a real browser: Debian's chromium driven by chromedriver.

A real `spmkit serve` is started; headless chromium finds the rule set by regency and
year, uploads a workbook, reads the regions page and the explanations, downloads the
xlsx and compares it with what `spmkit evaluate -o x.xlsx` writes for the same file.
Screenshots are saved next to the test's temporary files (and under SPMKIT_SCREENSHOTS
when that is set, to look at).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import spmkit
from test_interop_service import Server, spmkit_script

CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = shutil.which("chromium")
KP = "kulon-progo-2011"
ROWS = [("Wates", 1000, 950), ("Sentolo", 100000, 94996), ("Kokap", 800, 700)]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        CHROMIUM is None or not CHROMEDRIVER.exists(),
        reason="Debian's chromium and chromium-driver are not installed (.ci/run installs them)",
    ),
]


def workbook(path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "2011"
    sheet.append(["Puskesmas", "Sasaran Bumil", "bumil_k4"])
    for name, target, visits in ROWS:
        sheet.append([name, target, visits])
    book.save(path)


def cells(path: Path) -> dict[str, list[list[tuple[object, str]]]]:
    """Every sheet's cells: value and number format (what the office sees)."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.load_workbook(path)
    return {
        sheet.title: [
            [(cell.value, cell.number_format) for cell in row] for row in sheet.iter_rows()
        ]
        for sheet in book.worksheets
    }


def library_explanations(path: Path) -> list[list[str]]:
    """Each row's explanations in Indonesian, as the library gives them for the file."""
    from spmkit._files.reading import read_data  # noqa: PLC0415 - the one table reader
    from spmkit._files.table import evaluate_table  # noqa: PLC0415

    rule_set = spmkit.load_rule_set(KP)
    outcomes = evaluate_table(rule_set, read_data(path, rule_set)).outcomes
    return [
        [result.explanation_in("id") for result in outcome.report.values()] for outcome in outcomes
    ]


@pytest.fixture
def browser(tmp_path):
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service  # noqa: PLC0415 - optional

    downloads = tmp_path / "downloads"
    downloads.mkdir()
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--window-size=1200,1600",
        f"--user-data-dir={tmp_path / 'profile'}",
    ):
        options.add_argument(flag)
    options.add_experimental_option(
        "prefs",
        {"download.default_directory": str(downloads), "download.prompt_for_download": False},
    )
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.execute_cdp_cmd(
        "Page.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
    )
    driver.downloads = downloads
    yield driver
    driver.quit()


def screenshot(driver, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    driver.save_screenshot(str(path))
    keep = os.environ.get("SPMKIT_SCREENSHOTS")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(keep) / path.name)
    return path


def loaded(browser, selector: str) -> str:
    """The new page's text, once it shows ``selector`` (waited up to two minutes)."""
    from selenium.webdriver.common.by import By  # noqa: PLC0415 - optional
    from selenium.webdriver.support.ui import WebDriverWait  # noqa: PLC0415 - optional

    WebDriverWait(browser, 120).until(
        lambda driver: driver.find_elements(By.CSS_SELECTOR, selector)
    )
    return str(browser.find_element(By.TAG_NAME, "body").text)


def test_front_door_in_chromium(tmp_path, browser):
    """Find the rule set, upload, read the page and explanations, download the CLI's xlsx."""
    from selenium.webdriver.common.by import By  # noqa: PLC0415 - optional

    server = Server(tmp_path, token_file=False)
    try:
        data = tmp_path / "rekap.xlsx"
        workbook(data)
        # 1. The form, in Indonesian by default.
        browser.get(f"{server.url}/")
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "id"
        heading = browser.find_element(By.TAG_NAME, "h1").text
        assert heading == "Standar Pelayanan Minimal (SPM): evaluasi berkas rekap"
        # 2. Find the rule set by regency and year (a plain GET form, no script).
        browser.find_element(By.ID, "jurisdiction").send_keys("Kabupaten Kulon Progo")
        browser.find_element(By.ID, "year").send_keys("2012")
        browser.find_element(By.CSS_SELECTOR, "form[method=get] button").click()
        status = browser.find_element(By.CSS_SELECTOR, "[role=status]").text
        assert status == f"Kumpulan aturan ditemukan: {KP}"
        chosen = browser.find_element(By.CSS_SELECTOR, "#rule_set option:checked")
        assert chosen.get_attribute("value") == KP
        screenshot(browser, tmp_path, "1-form")
        # 3. Upload the workbook.
        browser.find_element(By.ID, "file").send_keys(str(data))
        browser.find_element(By.CSS_SELECTOR, "form[method=post] button").click()
        # 4. The regions page and the explanations, once the browser has loaded it (on a
        # loaded machine the old page can be gone before the new one has a body).
        text = loaded(browser, "#explanations summary")
        assert "Sentolo" in text
        assert "94,996" in text  # the shown value that decides like the exact one
        screenshot(browser, tmp_path, "2-regions")
        summaries = browser.find_elements(By.CSS_SELECTOR, "#explanations summary")
        assert [s.text.split()[0] for s in summaries] == [name for name, _, _ in ROWS]
        summaries[1].click()
        shown = browser.find_elements(By.CSS_SELECTOR, "#explanations details[open] li")
        assert [item.text for item in shown] == library_explanations(data)[1]
        browser.execute_script("document.getElementById('explanations').scrollIntoView()")
        screenshot(browser, tmp_path, "3-explanations")
        # 5. Download the xlsx and compare it with the command line's.
        browser.find_element(By.CSS_SELECTOR, "a[download]").click()
        target = browser.downloads / "rekap-kulon-progo-2011.xlsx"
        for _ in range(300):
            if target.exists() and target.stat().st_size > 0:
                break
            time.sleep(0.1)
        cli = tmp_path / "cli.xlsx"
        done = subprocess.run(
            [spmkit_script(), "evaluate", KP, "rekap.xlsx", "-o", str(cli), "--lang", "id"],
            cwd=tmp_path,
            check=False,
            capture_output=True,
            timeout=120,
        )
        assert done.returncode == 1, done.stderr  # 1: some indicator is not met
        assert cells(target) == cells(cli)
        # 6. English on request.
        browser.get(f"{server.url}/?lang=en")
        assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
        heading = browser.find_element(By.TAG_NAME, "h1").text
        assert heading == "Minimum service standards (SPM): evaluate a workbook"
        screenshot(browser, tmp_path, "4-english")
        # No request left the machine: the page's resources are its own (CSP 'none').
        entries = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
        )
        assert all(name.startswith(server.url) for name in entries)
    finally:
        server.stop()
