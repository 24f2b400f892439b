"""The in-process job runner: delivery batches run on threads of their own."""

import threading

from personas.jobs import deliveries, validations
from personas.jobs.runner import InProcessJobs, JobContext


def test_deliveries_stuck_on_silent_receivers_never_hold_up_a_validation_run(monkeypatch):
    released, ran = threading.Event(), threading.Event()
    started = threading.Semaphore(0)

    def stuck_batch(ctx, delivery_ids, lease):
        started.release()
        released.wait(10)

    monkeypatch.setattr(deliveries, "deliver_many", stuck_batch)
    monkeypatch.setattr(validations, "run_validation", lambda ctx, result_id: ran.set())
    jobs = InProcessJobs(JobContext(settings=None, session_factory=None), workers=2)
    try:
        # More batches than all the runner's threads together: on shared threads they would take them all.
        for n in range(6):
            jobs.enqueue("personas.jobs.deliveries.deliver_many", [f"d{n}"], "lease")
        assert started.acquire(timeout=5) and started.acquire(timeout=5)
        jobs.enqueue("personas.jobs.validations.run_validation", "result")
        assert ran.wait(5), "the validation run waited behind the delivery batches"
    finally:
        released.set()
        jobs.drain()
