"""The hall's own tests run against both databases it supports: every test that uses a live hall runs twice,
once on a SQLite file and once on a private PostgreSQL database (tests/fixtures/postgres.py)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator

import pytest

from tests.fixtures.hall import LiveHall, start_live_hall
from tests.fixtures.postgres import PostgresServer, postgres_database, postgres_server  # noqa: F401 (fixtures)

DATABASES = ["sqlite", "postgresql"]


@pytest.fixture(params=DATABASES)
def database_kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def hall_database(request: pytest.FixtureRequest, database_kind: str, tmp_path: Path) -> str:
    """Where a test's hall keeps its data, still empty: a SQLite file, or a PostgreSQL URL."""
    if database_kind == "sqlite":
        return str(tmp_path / "hall.sqlite3")
    return request.getfixturevalue("postgres_database")


def _migrated_database(request: pytest.FixtureRequest, kind: str) -> tuple[str | None, Callable[[], None]]:
    if kind == "sqlite":
        return None, lambda: None                       # start_live_hall makes a file in its folder
    postgres: PostgresServer = request.getfixturevalue("postgres_server")
    url = postgres.create_database(migrated=True)
    return url, lambda: postgres.drop_database(url)


@pytest.fixture
def hall_server(request: pytest.FixtureRequest, tmp_path: Path, database_kind: str) -> Iterator[LiveHall]:
    database, drop = _migrated_database(request, database_kind)
    hall = start_live_hall(tmp_path, database=database)
    yield hall
    hall.server.stop()
    drop()


@pytest.fixture(scope="module", params=DATABASES)
def shared_hall_server(request: pytest.FixtureRequest,
                       tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHall]:
    database, drop = _migrated_database(request, request.param)
    hall = start_live_hall(tmp_path_factory.mktemp("shared-hall"), database=database)
    yield hall
    hall.server.stop()
    drop()
