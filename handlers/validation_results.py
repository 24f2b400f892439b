"""Validation results, and the runs of a person's validations.

Runs answer at once: the results are written pending (status 3) and their jobs start once the
transaction has committed, through the jobs the unit of work was given (handlers.runtime).
"""

from personas.domain import screenings, validations
from personas.domain.validations import result_view
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.validations import run_validations

RUNNING = "Validations running on background"
RERUN = "Ok"


def list_validation_results(page=1, per_page=20, model_id=None, validation_id=None, cursor=None):
    with unit_of_work() as uow:
        result = uow.validations.results_page(
            page, per_page, model_id=model_id, validation_id=validation_id, cursor=cursor
        )
        return paginated(result, [result_view(r) for r in result.items])


def get_validation_result(id):
    with unit_of_work() as uow:
        return envelope(result_view(validations.get_result(uow, id)))


def run_validation_result(id, force=False):
    with unit_of_work() as uow:
        result = validations.rerun(uow, id, force=bool(force))
        view = result_view(result)
        uow.commit()
    # The seed answers 200 with "Ok"; the pending result goes beside it.
    return envelope(RERUN, validation_result=view)


def run_person_validations(id, body=None):
    data = run_validations.load(body or {})
    with unit_of_work() as uow:
        validations.run_for_person(uow, id, data["validations"])
        uow.commit()
    return envelope(RUNNING)


def run_person_address_validations(id, body=None):
    data = run_validations.load(body or {})
    with unit_of_work() as uow:
        validations.run_for_addresses(uow, id, data["validations"])
        uow.commit()
    return envelope(RUNNING)


def list_person_validation_results(id):
    with unit_of_work() as uow:
        return envelope([result_view(r) for r in validations.latest_for_person(uow, id)])


def list_validation_result_reviews(id):
    with unit_of_work() as uow:
        result = validations.get_result(uow, id)
        return envelope([screenings.review_view(r) for r in uow.screening.reviews_of_result(result.id)])


def review_validation_result(id, body):
    with unit_of_work() as uow:
        result = validations.get_result(uow, id)
        reviews = screenings.review(uow, result, body["decision"], body["reason"], uow.actor)
        views = [screenings.review_view(r) for r in reviews]
        uow.commit()
    return envelope(views), 201


def list_watch_lists():
    with unit_of_work() as uow:
        return envelope([screenings.list_view(stored) for stored in uow.screening.lists()])
