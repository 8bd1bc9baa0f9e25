"""The unit of work: one transaction per service call, committed only when the service says so."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from copflow.db.engine import session_factory


class UnitOfWork:
    """`with uow:` opens a session; `uow.commit()` commits; leaving without commit rolls everything back."""

    def __init__(self, url: str | None = None, factory: sessionmaker[Session] | None = None) -> None:
        if factory is None:
            if url is None:
                from copflow.settings import load_settings

                url = load_settings().database_url
            factory = session_factory(url)
        self._factory = factory
        self._session: Session | None = None

    @property
    def engine(self) -> Engine:
        """For the rare path that needs a bare connection (marking each sent message)."""
        bind = self._factory.kw["bind"]
        assert isinstance(bind, Engine)
        return bind

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside `with`")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._factory()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._session is not None
        # close() rolls back whatever was not committed and detaches objects without expiring them,
        # so a service can return what it loaded.
        self._session.close()
        self._session = None

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()
