"""The skeleton of a new rule set (``spmkit new rule-set``): a file that loads, to fill in.

:func:`skeleton` writes the YAML text of a rule set that passes ``spmkit check`` as it
is: the JSON-Schema modeline first (docs/schema.md), then one service with the three
rows every urusan has (penerima ``1``, mutu ``M.1``, index ``IP.1``), or, with
``extends``, an overlay that changes one target of its base. Every value is marked
``unverified`` with a note saying what to look up: a skeleton remembers nothing as fact.
:func:`spmkit._files.outputs.create_file` writes it without ever replacing a file.
"""

from __future__ import annotations

import re
from typing import Final

from spmkit._rulesets.model import RuleSet
from spmkit._rulesets.timekeys import SECTORS
from spmkit._translation import tr
from spmkit.errors import UsageError

__all__ = ["LEVELS", "skeleton"]

LEVELS: Final = ("kabupaten/kota", "provinsi", "kabupaten", "kota")
"""``jurisdiction.level``: nationwide sets (``kabupaten/kota``, ``provinsi``), or a
regency's (``kabupaten``) or city's (``kota``) own."""

DEFAULT_SCHEMA: Final = "./rule-set.schema.json"
"""Where the modeline points by default: ``spmkit schema > rule-set.schema.json`` beside."""

_ID: Final = re.compile(r"[a-z0-9][a-z0-9-]{0,79}\Z")

_SOURCE: Final = """\
      ref: "TODO: where in the instrument (Lampiran, table, page)"
      verification: unverified
      note: "TODO: quote the source and set verification to primary or secondary"
"""

_HEADER: Final = """\
{modeline}
spmkit: 1
id: {id}
{extends}title: "TODO: {title}"
jurisdiction:
  level: {level}
  name: {name}
legal_basis:
  instrument: "TODO: {instrument} ..."
  number: "TODO"
  year: {year}
  title: "TODO: the instrument's title"
sector: {sector}
in_force:  # docs/time.md
  from: {year}
  until: null
  source:
    ref: "TODO: the article or date that puts it in force"
    verification: unverified
    note: "TODO: the day of enactment; until: the day before its successor"
notes:
  - "Skeleton written by spmkit new rule-set: every value is unverified until a source is read."
"""

_FULL: Final = """language: id

inputs:
  penerima_terlayani:
    label: "TODO: Jumlah warga negara yang mendapat layanan dasar sesuai standar"
    unit: person
  penerima_sasaran:
    label: "TODO: Jumlah warga negara yang harus mendapat layanan dasar"
    unit: person
  mutu_1_barang_dibutuhkan:
    label: "Jumlah barang/jasa mutu minimal yang harus dipenuhi"
    unit: item
    aggregate: same
  mutu_1_barang_terpenuhi:
    label: "Jumlah barang/jasa mutu minimal yang terpenuhi"
    unit: item
    aggregate: last
  mutu_1_sdm_dibutuhkan:
    label: "Jumlah sumber daya manusia mutu minimal yang harus dipenuhi"
    unit: item
    aggregate: same
  mutu_1_sdm_terpenuhi:
    label: "Jumlah sumber daya manusia mutu minimal yang terpenuhi"
    unit: item
    aggregate: last

service_types:
  a:
    name: "TODO: jenis pelayanan dasar, as PP 2/2018 Pasal 5-10 names it"

indicators:
  "1":
    service_type: a
    name: "TODO: Persentase warga negara yang mendapat layanan dasar sesuai standar"
    numerator: penerima_terlayani
    denominator: penerima_sasaran
    factor: 100
    target: {{op: ">=", value: 100}}
    deadline: null
    coverage: true
    source:
{source}  M.1:
    service_type: a
    name: "Persentase pencapaian mutu minimal layanan dasar"
    numerator: mutu_1_barang_terpenuhi + mutu_1_sdm_terpenuhi
    denominator: mutu_1_barang_dibutuhkan + mutu_1_sdm_dibutuhkan
    factor: 100
    target: {{op: ">=", value: 100}}
    deadline: null
    coverage: true
    source:
{source}  IP.1:
    service_type: a
    name: "Indeks pencapaian SPM"
    index:
      weights: {{"1": 0.8, M.1: 0.2}}
      missing: no_data
    target: {{op: ">=", value: 100}}
    deadline: null
    source:
{source}"""

_OVERLAY: Final = """
indicators:
  "{first}":
    target: {{op: "{op}", value: {target}}}
    sources:
      target:
{target_source}"""


def _name(level: str) -> str:
    return {
        "kabupaten/kota": "Setiap kabupaten/kota",
        "provinsi": "Setiap provinsi",
        "kabupaten": "Kabupaten TODO",
        "kota": "Kota TODO",
    }[level]


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def skeleton(  # noqa: PLR0913 - each option of spmkit new rule-set
    rule_set_id: str,
    *,
    sector: str,
    level: str,
    extends: RuleSet | None = None,
    jurisdiction: str | None = None,
    year: int = 2025,
    schema: str = DEFAULT_SCHEMA,
) -> str:
    """The YAML text of a new rule set that loads as it is (every value unverified).

    Args:
        rule_set_id: the new id (lower-case letters, digits and hyphens).
        sector: one of :data:`SECTORS`.
        level: one of :data:`LEVELS`.
        extends: the base rule set of an overlay; its sector must be ``sector``.
        jurisdiction: the jurisdiction's name (default: ``Setiap kabupaten/kota`` for a
            nationwide set, ``Kabupaten TODO`` for a regency's own).
        year: the year it is in force from (and of its legal basis), to correct.
        schema: where the JSON-Schema modeline points (a path relative to the file, or a URL).

    Raises:
        UsageError: a bad id, sector, level, or a base of another sector.
    """
    if not _ID.match(rule_set_id):
        msg = tr(
            "rule-set id {id!r} must be lower-case letters, digits and hyphens, starting "
            "with a letter or digit (e.g. spm-sosial-kabupaten-contoh-2025)",
            id=rule_set_id,
        )
        raise UsageError(msg)
    for name, value, allowed in (("sector", sector, SECTORS), ("level", level, LEVELS)):
        if value not in allowed:
            msg = tr(
                "--{name} must be one of {allowed} (got {value!r})",
                name=name,
                allowed=", ".join(allowed),
                value=value,
            )
            raise UsageError(msg)
    if "\n" in schema or "\n" in (jurisdiction or ""):
        raise UsageError(tr("--schema and --jurisdiction must be one line each"))
    header = {
        "modeline": f"# yaml-language-server: $schema={schema}",
        "id": rule_set_id,
        "extends": "" if extends is None else f"extends: {extends.id}\n",
        "level": _quoted(level),
        "name": _quoted(jurisdiction or _name(level)),
        "year": year,
        "sector": sector,
    }
    if extends is None:
        top = _HEADER.format(
            **header,
            title="Standar Pelayanan Minimal ... (the instrument's title)",
            instrument="Peraturan Menteri",
        )
        return top + _FULL.format(source=_SOURCE)
    if extends.sector is not None and extends.sector != sector:
        msg = tr(
            "{base} is a rule set of urusan {base_sector!r}, not {sector!r}",
            base=extends.id,
            base_sector=extends.sector,
            sector=sector,
        )
        raise UsageError(msg)
    first = next(iter(extends.indicators.values()))
    base_target = first.target.value
    top = _HEADER.format(
        **header,
        title="the regency's instrument (Perbup/Perwali, Renstra, LKjIP) and year",
        instrument="Peraturan Bupati",
    )
    return top + _OVERLAY.format(
        first=first.id,
        op=first.target.op,
        target=int(base_target) if base_target.denominator == 1 else float(base_target),
        target_source=_SOURCE.replace("      ", "        "),
    )
