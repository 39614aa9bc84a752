"""spmkit for other systems: an HTTP service, FHIR R4 and DHIS2 exports, rule tests as data.

Each module here sits on the public library API (``import spmkit``) and imports its
optional dependency (FastAPI, uvicorn) only when used, so importing this package costs
nothing:

- :mod:`spmkit._interop.service`: ``spmkit serve``, the library over HTTP (``serve`` extra).
- :mod:`spmkit._interop.fhir`: reports as FHIR R4 ``MeasureReport`` and ``Measure`` resources.
- :mod:`spmkit._interop.dhis2`: ``dataValueSets`` export, analytics (``includeNumDen``) import.
- :mod:`spmkit._interop.ruletests`: ``<id>.tests.yaml`` cases, ``spmkit test``, the pytest plugin.
"""
