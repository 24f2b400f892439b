"""Biometric results of people, and `GET /people/{id}/biometrics` (routed through handlers.people)."""

from personas.domain import biometrics
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import unit_of_work
from personas.handlers.schemas.biometrics import biometric_in, biometric_out


def list_biometrics(person_id=None, page=1, per_page=20, cursor=None):
    with unit_of_work() as uow:
        result = uow.biometrics.page(page, per_page, cursor, person_id=person_id)
        return paginated(result, biometric_out.dump(result.items, many=True))


def create_biometric(body):
    data = biometric_in.load(body)
    with unit_of_work() as uow:
        biometric = biometrics.create_biometric(uow, data)
        result = biometric_out.dump(biometric)
        uow.commit()
    return envelope(result), 201


def get_biometric(id):
    with unit_of_work() as uow:
        return envelope(biometric_out.dump(biometrics.get_biometric(uow, id)))


def update_biometric(id, body):
    changes = biometric_in.load(body)
    with unit_of_work() as uow:
        biometric = biometrics.update_biometric(uow, id, changes)
        result = biometric_out.dump(biometric)
        uow.commit()
    return envelope(result)


def delete_biometric(id):
    with unit_of_work() as uow:
        biometrics.delete_biometric(uow, id)
        uow.commit()
    return envelope({"id": id})


def list_person_biometrics(id):
    """The person's results, newest first; handlers.people.list_person_biometrics delegates here."""
    with unit_of_work() as uow:
        return envelope(biometric_out.dump(biometrics.person_results(uow, id), many=True))
