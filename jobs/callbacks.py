"""Callbacks to URLs that clients registered: the promoted person, POSTed to its `callback_url`.

Jobs take a `JobContext` and ids, open their own unit of work, and are safe to run twice (the
receiver gets the same body with the same `Idempotency-Key`). A failed delivery raises, so the job
runner retries it; a URL that may never be called (see domain.providers.outbound) is logged and
dropped, since retrying cannot change the answer.
"""

import logging

from personas.domain import people
from personas.domain.providers import outbound
from personas.persistence import crypto

log = logging.getLogger("personas.jobs.callbacks")


class CallbackFailed(Exception):
    """The receiver did not confirm the delivery (a non-2xx answer or a failed call)."""


def post_promoted_person(ctx, temporary_person_id: str) -> int | None:
    """POST the person a temporary person became to its `callback_url`; returns the receiver's status."""
    if not crypto.is_configured():
        crypto.configure(ctx.settings)  # a worker process of its own has not seen the app factory
    with ctx.unit_of_work(readonly=True) as uow:
        temporary = uow.temporary_people.get(temporary_person_id)
        if temporary is None or temporary.person_id is None or not temporary.callback_url:
            return None
        person = uow.people.get_any(temporary.person_id)
        if person is None:
            return None
        url, payload = temporary.callback_url, people.view(uow, person)
    headers = {"Idempotency-Key": temporary_person_id}
    try:
        response = outbound.post_json(url, payload, ctx.settings.outbound_allowlist, headers=headers)
    except outbound.OutboundRefused as refused:
        log.warning("callback of temporary person %s refused: %s", temporary_person_id, refused)
        return None
    except outbound.OutboundFailed as failed:
        raise CallbackFailed(f"callback of temporary person {temporary_person_id}: {failed}") from failed
    if not 200 <= response.status < 300:
        raise CallbackFailed(f"callback of temporary person {temporary_person_id}: HTTP {response.status}")
    return response.status
