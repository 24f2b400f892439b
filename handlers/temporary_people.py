"""Temporary people, and their promotion to definitive people.

The promotion's callback is queued after the commit; a queue outage loses that one callback (it is
logged). Moving it to the transactional outbox, which the events already use, would make it as
durable as they are.
"""

import logging

from personas.domain import bank_data as banking
from personas.domain import employment_data as employment
from personas.domain import people
from personas.domain import temporary_people as temporaries
from personas.handlers.envelope import envelope, paginated
from personas.handlers.outbound_urls import check_saved_urls
from personas.handlers.runtime import current, unit_of_work
from personas.handlers.schemas.temporary_people import load_promotion, temporary_in, temporary_out

CALLBACK_JOB = "personas.jobs.callbacks.post_promoted_person"
log = logging.getLogger("personas.temporary_people")


def list_temporary_people(page=1, per_page=20, cursor=None):
    with unit_of_work() as uow:
        result = uow.temporary_people.page(page, per_page, cursor)
        return paginated(result, temporary_out.dump(result.items, many=True))


def create_temporary_person(body):
    data = temporary_in.load(body)
    check_saved_urls(data, ("callback_url",))
    with unit_of_work() as uow:
        temporary = temporaries.create_temporary_person(uow, data)
        result = temporary_out.dump(temporary)
        uow.commit()
    return envelope(result), 201


def get_temporary_person(id):
    with unit_of_work() as uow:
        return envelope(temporary_out.dump(temporaries.get_temporary_person(uow, id)))


def update_temporary_person(id, body):
    changes = temporary_in.load(body)
    check_saved_urls(changes, ("callback_url",))
    with unit_of_work() as uow:
        temporary = temporaries.update_temporary_person(uow, id, changes)
        result = temporary_out.dump(temporary)
        uow.commit()
    return envelope(result)


def _record_creators(uow) -> dict:
    """How a promotion stores employment and bank data: the use cases of their own resources."""
    return {
        "employment_data": lambda data: employment.KIND.create(uow, data),
        "bank_data": lambda data: banking.KIND.create(uow, data),
    }


def promote_temporary_person(id, body):
    with unit_of_work() as uow:
        temporary = temporaries.claim(uow, id)
        promotion = load_promotion(temporaries.promotion_request(temporary, body))
        person = temporaries.promote(uow, temporary, promotion, _record_creators(uow))
        result = people.view(uow, person)
        uow.commit()
    if temporary.callback_url:
        # After the commit: the job reads the person in its own unit of work. The person exists now,
        # so a queue that refuses the job must not turn this answer into an error.
        try:
            current().jobs.enqueue(CALLBACK_JOB, temporary.id)
        except Exception:  # noqa: BLE001 - logged; see the module docstring
            log.exception("callback of temporary person %s could not be queued", temporary.id)
    return envelope(result), 201
