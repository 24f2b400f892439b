"""Liveness and readiness, without auth."""

from sqlalchemy import text

from handlers.runtime import current


def get_health():
    runtime = current()
    database = "ok"
    try:
        with runtime.session_factory() as session:
            session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means "not ready", reported, not raised
        database = "error"
    queue = runtime.jobs.health() if runtime.jobs is not None else "in-process"
    healthy = database == "ok" and queue != "error"
    result = {"status": "ok" if healthy else "degraded", "database": database, "queue": queue}
    if healthy:
        return {"success": True, "result": result}
    return {"success": False, "code": 503, "result": result}, 503
