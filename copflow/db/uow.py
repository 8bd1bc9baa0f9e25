"""The unit of work: one transaction per service call, committed only when the service says so."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine

from copflow.db.engine import get_engine, session_factory

if TYPE_CHECKING:  # the ORM loads on the first session, so a read-only command never imports it
    from sqlalchemy.orm import Session, sessionmaker


# The session's note of the outbox rows it inserted (copflow/services/mail/outbox.py:insert_row).
QUEUED = "copflow.queued"


class UnitOfWork:
    """`with uow:` opens a session; `uow.commit()` commits; leaving without commit rolls everything back.
    `with uow.reading() as conn:` is a plain connection for reads that need no ORM (the portfolio).

    `queued` holds the ids of the outbox rows this unit of work's commits added: a command delivers those, never
    the whole outbox."""

    def __init__(self, url: str | None = None, factory: sessionmaker[Session] | None = None) -> None:
        if factory is None and url is None:
            from copflow.settings import load_settings

            url = load_settings().database_url
        self._url = url
        self._factory = factory
        self._session: Session | None = None
        self.queued: list[int] = []

    @property
    def engine(self) -> Engine:
        """For the rare path that needs a bare connection (marking each sent message)."""
        if self._factory is None:
            assert self._url is not None
            return get_engine(self._url)
        bind = self._factory.kw["bind"]
        assert isinstance(bind, Engine)
        return bind

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection for Core queries, rolled back when done: reads only, and no ORM to import."""
        with self.engine.connect() as conn:
            yield conn

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A connection in one transaction for Core writes: committed when the block ends, rolled back if it
        raises (`copflow gate record`, which must not wait for the ORM to load)."""
        with self.engine.begin() as conn:
            yield conn

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("UnitOfWork used outside `with`")
        return self._session

    def __enter__(self) -> UnitOfWork:
        if self._factory is None:
            assert self._url is not None
            self._factory = session_factory(self._url)
        self._session = self._factory()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        assert self._session is not None
        # close() rolls back whatever was not committed and detaches objects without expiring them,
        # so a service can return what it loaded.
        self._session.info.pop(QUEUED, None)
        self._session.close()
        self._session = None

    def commit(self) -> None:
        self.session.commit()
        self.queued += self.session.info.pop(QUEUED, [])

    def rollback(self) -> None:
        self.session.rollback()
        self.session.info.pop(QUEUED, None)
