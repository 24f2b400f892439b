"""Queries of validations and their results, and the after-commit hook that starts their jobs."""

import logging

from sqlalchemy import bindparam, event, func, select

from personas.persistence.models.addresses import Address
from personas.persistence.models.custom_catalogs import CustomCatalog, CustomCatalogValue
from personas.persistence.models.validations import Validation, ValidationResult
from personas.persistence.prepared import Prepared
from personas.persistence.repositories.paging import page_of

_PENDING_KEY = "validation_jobs"
log = logging.getLogger("personas.validations")


_ACTIVE: dict[tuple[bool, bool], object] = {}
_ACTIVE_CLASSES = Prepared(
    select(Validation.klass).where(
        Validation.active.is_(True), Validation.execution_type == bindparam("execution_type")
    )
)


class ValidationRepository:
    def __init__(self, session):
        self.session = session

    def new_validation(self, **fields) -> Validation:
        validation = Validation(**fields)
        self.session.add(validation)
        return validation

    def new_result(self, **fields) -> ValidationResult:
        result = ValidationResult(**fields)
        self.session.add(result)
        return result

    def validation(self, validation_id) -> Validation | None:
        return self.session.get(Validation, validation_id)

    def result(self, result_id) -> ValidationResult | None:
        return self.session.get(ValidationResult, result_id)

    def validations_page(self, page: int, per_page: int, cursor: str | None = None):
        order = (Validation.created_at.desc(), Validation.id.desc())
        return page_of(self.session, select(Validation), page, per_page, order, cursor)

    def results_page(self, page: int, per_page: int, model_id=None, validation_id=None, cursor: str | None = None):
        stmt = select(ValidationResult)
        if model_id is not None:
            stmt = stmt.where(ValidationResult.model_id == model_id)
        if validation_id is not None:
            stmt = stmt.where(ValidationResult.validation_id == validation_id)
        order = (ValidationResult.created_at.desc(), ValidationResult.id.desc())
        return page_of(self.session, stmt, page, per_page, order, cursor)

    def active(self, classes=None, execution_type=None) -> list[Validation]:
        # Asked on every write that may start validations, most of which start none: the classes of the
        # active validations of that execution type, a prepared read of one column, say when none is wanted.
        if classes is not None and execution_type is not None:
            found = _ACTIVE_CLASSES.rows(self.session.connection(), {"execution_type": execution_type})
            if not {klass for (klass,) in found}.intersection(classes):
                return []
        # The statement is built once per shape.
        shape = (classes is not None, execution_type is not None)
        stmt = _ACTIVE.get(shape)
        if stmt is None:
            stmt = select(Validation).where(Validation.active.is_(True))
            if classes is not None:
                stmt = stmt.where(Validation.klass.in_(bindparam("classes", expanding=True)))
            if execution_type is not None:
                stmt = stmt.where(Validation.execution_type == bindparam("execution_type"))
            stmt = _ACTIVE[shape] = stmt.order_by(Validation.created_at, Validation.id)
        params = {} if classes is None else {"classes": list(classes)}
        if execution_type is not None:
            params["execution_type"] = execution_type
        return list(self.session.scalars(stmt, params))

    def by_ids(self, ids) -> list[Validation]:
        return list(self.session.scalars(select(Validation).where(Validation.id.in_(list(ids)))))

    def latest_results(self, model_ids) -> list[ValidationResult]:
        """The newest result of each validation on each of these records."""
        newest = (
            select(ValidationResult.model_id, ValidationResult.validation_id, func.max(ValidationResult.created_at))
            .where(ValidationResult.model_id.in_(list(model_ids)))
            .group_by(ValidationResult.model_id, ValidationResult.validation_id)
        )
        keys = {tuple(row) for row in self.session.execute(newest)}
        if not keys:
            return []
        stmt = select(ValidationResult).where(ValidationResult.model_id.in_(list(model_ids)))
        rows = [r for r in self.session.scalars(stmt) if (r.model_id, r.validation_id, r.created_at) in keys]
        # Two results of one validation created in the same microsecond: keep one (the greater id).
        unique: dict = {}
        for row in sorted(rows, key=lambda r: r.id):
            unique[(row.model_id, row.validation_id)] = row
        return sorted(unique.values(), key=lambda r: (r.created_at, r.id), reverse=True)

    def addresses_of(self, person_id: str) -> list[Address]:
        stmt = select(Address).where(Address.person_id == person_id).order_by(Address.created_at, Address.id)
        return list(self.session.scalars(stmt))

    def address(self, address_id: str) -> Address | None:
        return self.session.get(Address, address_id)

    def catalog_exists(self, catalog_id: str) -> bool:
        return self.session.get(CustomCatalog, catalog_id) is not None

    def catalog_entries(self, catalog_id: str) -> list[tuple[str, object]]:
        """(label, value) of every value of a custom catalog (the operator's blacklist)."""
        stmt = select(CustomCatalogValue.label, CustomCatalogValue.value).where(
            CustomCatalogValue.custom_catalog_id == catalog_id
        )
        return [tuple(row) for row in self.session.execute(stmt)]

    def after_commit(self, callback) -> None:
        """Call `callback()` once this transaction has committed (never if it rolls back)."""
        pending = self.session.info.get(_PENDING_KEY)
        if pending is None:
            pending = self.session.info[_PENDING_KEY] = []
            event.listen(self.session, "after_commit", _flush_callbacks)
            event.listen(self.session, "after_soft_rollback", _drop_callbacks)
        pending.append(callback)


def _flush_callbacks(session) -> None:
    callbacks, session.info[_PENDING_KEY] = session.info.get(_PENDING_KEY, []), []
    for callback in callbacks:
        try:
            callback()
        except Exception:  # noqa: BLE001 - the change is committed; a queue outage must not turn it into a 500
            # The result stays pending (status 3); POST /validation-results/{id}/run starts it again.
            log.exception("could not enqueue a validation run")


def _drop_callbacks(session, previous_transaction) -> None:
    if session.info.get(_PENDING_KEY) and previous_transaction.parent is None:
        session.info[_PENDING_KEY] = []
