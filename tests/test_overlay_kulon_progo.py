"""Kulon Progo 2011 as an overlay of Permenkes 741/2008 equals the stand-alone file."""

from __future__ import annotations

import warnings

import pytest

import spmkit
from spmkit._language.expr import render
from spmkit._rulesets.model import PROVENANCE_FIELDS


@pytest.fixture(scope="module")
def pair():
    with warnings.catch_warnings():
        warnings.simplefilter("error", spmkit.UnverifiedValuesWarning)
        overlay = spmkit.load_rule_set("kulon-progo-2011-overlay")
        alone = spmkit.load_rule_set("kulon-progo-2011")
    return overlay, alone


def essence(indicator):
    return {
        "service_type": indicator.service_type,
        "name": indicator.name,
        "name_en": indicator.name_en,
        "numerator": render(indicator.numerator),
        "denominator": render(indicator.denominator),
        "factor": indicator.factor,
        "target": indicator.target,
        "deadline": indicator.deadline,
        "notes": indicator.notes,
        "coverage": indicator.coverage,
        "units": indicator.units,
        "row": indicator.source.ref,
        **{
            f"{field}_source": (
                indicator.source_of(field).ref,
                indicator.source_of(field).verification,
            )
            for field in PROVENANCE_FIELDS
        },
    }


def test_same_indicators_in_the_same_order(pair):
    """The resolved overlay has exactly the Lampiran's 23 rows, in printed order."""
    overlay, alone = pair
    assert list(overlay.indicators) == list(alone.indicators)
    assert len(overlay.indicators) == 23


@pytest.mark.parametrize("indicator_id", list(spmkit.load_rule_set("kulon-progo-2011").indicators))
def test_same_row(pair, indicator_id):
    """Each row has the same name, formula, target, deadline, notes and cited sources."""
    overlay, alone = pair
    assert essence(overlay.indicators[indicator_id]) == essence(alone.indicators[indicator_id])


def test_same_metadata_and_service_types(pair):
    """Jurisdiction, legal basis and service-type names are Kulon Progo's, not 741's."""
    overlay, alone = pair
    assert overlay.jurisdiction == alone.jurisdiction
    assert overlay.legal_basis == alone.legal_basis
    assert {k: v.name for k, v in overlay.service_types.items()} == {
        k: v.name for k, v in alone.service_types.items()
    }


def test_every_value_is_cited_by_kulon_progo_and_primary(pair):
    """No value of the overlay still rests on an unverified 741 source (loading did not warn)."""
    overlay, _ = pair
    assert overlay.unverified == ()
    assert {
        overlay.indicators[i].source_of(f).rule_set
        for i in overlay.indicators
        for f in PROVENANCE_FIELDS
    } == {"kulon-progo-2011-overlay"}


def test_same_results_on_the_example_data(pair):
    """Both evaluate the shipped example data identically."""
    import yaml  # noqa: PLC0415

    from test_kulon_progo_2011 import EXAMPLE_PATH  # noqa: PLC0415

    data = yaml.safe_load(EXAMPLE_PATH.read_text(encoding="utf-8"))["data"]
    overlay, alone = pair
    a, b = spmkit.evaluate(overlay, data), spmkit.evaluate(alone, data)
    assert [(r.exact_value, r.status) for r in a.values()] == [
        (r.exact_value, r.status) for r in b.values()
    ]
    assert sum(r.status is spmkit.Status.MET for r in a.values()) > 0
