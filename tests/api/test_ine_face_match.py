"""INE images and face match, with the local face verifier (same image content: a match)."""

import io

import pytest

from tests.api.test_files import JPEG, PNG, image
from tests.support import person_body

GIF = b"GIF89a" + b"\x00" * 32


@pytest.fixture
def person(api):
    return api.post("/people", json=person_body()).json()["result"]


def ine(api, person_id, front=PNG, reverse=JPEG, **fields):
    parts = {"ine_front": ("front.png", io.BytesIO(front), "image/png"), "ine_reverse": ("r.jpg", io.BytesIO(reverse))}
    return api.post(f"/people/{person_id}/ine", files=parts | {k: (None, v) for k, v in fields.items()})


def media(api, person_id, collection):
    params = {"model": "person", "model_id": person_id, "collection": collection}
    return api.get("/files", params=params).json()["result"]["data"]


def test_ine_images_are_stored_in_their_collections_with_their_ocr(api, person):
    response = ine(api, person["id"], ocr_data_front='{"curp": "X"}')
    assert response.status_code == 200, response.text
    assert response.json() == {"success": True, "result": "Ok"}
    [front] = media(api, person["id"], "ine_front")
    [reverse] = media(api, person["id"], "ine_reverse")
    assert front["mime_type"] == "image/png" and front["custom_properties"] == {"ocr": {"curp": "X"}}
    assert reverse["mime_type"] == "image/jpeg" and reverse["custom_properties"] is None


def test_ocr_that_is_not_json_is_refused_and_nothing_is_stored(api, person):
    response = ine(api, person["id"], ocr_data_reverse="{not json")
    assert response.status_code == 422
    assert response.json()["error"] == {"ocr_data_reverse": ["Debe ser JSON válido"]}
    assert media(api, person["id"], "ine_front") == []


def test_ine_images_must_be_jpeg_or_png_by_content(api, person):
    response = ine(api, person["id"], reverse=GIF)
    assert response.status_code == 422
    assert response.json()["error"] == {"ine_reverse": ["Debe ser una imagen JPG o PNG"]}


def test_ine_of_an_unknown_person_is_404(api):
    assert ine(api, "0b8c2f3e-9a51-4a4e-8f0b-7c1d2e3f4a5b").status_code == 404


def face_match(api, person_id, selfie, front):
    files = {"selfie": ("s.png", io.BytesIO(selfie)), "ine_front": ("f.png", io.BytesIO(front))}
    return api.post(f"/people/{person_id}/face-match", files=files)


def test_the_same_face_image_matches_and_is_stored_as_a_biometric_result(api, person):
    photo = image(PNG, "same face")
    response = face_match(api, person["id"], photo, photo)
    assert response.status_code == 200, response.text
    result = response.json()["result"]
    assert result["id"] == person["id"]
    [biometric] = result["biometric_results"]
    [reading] = result["biometrics"]
    assert reading == {"liveness": None, "match_id": True, "executed_at": biometric["created_at"], "match_level": 10}
    assert biometric["typeName"] == "FACE_MATCH_ID"
    assert biometric["metadata"] | {"reference": None} == {
        "success": True,
        "wasProcessed": True,
        "matchLevel": 10,
        "provider": "local",
        "reference": None,
    }
    summary = api.get(f"/people/{person['id']}").json()["result"]["biometrics"]
    assert summary["match_id"] is True and summary["match_level"] == 10


def test_different_images_do_not_match_and_results_accumulate(api, person):
    face_match(api, person["id"], image(PNG, "a"), image(PNG, "a"))
    response = face_match(api, person["id"], image(PNG, "a"), image(JPEG, "b"))
    biometrics = response.json()["result"]["biometric_results"]
    assert [b["metadata"]["success"] for b in biometrics] == [False, True]  # newest first
    assert [b["match_id"] for b in response.json()["result"]["biometrics"]] == [False, True]
    assert api.get(f"/people/{person['id']}").json()["result"]["biometrics"]["match_id"] is False


def test_a_face_match_needs_images(api, person):
    response = face_match(api, person["id"], b"just text", PNG)
    assert response.status_code == 422
    assert list(response.json()["error"]) == ["selfie"]
