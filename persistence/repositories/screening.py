"""Watch lists, their entries and the reviews of screening matches (persistence.models.screening)."""

from sqlalchemy import delete, insert, select

from personas.persistence.models.base import new_id, utcnow
from personas.persistence.models.screening import ScreeningReview, WatchList, WatchListEntry


class ScreeningRepository:
    def __init__(self, session):
        self.session = session

    def lists(self, names=None) -> list[WatchList]:
        query = select(WatchList).order_by(WatchList.name)
        if names is not None:
            query = query.where(WatchList.name.in_(list(names)))
        return list(self.session.scalars(query))

    def replace_list(self, name: str, format: str, source: str | None, version: str | None, entries) -> WatchList:
        """Put `entries` (dicts of the entry columns) in place of the list's, in this transaction: readers see
        the old list or the new one, never a mix."""
        found = self.session.scalars(select(WatchList).where(WatchList.name == name).with_for_update()).first()
        if found is None:
            found = WatchList(id=new_id(), name=name)
            self.session.add(found)
        found.format, found.source, found.version = format, source, version
        found.entries, found.load_id, found.loaded_at = len(entries), new_id(), utcnow()
        self.session.flush()
        self.session.execute(delete(WatchListEntry).where(WatchListEntry.watch_list_id == found.id))
        rows = [{"id": new_id(), "watch_list_id": found.id} | entry for entry in entries]
        for start in range(0, len(rows), 1000):
            self.session.execute(insert(WatchListEntry), rows[start : start + 1000])
        return found

    def entries(self, watch_list_id: str) -> list[WatchListEntry]:
        query = select(WatchListEntry).where(WatchListEntry.watch_list_id == watch_list_id)
        return list(self.session.scalars(query.order_by(WatchListEntry.entry_id)))

    def new_review(self, **fields) -> ScreeningReview:
        review = ScreeningReview(id=new_id(), created_at=utcnow(), **fields)
        self.session.add(review)
        return review

    def reviews_of_result(self, result_id: str) -> list[ScreeningReview]:
        query = select(ScreeningReview).where(ScreeningReview.validation_result_id == result_id)
        return list(self.session.scalars(query.order_by(ScreeningReview.created_at, ScreeningReview.id)))

    def reviews_of_person(self, person_id: str) -> list[ScreeningReview]:
        query = select(ScreeningReview).where(ScreeningReview.person_id == person_id)
        return list(self.session.scalars(query.order_by(ScreeningReview.created_at, ScreeningReview.id)))
