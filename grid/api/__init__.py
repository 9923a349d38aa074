"""The grid API at /api/v1/grid/: one router per feature, mounted together (reliability has its own prefix)."""

from ninja import Router

from grid.api import crews, meter_events, network, outages, switching, work_orders

router = Router()
for feature in (network, switching, meter_events, outages, crews, work_orders):
    router.add_router("/", feature.router)
