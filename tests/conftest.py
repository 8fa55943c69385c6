"""Fixtures shared by the end-to-end tiers: a real server on a free port, on a real SQLite file."""

from __future__ import annotations

import pytest

from .support import Server


@pytest.fixture
def server(tmp_path):
    """A running ``phienhop serve`` with no sessions; killed at the end of the test."""
    srv = Server(tmp_path / "phienhop.db").start()
    yield srv
    srv.kill()


@pytest.fixture(scope="module")
def srv(tmp_path_factory):
    """One running ``phienhop serve`` shared by a test module; each test makes its own session on it."""
    server = Server(tmp_path_factory.mktemp("module") / "phienhop.db").start()
    yield server
    server.kill()


@pytest.fixture
def redis_server(tmp_path):
    """A real redis-server on a free loopback port (skipped without it, failed under PHIENHOP_REQUIRE_ALL)."""
    from .support import RedisServer

    server = RedisServer(tmp_path / "redis").start()
    yield server
    server.kill()
