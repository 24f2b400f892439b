"""A person's signers and documents on the e-signature platform."""

from connexion.exceptions import ProblemException

from personas.domain import people
from personas.domain.providers import esign
from personas.handlers.envelope import envelope
from personas.handlers.runtime import current, unit_of_work


def platform() -> esign.ESignProvider:
    """The configured platform, or the local one in this database (personas.providers)."""
    return current().providers["esign"]


def _unavailable(exc: Exception) -> ProblemException:
    return ProblemException(status=503, title="Service Unavailable", detail=str(exc))


def create_person_signer(id, body):
    with unit_of_work() as uow:
        person = people.view(uow, people.get_person(uow, id))
        try:
            signer = platform().register_signer(
                uow, person, body["document_id"], body["password"], body.get("elements") or []
            )
        except esign.ESignFailed as exc:
            raise _unavailable(exc) from exc
        uow.commit()
    return envelope(signer)


def list_person_signature_documents(id):
    with unit_of_work() as uow:
        people.get_person(uow, id)
        try:
            return envelope(platform().documents_of(uow, id))
        except esign.ESignFailed as exc:
            raise _unavailable(exc) from exc
