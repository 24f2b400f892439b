"""INE images and face match of a person."""

from connexion.exceptions import ProblemException

from personas.domain import biometrics, ine, people
from personas.domain.providers import face
from personas.handlers.envelope import envelope
from personas.handlers.files import receive, storage
from personas.handlers.runtime import current, unit_of_work
from personas.handlers.schemas.biometrics import biometric_out


def verifier() -> face.FaceVerifier:
    """The configured provider, or the deterministic local one (personas.providers)."""
    return current().providers["face"]


def attach_person_ine(id, body=None, ine_front=None, ine_reverse=None):
    body = body or {}
    images = {
        "ine_front": receive(ine_front, field="ine_front"),
        "ine_reverse": receive(ine_reverse, field="ine_reverse"),
    }
    ocr = {"ine_front": body.get("ocr_data_front"), "ine_reverse": body.get("ocr_data_reverse")}
    with unit_of_work() as uow:
        ine.attach_ine(uow, storage(), id, images, ocr)
        uow.commit()
    return envelope("Ok")


def face_match_person(id, body=None, selfie=None, ine_front=None):
    selfie_upload, front_upload = receive(selfie, field="selfie"), receive(ine_front, field="ine_front")
    with unit_of_work() as uow:
        try:
            results = ine.face_match(uow, verifier(), storage(), id, selfie_upload, front_upload)
        except face.FaceProviderFailed as exc:
            raise ProblemException(status=503, title="Service Unavailable", detail=str(exc)) from exc
        # `biometrics` as the seed shows it, one reading per result; the records themselves beside it.
        result = people.view(uow, people.get_person(uow, id)) | {
            "biometrics": [biometrics.execution(biometrics.result_of(r)) for r in results],
            "biometric_results": biometric_out.dump(results, many=True),
        }
        uow.commit()
    return envelope(result)
