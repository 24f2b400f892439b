"""ASGI entry for uvicorn workers; the parent `personas serve` has already migrated the database."""

import gc

from personas import telemetry
from personas.app import create_app


def create():
    app = create_app(migrate=False)
    telemetry.mark_dead_at_exit()
    # The app's long-lived objects (the parsed spec, routes, compiled validators) are many: left in the
    # collector's generations, every full collection walks them all, a pause that showed as the latency
    # tail. Frozen, they are out of the collector's way; what requests allocate is collected as before.
    gc.freeze()
    return app
