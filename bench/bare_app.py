"""The floor a vote is measured against: a bare Litestar handler on the same uvicorn.

It decodes the same msgspec body a vote is (a ``vote.cast`` command, tagged, with unknown fields
refused and the same length limits) and answers a Struct shaped like a vote's answer (the seq, the
one event as raw bytes, the receipt). No auth, no engine, no disk: what Litestar, uvicorn and
msgspec cost per request, and nothing else.

    python bench/bare_app.py --port 8123
"""

from __future__ import annotations

import argparse
import enum
from typing import Annotated

import msgspec
import uvicorn
from litestar import Litestar, get, post

Ref = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
# About the bytes a vote's event is in the log (what the real answer carries back).
EVENT = msgspec.Raw(
    b'{"type":"vote.cast","seq":1003,"at":"2021-11-30T14:05:00.123+07:00","poll":"p1","person":"m-17",'
    b'"voted":17,"of":1000,"choice":"yes","weight":1}'
)


class Choice(enum.Enum):
    YES = "yes"
    NO = "no"
    ABSTAIN = "abstain"


class Vote(msgspec.Struct, tag_field="type", tag="vote.cast", forbid_unknown_fields=True, kw_only=True):
    poll: Ref
    choice: Choice


class Answer(msgspec.Struct):
    seq: int
    events: list[msgspec.Raw]
    receipt: str | None = None


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


@post("/api/sessions/{session_id:str}/commands", status_code=200)
async def command(session_id: str, data: Vote) -> Answer:
    return Answer(seq=1003, events=[EVENT], receipt="3f2a9c0d5be1" * 5 + "ab12")


app = Litestar(route_handlers=[health, command], logging_config=None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    # The uvicorn settings `phienhop serve` runs with (the HTTP side of them: httptools, uvloop).
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, timeout_graceful_shutdown=3)


if __name__ == "__main__":
    main()
