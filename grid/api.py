"""Network model API: summary, substations, feeders, meters."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router
from ninja.errors import HttpError
from ninja.pagination import LimitOffsetPagination, paginate

from grid import selectors
from grid.models import ServicePoint, Substation
from grid.schemas import ErrorOut, FeederOut, NetworkSummaryOut, ServicePointOut, SubstationOut

router = Router(tags=["grid"])


@router.get("/summary", response={200: NetworkSummaryOut, 401: ErrorOut})
def network_summary(request: HttpRequest) -> dict:
    """Row counts of the stored network and customers served."""
    return selectors.network_counts()


@router.get("/substations", response={200: list[SubstationOut], 401: ErrorOut, 422: dict})
@paginate(LimitOffsetPagination)
def substation_list(request: HttpRequest) -> list[dict]:
    """Substations with their feeder counts, by code."""
    return selectors.substations_with_counts().values("code", "name", "lon", "lat", "capacity_mva", "feeder_count")


@router.get("/feeders", response={200: list[FeederOut], 401: ErrorOut, 404: ErrorOut, 422: dict})
@paginate(LimitOffsetPagination)
def feeder_list(request: HttpRequest, substation: str | None = None) -> list:
    """Feeders with their size; `substation` filters by substation code."""
    station = None
    if substation is not None:
        station = Substation.objects.filter(code=substation).first()
        if station is None:
            raise HttpError(404, f"Unknown substation {substation!r}.")
    return selectors.feeder_summaries(substation=station)


@router.get("/meters/{meter_id}", response={200: ServicePointOut, 401: ErrorOut, 404: ErrorOut})
def meter_detail(request: HttpRequest, meter_id: str) -> dict:
    """One service point by meter id, with the transformer, feeder and substation it hangs on."""
    point = (
        ServicePoint.objects.select_related("transformer__feeder__substation")
        .filter(meter_id=meter_id.strip().upper())
        .first()
    )
    if point is None:
        raise HttpError(404, f"Unknown meter {meter_id!r}.")
    return {
        "meter_id": point.meter_id,
        "customer_class": point.customer_class,
        "customers": point.customers,
        "lon": point.lon,
        "lat": point.lat,
        "transformer": point.transformer.code,
        "transformer_kva": float(point.transformer.kva),
        "feeder": point.transformer.feeder.code,
        "substation": point.transformer.feeder.substation.code,
    }


from grid.operations_api import router as operations_router  # noqa: E402

router.add_router("/", operations_router)
