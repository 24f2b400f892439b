"""Every request sample of the seed's operations, sent as the seed writes it, is accepted with the seed's status.

The bodies below are the seed's samples, copied as they are (numbers where it sends numbers, its
`user@example`, its Slack channel with `emails`). Only references that must exist are adapted: a
`person_id`, `model_id`, catalog or temporary file id names a record this test made first, a path's id is
the record the sample's own create made, and a verification `code` is the one that was sent. Where a
sample's id points at a record with a given content (the values saved to a dynamic property, the temporary
person promoted), the record is made to fit the sample, not the sample changed.

One sample is refused on purpose: the seed's POST /files/urls lists `files` entries without a `url`; its
field table says those entries are the URLs of the files, and the spec follows the table (the
operation's description says so). It is sent as written, then with a URL.
"""

import io

import pytest

from tests.support import SEED_PERSON, new_curp, registered, registry_row

SEED_CURP = "PESJ880212HDFHLX01"
PERSON = SEED_PERSON
GROUP = {"name": "Deudores", "description": "Grupo donde entran las personas con deuda pendiente de pagar"}
SEARCH_IDS = {"ids": ["71266b80-f04b-4a2c-9314-963d3a182f2a", "71266b80-f04b-4a2c-9314-963d3a182f2b"]}
FROM_CURP = {"curp": "PESJ880212HDFHLX01"}
EXPORT = {"start_date": "2022-07-29", "end_date": "2022-07-29", "exclude": ["address"]}
SEARCH_EXTERNAL_IDS = {"external_ref_id": ["external-123456789"]}
SIGNER = {
    "document_id": "b792e8ae-2cb4-4209-85b9-32be4c2fcdd6",
    "password": "sg3sd2g1",
    "elements": ["497f6eca-6276-4993-bfeb-53cbbbba6f08"],
}
RUN_VALIDATIONS = {"validations": ["497f6eca-6276-4993-bfeb-53cbbbba6f08"]}
ADDRESS = {
    "person_id": "a777fe73-6b66-4d02-93d6-c9cc87409243",
    "street": "Marte",
    "ext_num": "12",
    "int_num": "DEP 8",
    "state": "DF",
    "municipality": "IZTACALCO",
    "colony": "Cristobal Colon",
    "zip_code": "08016",
    "references": "Al lado de una tienda",
    "latitude": None,
    "longitude": None,
    "ownership": None,
    "dwelling_age": None,
    "source": None,
    "device_coordinates": None,
    "is_current_address": None,
    "verified_at": "2022-07-29T21:54:22Z",
    "metadata": None,
}
BIOMETRIC = {
    "person_id": "087e858e-473c-4f50-b5b0-c1df6c021550",
    "type": "LIVENESS",
    "facetec_id": "dev-71266b80-f04b-4a2c-9314-963d3a182f2a",
    "execution_date": "2022-07-29T21:54:55",
    "metadata": {
        "safe": True,
        "success": True,
        "matchLevel": 7,
        "executed_at": "2022-11-30T16:37:39.239000Z",
        "referenceId": "dev-71266b80-f04b-4a2c-9314-963d3a182f2a",
        "wasProcessed": True,
        "nfcStatusEnumInt": 0,
        "fullIDStatusEnumInt": 0,
        "barcodeStatusEnumInt": 0,
        "matchLevelNFCToFaceMap": 0,
        "digitalIDSpoofStatusEnumInt": 0,
        "faceOnDocumentStatusEnumInt": "LIKELY_ORIGINAL_FACE",
        "textOnDocumentStatusEnumInt": "LIKELY_ORIGINAL_TEXT",
        "idScanAgeEstimateGroupEnumInt": 4,
    },
}
CONTACT = {"person_id": "a777fe73-6b66-4d02-93d6-c9cc87409243", "email": "user@example", "phone": "525591038054"}
SMS_SEND = {"person_id": "087e858e-473c-4f50-b5b0-c1df6c021550", "phone": "525546134819"}
SMS_VERIFY = {"person_id": "087e858e-473c-4f50-b5b0-c1df6c021550", "phone": "525546134819", "code": "006421"}
EMAIL_SEND = {"person_id": "087e858e-473c-4f50-b5b0-c1df6c021550", "email": "test@example.com"}
EMAIL_VERIFY = {"person_id": "087e858e-473c-4f50-b5b0-c1df6c021550", "email": "test@example.com", "code": "006421"}
REFERENCE = {
    "person_id": "a777fe73-6b66-4d02-93d6-c9cc87409243",
    "name": "Juan Perez Suares",
    "phone": "525586128954",
    "person_relation_id": 1,
}
VALIDATION = {"name": "LicenseValidation", "class": "curp", "active": True, "execution_type": "auto", "config": {}}
VALIDATION_UPDATE = {"name": "LicenseValidation", "active": True, "config": {}}
FILES_FROM_URLS = {
    "files": [
        {
            "collection": "license",
            "model": "address",
            "model_id": "14f209d5-2793-4561-ac95-ab8a03aa7dbd",
            "metadata": {"key": "value"},
        }
    ],
    "files_tmp_id": [
        {
            "uuid": "14f209d5-2793-4561-ac95-ab8a03aa7dbd",
            "collection": "license",
            "model": "address",
            "model_id": "14f209d5-2793-4561-ac95-ab8a03aa7dbd",
            "metadata": {"key": "value"},
        }
    ],
}
TEMPORARY_FILES = {
    "async": False,
    "files": {
        "tmp_id": "7cc230f2-7ce5-400c-8799-20f4abd8b359",
        "collection": "license",
        "model": "address",
        "model_id": "f8ff2fb8-4acc-4e48-bd83-cbdac23e1224",
        "metadata": {"key": "value"},
    },
}
CHANNEL = {
    "name": "SlackFailValidations",
    "type": "slack",
    "active": True,
    "events": ["person_register"],
    "config": {"emails": ["user@example.com"]},
}
EMPLOYMENT = {
    "person_id": "087e858e-473c-4f50-b5b0-c1df6c021550",
    "current_occupation": "Desarrollador",
    "position": "Desarrollador",
    "industry": "Tecnologia",
    "company_name": "Rem",
    "company_phone": 5512345678,
    "company_address": "Av. Insurgentes Sur 1234",
    "seniority": 2,
    "employee_id": "a777fe73-6b66-4d02-93d6-c9cc87409243",
    "employee_type": "Full Time",
    "employee_status": "Active",
    "hiring_date": "2022-01-01",
    "termination_date": None,
    "payment_frequency": "Mensual",
    "gross_salary": 30000,
    "net_salary": 25000,
}
BANK = {
    "person_id": "087e858e-473c-4f50-b5b0-c1df6c021550",
    "bank": "Banamex",
    "account": 1234567890,
    "clabe": 12345678901234568,
    "card_number": 1234567890123456,
}
FINANCIAL = {
    "person_id": "087e858e-473c-4f50-b5b0-c1df6c021550",
    "monthly_income": 0,
    "monthly_expenses": 0,
    "dependents": 2,
    "metadata": {"credit_amount": 1000000, "credit_frequency": "MENSUAL", "credit_periods": 12},
}
CATALOG = {"name": "Catalogo de prueba", "description": "Catalogo de prueba"}
CATALOG_VALUE = {
    "custom_catalog_id": "b94252a1-c4ef-4aa5-a799-de77dc02fd5a",
    "label": "Test 01",
    "type": "string",
    "value": "test_01",
    "groups": ["Basic", "Advanced"],
}
PROPERTY = {
    "name": "Test 01",
    "description": "Test 01",
    "descriptor": [
        {
            "title": "Test 01",
            "type": "string",
            "key": "test_01",
            "filter_group": "Basic",
            "rules": ["max:50", "min:10"],
            "catalog_id": "b94252a1-c4ef-4aa5-a799-de77dc02fd5a",
        }
    ],
}
PROPERTY_VALUES = {
    "person_id": "b94252a1-c4ef-4aa5-a799-de77dc02fd5a",
    "dynamic_property_id": "b94252a1-c4ef-4aa5-a799-de77dc02fd5a",
    "values": {"example": "test_01"},
}
TEMPORARY_PERSON = {
    "facetec_ref_id": "dev-71266b80-f04b-4a2c-9314-963d3a182f2a",
    "external_ref_id": "external-123456789",
    "name": "John Doe",
    "first_lastname": "Doe",
    "second_lastname": "Smith",
    "national_id": "123456789012",
    "tax_id": "1234567890",
    "birthdate": "1990-01-01",
    "gender": "MALE",
    "extra_data": {},
    "bank_data": {},
    "employment_data": {},
}
PROMOTION = {"person_data": {}, "employment_data": {}, "bank_data": {}, "extra_data": {}}
BUREAU_REQUEST = {
    "person_id": "b94252a1-c4ef-4aa5-a799-de77dc02fd5a",
    "report_provider": "cdc",
    "report_type": "ingresos",
    "verification_code": "123456",
    "verification_contact": "example@mail.com",
    "config": {"productoRequerido": "007"},
    "created_at": "2022-07-29T21:54:55Z",
    "updated_at": "2022-07-29T21:54:55Z",
}

# Which record each referencing key names; other values are sent as the seed writes them.
REFERENCES = {
    "person_id": "person",
    "custom_catalog_id": "catalog",
    "catalog_id": "catalog",
    "dynamic_property_id": "values_property",
    "model_id": "address",
    "uuid": "temporary_file",
    "tmp_id": "other_temporary_file",
}


def adapt(value, ids: dict):
    """The sample with each reference to a record replaced by the id of the record this test made."""
    if isinstance(value, dict):
        return {key: ids[REFERENCES[key]] if key in REFERENCES else adapt(item, ids) for key, item in value.items()}
    if isinstance(value, list):
        return [adapt(item, ids) for item in value]
    return value


class Seed:
    """Sends samples; `made` keeps the id of what each create made."""

    def __init__(self, api):
        self.api, self.ids = api, {}

    def send(self, method: str, path: str, sample: dict, status: int, made: str | None = None, **adapted):
        body = adapt(sample, self.ids) | adapted
        response = self.api.call(method, path.format(**self.ids), json=body)
        assert response.status_code == status, (method, path, response.text)
        if made:
            self.ids[made] = response.json()["result"]["id"]
        return response


def free_seed_curp(api) -> None:
    """The seed's samples all use one CURP, unique among living people: whoever holds it is deleted first."""
    found = api.get(f"/people/national-id/{SEED_CURP}")
    if found.status_code == 200:
        assert api.delete(f"/people/{found.json()['result']['id']}").status_code == 200


def temporary_file(api, salt: bytes) -> str:
    png = b"\x89PNG\r\n\x1a\n" + salt * 32
    response = api.post("/temporary-files", files={"file": ("licencia.png", io.BytesIO(png), "image/png")})
    assert response.status_code == 201, response.text
    return response.json()["result"]["id"]


@pytest.fixture
def seed(api):
    sent = Seed(api)
    yield sent
    # An active automatic validation or channel would act on every other test's people.
    if "validation" in sent.ids:
        api.put(f"/validations/{sent.ids['validation']}", json={"active": False})
    if "channel" in sent.ids:
        api.delete(f"/notification-channels/{sent.ids['channel']}")


def test_every_request_sample_of_the_seed_is_accepted_with_the_seeds_status(api, seed, last_code, session_factory):
    send = seed.send

    send("POST", "/people-groups", GROUP, 201, made="group")
    send("PUT", "/people-groups/{group}", GROUP, 200)

    free_seed_curp(api)
    send("POST", "/people", PERSON, 201, made="first_person")
    send("PUT", "/people/{first_person}", PERSON, 200)
    assert send("POST", "/people/search/ids", SEARCH_IDS, 200).json()["result"] == []
    free_seed_curp(api)
    # `POST /people/curp` takes the names from the CURP registry: the local one knows the seed's CURP.
    with registered(session_factory, registry_row(FROM_CURP["curp"], name="Juan", first_lastname="Pérez")):
        send("POST", "/people/curp", FROM_CURP, 201, made="person")
    assert send("POST", "/people/export", EXPORT, 200).headers["content-type"].startswith("text/csv")
    send("POST", "/people/search/external-ids", SEARCH_EXTERNAL_IDS, 200)
    upserted = send("PUT", "/people/national-id", PERSON, 200).json()["result"]
    assert (upserted["id"], upserted["name"]) == (seed.ids["person"], "Juan")
    send("POST", "/people/{person}/signers", SIGNER, 200)

    send("POST", "/addresses", ADDRESS, 201, made="address")
    send("PUT", "/addresses/{address}", ADDRESS, 200)
    person_check = {"name": "Manual", "class": "curp", "active": True, "execution_type": "manual", "config": {}}
    address_check = person_check | {
        "class": "external",
        "config": {"url": "https://v.example/check", "target": "address"},
    }
    for made, body in (("person_check", person_check), ("address_check", address_check)):
        response = api.post("/validations", json=body)
        assert response.status_code == 201, response.text
        seed.ids[made] = response.json()["result"]["id"]
    try:
        send("POST", "/people/{person}/validations/run", RUN_VALIDATIONS, 200, validations=[seed.ids["person_check"]])
        send(
            "POST",
            "/people/{person}/addresses/validations/run",
            RUN_VALIDATIONS,
            200,
            validations=[seed.ids["address_check"]],
        )
    finally:
        for made in ("person_check", "address_check"):
            api.put(f"/validations/{seed.ids[made]}", json={"active": False})

    send("POST", "/biometrics", BIOMETRIC, 201, made="biometric")
    send("PUT", "/biometrics/{biometric}", BIOMETRIC, 200)

    contact = send("POST", "/contact-data", CONTACT, 201, made="contact").json()["result"]
    assert contact["email"] == "user@example"
    send("PUT", "/contact-data/{contact}", CONTACT, 200)
    # The code samples name a phone and an email the person must have: its contact data holds them.
    holder = {"person_id": seed.ids["person"], "email": "test@example.com", "phone": "525546134819"}
    assert api.post("/contact-data", json=holder).status_code == 201
    assert send("POST", "/contact-data/sms/send", SMS_SEND, 200).json()["result"] == "Sms code send"
    code = last_code("sms", "+525546134819")
    assert send("POST", "/contact-data/sms/verify", SMS_VERIFY, 200, code=code).json()["result"] == "Phone validated"
    assert send("POST", "/contact-data/email/send", EMAIL_SEND, 200).json()["result"] == "Email code send"
    code = last_code("email", "test@example.com")
    assert send("POST", "/contact-data/email/verify", EMAIL_VERIFY, 200, code=code).json()["result"] == (
        "Phone validated"
    )

    send("POST", "/references", REFERENCE, 201, made="reference")
    send("PUT", "/references/{reference}", REFERENCE, 200)
    send("POST", "/validations", VALIDATION, 201, made="validation")
    send("PUT", "/validations/{validation}", VALIDATION_UPDATE, 200)

    seed.ids["temporary_file"] = temporary_file(api, b"\x01")
    seed.ids["other_temporary_file"] = temporary_file(api, b"\x02")
    refused = send("POST", "/files/urls", FILES_FROM_URLS, 422)
    assert list(refused.json()["error"]) == ["files.0.url"]  # the field table: an entry is a URL
    with_url = [FILES_FROM_URLS["files"][0] | {"url": "https://example.com/licencia.png"}]
    assert send("POST", "/files/urls", FILES_FROM_URLS, 200, files=adapt(with_url, seed.ids)).json()["result"] == (
        "Files saved"
    )
    assert send("POST", "/files/temporary", TEMPORARY_FILES, 200).json()["result"] == "Files queued"

    send("POST", "/notification-channels", CHANNEL, 201, made="channel")
    send("PUT", "/notification-channels/{channel}", CHANNEL, 200)

    employment = send("POST", "/employment-data", EMPLOYMENT, 200, made="employment").json()["result"]
    assert employment["company_phone"] == "5512345678"
    send("PUT", "/employment-data/{employment}", EMPLOYMENT, 200)
    bank = send("POST", "/bank-data", BANK, 200, made="bank").json()["result"]
    assert (bank["account"], bank["clabe"]) == ("1234567890", "012345678901234568")
    send("PUT", "/bank-data/{bank}", BANK, 200)
    send("POST", "/financial-data", FINANCIAL, 201, made="financial")
    send("PUT", "/financial-data/{financial}", FINANCIAL, 200)

    send("POST", "/custom-catalogs", CATALOG, 201, made="catalog")
    send("PUT", "/custom-catalogs/{catalog}", CATALOG, 200)
    send("POST", "/custom-catalog-values", CATALOG_VALUE, 201, made="catalog_value")
    send("PUT", "/custom-catalog-values/{catalog_value}", CATALOG_VALUE, 200)
    send("POST", "/dynamic-properties", PROPERTY, 201, made="property")
    send("PUT", "/dynamic-properties/{property}", PROPERTY, 200)
    # The values sample names a property with an `example` field.
    example = {
        "name": f"Example {seed.ids['person'][:8]}",
        "descriptor": [{"title": "E", "type": "string", "key": "example"}],
    }
    response = api.post("/dynamic-properties", json=example)
    assert response.status_code == 201, response.text
    seed.ids["values_property"] = response.json()["result"]["id"]
    send("POST", "/dynamic-properties/{values_property}/values", PROPERTY_VALUES, 201)

    send("POST", "/temporary-people", TEMPORARY_PERSON, 201, made="temporary_person")
    send("PUT", "/temporary-people/{temporary_person}", TEMPORARY_PERSON, 200)
    # The promotion sample sends nothing of its own: the temporary person it names holds a valid person.
    promotable = {"national_id": new_curp(), "name": "John", "first_lastname": "Doe", "second_lastname": "Smith"}
    response = api.post("/temporary-people", json=promotable)
    assert response.status_code == 201, response.text
    seed.ids["promotable"] = response.json()["result"]["id"]
    send("POST", "/temporary-people/{promotable}/promote", PROMOTION, 201)

    send("POST", "/credit-bureau-requests", BUREAU_REQUEST, 201)
