"""Contact data: CRUD, and the SMS and email codes that confirm a phone or an email."""

from personas.domain import contact_codes as codes
from personas.domain import contact_data as contacts
from personas.handlers.envelope import envelope, paginated
from personas.handlers.runtime import current, unit_of_work
from personas.handlers.schemas.contact_data import code_sent_out, contact_in, contact_out

# The seed's `result` of both checks, SMS and email alike; the contact goes beside it.
VERIFIED = "Phone validated"


def list_contact_data(page=1, per_page=20, person_id=None, cursor=None):
    with unit_of_work() as uow:
        result = uow.contact_data.page(page, per_page, cursor, person_id=person_id)
        return paginated(result, contact_out.dump(result.items, many=True))


def create_contact_data(body):
    data = contact_in.load(body)
    with unit_of_work() as uow:
        contact = contacts.create_contact(uow, data)
        uow.commit()
        return envelope(contact_out.dump(contact)), 201


def get_contact_data(id):
    with unit_of_work() as uow:
        return envelope(contact_out.dump(contacts.get_contact(uow, id)))


def update_contact_data(id, body):
    data = contact_in.load(body)
    with unit_of_work() as uow:
        contact = contacts.update_contact(uow, id, data)
        uow.commit()
        return envelope(contact_out.dump(contact))


def delete_contact_data(id):
    with unit_of_work() as uow:
        contacts.delete_contact(uow, id)
        uow.commit()
    return envelope({"id": id})


def _send(channel: str, person_id: str, address: str):
    runtime = current()
    with unit_of_work() as uow:
        sent = codes.send_code(
            uow, channel, person_id, address, runtime.providers[channel], runtime.settings.secret_key
        )
        uow.commit()
        sent = code_sent_out.dump(sent)
        return envelope(sent["message"], sent=sent)


def _verify(channel: str, person_id: str, address: str, code: str):
    with unit_of_work() as uow:
        try:
            contact = codes.verify_code(uow, channel, person_id, address, code, current().settings.secret_key)
        except codes.CodeRejected:
            uow.commit()  # the failed attempt counts towards the limit even though the answer is 422
            raise
        uow.commit()
        return envelope(VERIFIED, contact_data=contact_out.dump(contact))


def send_contact_data_sms(body):
    return _send("sms", body["person_id"], body["phone"])


def verify_contact_data_sms(body):
    return _verify("sms", body["person_id"], body["phone"], body["code"])


def send_contact_data_email(body):
    return _send("email", body["person_id"], body["email"])


def verify_contact_data_email(body):
    return _verify("email", body["person_id"], body["email"], body["code"])
