"""On a machine where nothing answers on 127.0.0.1:5432 (a user's fresh machine), the suite starts its own
PostgreSQL cluster: made here on purpose, whatever the machine runs, so the fallback is proven where it is not used."""

from __future__ import annotations

import shutil
import subprocess
import tempfile

import psycopg

from tests.fixtures.postgres import PostgresServer, private_cluster


def test_a_private_cluster_takes_the_halls_schema_and_goes_away():
    folder = tempfile.mkdtemp(prefix="hall-postgres-")
    try:
        base_url, stop = private_cluster(folder)
        try:
            assert not base_url.endswith(":5432")
            server = PostgresServer(base_url)
            url = server.create_database()
            with psycopg.connect(url) as connection:
                tables = {row[0] for row in connection.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
            assert {"tickets", "reviews", "complaints"} <= tables
            server.drop_database(url)
            server.close()
        finally:
            subprocess.run(stop, check=True, capture_output=True)
        try:
            psycopg.connect(f"{base_url}/postgres", connect_timeout=2).close()
            stopped = False
        except psycopg.OperationalError:
            stopped = True
        assert stopped, "the private cluster still answers after its stop command"
    finally:
        shutil.rmtree(folder, ignore_errors=True)
