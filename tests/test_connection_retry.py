"""Connecting to PostgreSQL while the server says the database vanished a moment ago (what
PostgreSQL 15 answers while autovacuum updates a freshly loaded database's row): tried
again; any other refusal is reported at once. ``ibis.connect`` is replaced at its boundary:
the race cannot be provoked on demand."""

from __future__ import annotations

import pytest

from workbench.store import connection

VANISHED = (
    'connection failed: FATAL:  database "wb" does not exist\\nDETAIL:  It seems to have just been dropped or renamed.'
)


def test_a_database_that_vanished_for_a_moment_is_connected_to_on_a_later_try(monkeypatch):
    answers = [RuntimeError(VANISHED), RuntimeError(VANISHED), "backend"]
    calls = []

    def connect(url, **kwargs):
        calls.append((url, kwargs))
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(connection.ibis, "connect", connect)
    monkeypatch.setattr(connection.time, "sleep", lambda _s: None)
    assert connection._connect_postgres("postgres://h/wb") == "backend"
    assert calls == [("postgres://h/wb", {"options": "-c enable_nestloop=off"})] * 3


def test_any_other_refusal_is_reported_at_once(monkeypatch):
    calls = []

    def connect(url, **kwargs):
        calls.append(url)
        raise RuntimeError('FATAL:  password authentication failed for user "wb"')

    monkeypatch.setattr(connection.ibis, "connect", connect)
    with pytest.raises(RuntimeError, match="password authentication failed"):
        connection._connect_postgres("postgres://h/wb")
    assert len(calls) == 1


def test_a_database_that_stays_gone_is_reported_after_the_last_try(monkeypatch):
    calls = []

    def connect(url, **kwargs):
        calls.append(url)
        raise RuntimeError(VANISHED)

    monkeypatch.setattr(connection.ibis, "connect", connect)
    monkeypatch.setattr(connection.time, "sleep", lambda _s: None)
    with pytest.raises(RuntimeError, match="just been dropped"):
        connection._connect_postgres("postgres://h/wb")
    assert len(calls) == connection.POSTGRES_CONNECT_ATTEMPTS
