"""The server starts, creates the reference session and answers its snapshot."""


def test_reference_session_is_created_and_readable(server):
    """POST the reference agenda, then GET its snapshot at seq 1 with 85 points."""
    session = server.create()
    snap = session.snapshot()
    assert snap["seq"] == 1
    assert len(snap["state"]["agenda"]["points"]) == 85
    assert snap["state"]["status"] == "scheduled"
