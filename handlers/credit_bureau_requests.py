"""Credit bureau requests."""

from personas.domain import credit_bureau_requests as requests
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.credit_bureau_requests import request_in, request_out

DELETED = "Ok"  # the seed's `result` of a delete; the id goes beside it


def list_credit_bureau_requests(page=1, per_page=20, person_id=None, cursor=None):
    with unit_of_work() as uow:
        result = uow.credit_bureau_requests.page(page, per_page, cursor, person_id=person_id)
        return paginated(result, request_out.dump(result.items, many=True))


def create_credit_bureau_request(body):
    data = request_in.load(body)
    with unit_of_work() as uow:
        request = requests.create_request(uow, data)
        uow.commit()
        return envelope(request_out.dump(request)), 201


def get_credit_bureau_request(id):
    with unit_of_work() as uow:
        return envelope(request_out.dump(requests.get_request(uow, id)))


def delete_credit_bureau_request(id):
    with unit_of_work() as uow:
        requests.delete_request(uow, id)
        uow.commit()
    return envelope(DELETED, deleted={"id": id})
