"""The service's typed contract: a pydantic model for every request and response body.

``docs/openapi.json`` is generated from these models, so a client generated from it gets
typed fields (``shown_value: str | None``, ``status: "met" | ...``) instead of
``dict[str, Any]``. The response models mirror the library's ``to_dict()`` shapes of the
result record (:class:`spmkit.IndicatorResult`); the service fills them from those
records and computes nothing of its own.
"""

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, StrictStr

__all__ = [
    "AggregateRequest",
    "AggregateResponse",
    "Band",
    "BatchRequest",
    "BatchResponse",
    "BatchRow",
    "BatchRowResult",
    "CompareRequest",
    "CompareResponse",
    "Dhis2DataValue",
    "Dhis2Request",
    "Dhis2Response",
    "DiffResponse",
    "EvaluateRequest",
    "EvaluateResponse",
    "ExplainInput",
    "ExplainRequest",
    "ExplainResponse",
    "GroupResult",
    "Health",
    "HistoryRequest",
    "HistoryResponse",
    "ImpactRequest",
    "ImpactResponse",
    "IndicatorDetail",
    "IndicatorResultModel",
    "InputDetail",
    "Problem",
    "Provenance",
    "QuarterlyRequest",
    "QuarterlyResponse",
    "RuleSetDetail",
    "RuleSetFor",
    "RuleSetList",
    "RuleSetSummary",
    "TargetModel",
    "TargetSource",
    "UploadResponse",
]

# A data value as JSON gives it. Text and booleans are accepted here so that the library,
# not the HTTP layer, refuses them with its own message ("give a number, not text").
DataValue = StrictInt | StrictFloat | StrictStr | StrictBool | None
Data = dict[str, DataValue]
Year = int | None
Status = Literal["met", "not_met", "no_data", "undefined"]
ProgressValue = Literal["met", "on_track", "behind", "overdue"]
Level = Literal["primary", "secondary", "unverified"]

_YEAR = Field(default=None, ge=1900, le=2200, description="judge against this year's milestone")
_PERIOD = Field(
    default=None,
    max_length=20,
    description="the period within the year (TW1-TW4, a month); kept with the answer",
)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests ------------------------------------------------------------------------------


class EvaluateRequest(_Strict):
    """One data set: input name -> count; ``year`` is the year it is for.

    With ``year`` each indicator is judged against its milestone of that year (as
    ``spmkit.evaluate(..., year=)``); ``period`` (``TW3``) is carried into the answer.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"data": {"bumil_k4": 950, "sasaran_bumil": 1000}}]},
    )
    data: Data
    year: int | None = _YEAR
    period: str | None = _PERIOD


class ExplainRequest(EvaluateRequest):
    """One data set and the indicator to explain."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"data": {"bumil_k4": 949, "sasaran_bumil": 1000}, "indicator": "I.1"}]
        },
    )
    indicator: str = Field(min_length=1, max_length=200)
    lang: Literal["id", "en"] = "en"


class BatchRow(_Strict):
    """One row of a batch: a region, year and period, and its data."""

    data: Data
    region: str | None = Field(default=None, max_length=500)
    year: int | None = _YEAR
    period: str | None = _PERIOD


class BatchRequest(_Strict):
    """Rows evaluated one by one; a bad row does not stop the others."""

    rows: list[BatchRow]


class CompareRequest(_Strict):
    """One data set judged under several rule sets."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "rule_sets": ["permenkes-4-2019", "kubu-raya-2021"],
                    "data": {"dm_standar": 4950, "dm_estimasi": 5297},
                }
            ]
        },
    )
    rule_sets: list[str] = Field(min_length=1)
    data: Data
    inputs: dict[str, dict[str, str]] | None = None


class HistoryRequest(_Strict):
    """One row per year of a jurisdiction: each judged under the rule set of its year."""

    jurisdiction: str = Field(min_length=1, max_length=200)
    rows: list[BatchRow] = Field(description="each row's year (required) and data")


class AggregateRequest(_Strict):
    """Rows of a finer level (villages, months) summed per group, then evaluated."""

    rows: list[dict[str, DataValue]] = Field(description="columns: keys and input counts")
    by: list[str] = Field(max_length=10, description="the key columns of the groups")
    period: str | None = Field(default=None, max_length=200)
    place: str | None = Field(default=None, max_length=200)


class Dhis2Request(_Strict):
    """Rows to export as a DHIS2 dataValueSet, with the mapping (docs/dhis2.md) as JSON."""

    mapping: dict[str, Any] = Field(description="the mapping document: dhis2: 1, org_units...")
    rows: list[BatchRow]


class QuarterlyRequest(_Strict):
    """Each quarter's data (TW1-TW4) of one year, for the quarterly e-SPM report."""

    quarters: dict[str, Data]


class ImpactRequest(_Strict):
    """Which regions' results the changes from rule set ``a`` to ``b`` move."""

    a: str
    b: str
    rows: list[dict[str, DataValue]]
    keys: list[str] = Field(default_factory=list, max_length=10)


# --- the result record ---------------------------------------------------------------------


class TargetModel(BaseModel):
    """A target: comparator and value on the indicator's scale (``>= 95``)."""

    op: str
    value: int | float


class TargetSource(BaseModel):
    """Where a target comes from when it is not the indicator's own source (an overlay)."""

    ref: str
    instrument: str | None
    verification: Level
    rule_set: str | None


class Provenance(BaseModel):
    """The source of one value a result used, with its own verification level."""

    ref: str
    verification: Level


class IndicatorResultModel(BaseModel):
    """One indicator's result: the library's result record (``IndicatorResult.to_dict()``).

    ``value`` is the exact value's nearest float; ``shown_value`` is the text to print: the
    fewest decimals (at least two) that decide target, milestone and band edges exactly as
    the exact value does, so a client never needs to round.
    """

    indicator: str
    name: str
    status: Status
    value: float | None
    numerator: int | float | None = Field(description="a count as an integer")
    denominator: int | float | None = Field(description="a count as an integer")
    factor: int | float
    target: TargetModel
    deadline: int | None
    met: bool | None
    gap: float | None
    exceeds_denominator: bool
    missing_inputs: list[str]
    source: str
    target_source: TargetSource | None
    explanation: str
    explanation_id: str
    progress: ProgressValue | None = Field(description="where the value stands in that year")
    milestone: int | float | None = Field(description="the target in force for the year judged")
    interval: list[float] | None = Field(description="Wilson 95 % interval, on the scale")
    small_denominator: bool
    band: str | None
    band_en: str | None
    shown_value: str | None = Field(description="the value as text, deciding like the value")
    shown_gap: str | None = Field(description="the gap as text; a not-met gap is never 0")
    provenance: dict[str, Provenance]


class EvaluateResponse(BaseModel):
    """One data set's report: every indicator's result, and the year and period asked for."""

    rule_set: str
    year: int | None
    period: str | None
    results: list[IndicatorResultModel]


class ExplainInput(BaseModel):
    """One input the explained indicator uses, with the value given."""

    name: str
    label: str
    unit: str
    value: float | int | str | bool | None


class ExplainResponse(IndicatorResultModel):
    """One indicator's result, its explanation in the language asked for, and its inputs."""

    year: int | None
    period: str | None
    text: str = Field(description="the explanation in the language asked for (lang)")
    inputs: list[ExplainInput]
    notes: list[str]


class BatchRowResult(BaseModel):
    """One row's results, or the problems that kept it from evaluation."""

    row: int
    region: str | None
    year: int | None
    period: str | None
    results: list[IndicatorResultModel] | None
    problems: list[str]


class BatchResponse(BaseModel):
    """Every row of a batch, in order."""

    rule_set: str
    rows: list[BatchRowResult]


class UploadResponse(BatchResponse):
    """Every row of an uploaded file, and the file's name."""

    source: str


# --- rule sets -----------------------------------------------------------------------------


class Jurisdiction(BaseModel):
    """Where a rule set applies."""

    level: str
    name: str
    province: str | None


class RuleSetSummary(BaseModel):
    """A rule set in a list: what it is, where and when it applies, how verified."""

    id: str
    title: str
    title_en: str | None
    legal_basis: str
    jurisdiction: Jurisdiction
    in_force_from: str | None = Field(description="first day in force (ISO date)")
    in_force_until: str | None = Field(description="last day in force; null: still in force")
    indicators: int
    verification: dict[str, int]


class RuleSetList(BaseModel):
    """The rule sets the service serves."""

    rule_sets: list[RuleSetSummary]


class RuleSetFor(RuleSetSummary):
    """The rule set that applied to a jurisdiction in a year."""

    asked: dict[str, Any] = Field(description="the jurisdiction and year asked about")
    notes: list[str] = Field(
        default_factory=list,
        description="what a result must say about the choice: the national set, no known end",
    )


class InputDetail(BaseModel):
    """One input of a rule set."""

    name: str
    label: str
    label_en: str | None
    unit: str
    kind: str
    required: bool


class Band(BaseModel):
    """One category of an indicator's value (``Tuntas Utama``: at least 90)."""

    label: str
    label_en: str | None
    at_least: float | None
    at_most: float | None
    verification: Level


class IndicatorDetail(BaseModel):
    """One indicator of a rule set: formula, target, milestones, bands and sources."""

    id: str
    name: str
    name_en: str | None
    service_type: str
    kind: Literal["proportion", "ratio", "continuous-variable"]
    numerator: str
    denominator: str
    factor: float
    target: TargetModel
    deadline: int | None
    milestones: dict[str, float] = Field(description="year -> the target in force that year")
    bands: list[Band]
    source: str
    verification: dict[str, Level]
    provenance: dict[str, Provenance]
    notes: list[str]


class RuleSetDetail(RuleSetSummary):
    """One rule set in full: inputs and indicators."""

    notes: list[str]
    inputs: list[InputDetail]
    indicators: list[IndicatorDetail]  # type: ignore[assignment] # the summary counts them


class Health(BaseModel):
    """Whether the service is up."""

    status: Literal["ok"]
    version: str
    rule_sets: int


class CompareRow(BaseModel):
    """One indicator aligned across the rule sets compared (null: not in that rule set)."""

    id: str
    results: dict[str, IndicatorResultModel | None]


class CompareResponse(BaseModel):
    """One data set judged under several rule sets, aligned by indicator."""

    rule_sets: list[str]
    indicators: list[CompareRow]
    disagreements: list[Any]


class DiffResponse(BaseModel):
    """What changed from rule set ``a`` to ``b``."""

    a: str
    b: str
    added: list[Any]
    removed: list[Any]
    changed: list[dict[str, Any]]
    paired: list[Any]


class HistoryResponse(BaseModel):
    """Each year's rule set and report (``History.to_dict()``)."""

    jurisdiction: str
    years: list[dict[str, Any]]


class GroupResult(BaseModel):
    """One group's totals and its results."""

    group: dict[str, Any]
    data: dict[str, float | int | None]
    results: list[IndicatorResultModel]


class AggregateResponse(BaseModel):
    """Each group's summed inputs, evaluated."""

    rule_set: str
    groups: list[GroupResult]


class Dhis2DataValue(BaseModel):
    """One DHIS2 data value."""

    dataElement: str  # noqa: N815 - DHIS2's name
    period: str
    orgUnit: str  # noqa: N815 - DHIS2's name
    value: str
    categoryOptionCombo: str | None = None  # noqa: N815 - DHIS2's name


class Dhis2Response(BaseModel):
    """A DHIS2 ``dataValueSets`` payload (``POST /api/dataValueSets``)."""

    model_config = ConfigDict(populate_by_name=True)
    idScheme: str | None = None  # noqa: N815 - DHIS2's name
    dataValues: list[Dhis2DataValue]  # noqa: N815 - DHIS2's name


class QuarterlyResponse(BaseModel):
    """The quarterly report's rows: per quarter and service, figures so far."""

    rule_set: str
    rows: list[dict[str, Any]]


class ImpactResponse(BaseModel):
    """Per changed indicator: the fields changed, regions moved, verdicts flipped."""

    a: str
    b: str
    changes: list[dict[str, Any]]


class Problem(BaseModel):
    """An RFC 9457 problem document; ``errors`` lists each problem the library found."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None
