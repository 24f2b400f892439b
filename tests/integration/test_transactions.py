"""A failure part-way through an operation leaves the database as it was."""

import pytest

from tests.support import person_body


def test_a_failure_after_the_insert_rolls_back_the_person_its_history_and_its_event(api, session_factory, monkeypatch):
    from personas.persistence.models import HistoryEntry, OutboxEvent, Person
    from personas.persistence.repositories.events import EventRecorder

    def broken(self, *args, **kwargs):
        raise RuntimeError("simulated crash while recording the event")

    body = person_body()
    monkeypatch.setattr(EventRecorder, "record", broken)
    with session_factory() as s:
        before = (s.query(Person).count(), s.query(HistoryEntry).count(), s.query(OutboxEvent).count())
    response = api.post("/people", json=body)
    assert response.status_code == 500 and response.json()["success"] is False
    with session_factory() as s:
        after = (s.query(Person).count(), s.query(HistoryEntry).count(), s.query(OutboxEvent).count())
        assert s.query(Person).filter_by(national_id=body["national_id"]).count() == 0
    assert after == before


def test_creating_a_person_writes_its_event_to_the_outbox_in_the_same_transaction(api, session_factory):
    from personas.persistence.models import OutboxEvent

    person = api.post("/people", json=person_body()).json()["result"]
    with session_factory() as s:
        events = s.query(OutboxEvent).filter_by(resource_id=person["id"]).all()
        assert [(e.name, e.resource_name, e.state) for e in events] == [("person_register", "person", "pending")]
        assert events[0].payload["national_id"] == person["national_id"]
    api.delete(f"/people/{person['id']}")
    api.post(f"/people/{person['id']}/restore")
    with session_factory() as s:
        names = sorted(e.name for e in s.query(OutboxEvent).filter_by(resource_id=person["id"]))
        assert names == ["person_register", "person_restore"]


@pytest.mark.parametrize("field", ["nationality_id", "state_id"])
def test_a_rejected_update_changes_nothing(api, field):
    person = api.post("/people", json=person_body()).json()["result"]
    response = api.put(f"/people/{person['id']}", json={"name": "Cambiado", field: 99999})
    assert response.status_code == 422
    assert api.get(f"/people/{person['id']}").json()["result"]["name"] == person["name"]
