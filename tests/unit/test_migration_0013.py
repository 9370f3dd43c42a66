"""Migration 0013 re-ids the customers that were keyed by their phone number (``tel:…``), in the customers
table and in the stored workflow state of their cases; other customers and other text stay as they were.

Run on a database of its own: a SQLite file, or a schema of its own in the PostgreSQL test database.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from engine.store.db import Database
from engine.store.schema import upgrade

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)


@pytest.fixture
def database(tmp_path):
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        database = Database.connect(f"sqlite:///{tmp_path / 'old.db'}")
        yield database
        database.engine.dispose()
        return
    schema = "m0013_" + uuid.uuid4().hex[:8]
    admin = Database.connect(url)
    with admin.engine.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {schema}"))
    database = Database.connect(url, connect_args={"options": f"-csearch_path={schema}"})
    yield database
    database.engine.dispose()
    with admin.engine.begin() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.engine.dispose()


def a_version(c) -> None:
    """Deployment 1 with process version 1 of ``complaint``, written with plain SQL at an old revision."""
    c.execute(
        sa.text("INSERT INTO deployments (id, deployed_at, deployed_by) VALUES (1, :t, 'x')"), {"t": NOW}
    )
    c.execute(
        sa.text(
            "INSERT INTO process_versions (id, process_key, version, name, sha256, deployment_id, source_file,"
            " lanes, created_at) VALUES (1, 'complaint', 1, 'c', 'h', 1, 'c.bpmn', '[]', :t)"
        ),
        {"t": NOW},
    )


def state_with(customer_id: str) -> str:
    data = {"customer": {"id": customer_id, "phone": "13812345678"}, "note": "tel:13812345678 called"}
    return json.dumps({"data": data, "tasks": {}})


def test_phone_keyed_customers_get_random_ids_in_the_table_and_the_case_state(database):
    upgrade(database.engine, "0012")
    with database.engine.begin() as c:
        a_version(c)
        for row_id, external in ((1, "tel:13812345678"), (2, "C-001")):
            c.execute(
                sa.text(
                    "INSERT INTO customers (id, external_id, name, phone, segment, created_at)"
                    " VALUES (:id, :e, 'Zhang San', '13812345678', 'standard', :t)"
                ),
                {"id": row_id, "e": external, "t": NOW},
            )
            c.execute(
                sa.text(
                    "INSERT INTO cases (id, process_key, process_version_id, status, title, started_by,"
                    " serializer_version, engine_version, revision, created_at, updated_at, customer_id, state)"
                    " VALUES (:id, 'complaint', 1, 'open', 't', 'x', '1', '1', 1, :t, :t, :id, :state)"
                ),
                {"id": row_id, "t": NOW, "state": state_with(external)},
            )

    upgrade(database.engine, "0013")

    with database.engine.connect() as c:
        ids = dict(c.execute(sa.text("SELECT id, external_id FROM customers")).all())
        states = dict(c.execute(sa.text("SELECT id, state FROM cases")).all())
    assert re.fullmatch(r"web-[0-9a-f]{16}", ids[1]) and ids[2] == "C-001"
    moved = json.loads(states[1])["data"]
    assert moved["customer"]["id"] == ids[1]
    assert moved["note"] == "tel:13812345678 called"  # only the id itself, never a bare substring
    assert json.loads(states[2])["data"]["customer"]["id"] == "C-001"
