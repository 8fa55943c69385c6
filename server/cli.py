"""The ``phienhop`` command: serve, create, follow, minutes, verify. Thin over the server's parts."""

from __future__ import annotations

import argparse
import logging
import re
import asyncio
import os
import sys
from pathlib import Path

import msgspec

from ..agendas import REFERENCE
from .settings import SETTINGS, Settings, defaults_from_env

DEFAULT_AGENDA = str(REFERENCE)  # shipped in the package, so `serve` works from any directory


class RedactTokens(logging.Filter):
    """Blanks tokens in log lines: uvicorn logs WebSocket paths with their query (``?token=``) at INFO."""

    _pattern = re.compile(r"(token=|/join/)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "token=" in message or "/join/" in message:
            record.msg, record.args = self._pattern.sub(r"\1***", message), ()
        return True


def _settings_parser(parser: argparse.ArgumentParser) -> None:
    env = defaults_from_env()
    for s in SETTINGS:
        if s.name in ("admin_token",):
            continue
        parser.add_argument(f"--{s.name.replace('_', '-')}", default=env[s.name], help=f"{s.help} [${s.env}]")


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from .app import create_app
    from .domain.agenda import AgendaError

    agendas = [] if args.no_sample else (args.agenda if args.agenda is not None else [DEFAULT_AGENDA])
    settings = Settings(
        db=args.db, host=args.host, port=int(args.port), agenda_dir=args.agenda_dir, public_url=args.public_url,
        admin_token=os.environ.get("PHIENHOP_ADMIN_TOKEN", ""), agendas=agendas,
        presence_debounce=float(args.presence_debounce), follower_backlog=int(args.follower_backlog),
    )
    for path in agendas:  # refuse a bad file before anything starts, with its key path
        try:
            from .agendas import load_agenda_file

            load_agenda_file(path)
        except AgendaError as exc:
            print(f"phienhop: {path}: {exc}\nFix the file and start again.", file=sys.stderr)
            return 2

    def announce(text: str) -> None:
        print(text, flush=True)

    app = create_app(settings, announce=announce)
    announce(f"phienhop serving {settings.db} on {settings.base_url}  (Ctrl-C to stop)")
    config = uvicorn.Config(
        app, host=settings.host, port=settings.port, log_level=args.log_level, access_log=False,
        ws_max_size=16 * 1024, ws_ping_interval=10.0, ws_ping_timeout=10.0, timeout_graceful_shutdown=3,
        ws_per_message_deflate=False,  # deflate is per connection: it would compress every event once per follower
        ws="websockets-sansio",  # live.frame_writer writes each event's one frame straight to its transports
    )
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "litestar"):
        logging.getLogger(name).addFilter(RedactTokens())
    uvicorn.Server(config).run()
    return 0


def cmd_create(args: argparse.Namespace) -> int:
    import httpx

    from .agendas import load_agenda_file
    from .domain.agenda import AgendaError

    try:
        agenda, _ = load_agenda_file(args.agenda)
    except AgendaError as exc:
        print(f"phienhop: {args.agenda}: {exc}", file=sys.stderr)
        return 2
    token = args.admin_token or os.environ.get("PHIENHOP_ADMIN_TOKEN", "")
    if not token:
        print("phienhop: the admin token is needed: --admin-token or $PHIENHOP_ADMIN_TOKEN", file=sys.stderr)
        return 2
    base = args.server.rstrip("/")
    response = httpx.post(
        f"{base}/api/sessions", content=msgspec.json.encode(agenda),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"}, timeout=30,
    )
    if response.status_code != 201:
        print(f"phienhop: the server refused ({response.status_code}): {response.text}", file=sys.stderr)
        return 1
    from .links import format_links
    from .tokens import SessionTokens

    body = response.json()
    tokens = msgspec.convert(body["tokens"], SessionTokens)
    print(format_links(base, body["id"], agenda, tokens))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    from .verify import verify

    try:
        problems, summary = asyncio.run(verify(args.db, args.session))
    except LookupError as exc:
        print(f"phienhop: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"FAIL {problem}")
    print(summary if not problems else f"{len(problems)} problem(s) in session {args.session}")
    return 1 if problems else 0


def cmd_minutes(args: argparse.Namespace) -> int:
    from .verify import offline_minutes

    try:
        data, final = asyncio.run(offline_minutes(args.db, args.session))
    except LookupError as exc:
        print(f"phienhop: {exc}", file=sys.stderr)
        return 2
    Path(args.output).write_bytes(data)
    print(f"wrote {args.output}: {len(data)} bytes, {'final' if final else 'draft (DỰ THẢO)'}")
    return 0


def cmd_follow(args: argparse.Namespace) -> int:
    from phienhop.client.follow import run

    return run(args.link, plain=args.plain, lang=args.lang)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="phienhop", description="Real-time committee sessions.")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the server (SQLite, the sample session unless --agenda is given)")
    _settings_parser(serve)
    serve.add_argument("--agenda", action="append", help=f"agenda file to create at first start (default {DEFAULT_AGENDA}); repeatable")
    serve.add_argument("--no-sample", action="store_true", default=bool(os.environ.get("PHIENHOP_NO_SAMPLE")),
                       help="start with no agenda (sessions come from POST /api/sessions) [$PHIENHOP_NO_SAMPLE]")
    serve.add_argument("--log-level", default=os.environ.get("PHIENHOP_LOG_LEVEL", "warning"), help="[$PHIENHOP_LOG_LEVEL]")
    serve.set_defaults(fn=cmd_serve)

    create = sub.add_parser("create", help="create a session on a running server from an agenda file")
    create.add_argument("agenda")
    create.add_argument("--server", default=os.environ.get("PHIENHOP_SERVER", "http://127.0.0.1:8000"), help="[$PHIENHOP_SERVER]")
    create.add_argument("--admin-token", default="", help="[$PHIENHOP_ADMIN_TOKEN]")
    create.set_defaults(fn=cmd_create)

    follow = sub.add_parser("follow", help="follow a session live in the terminal, from a join link")
    follow.add_argument("link")
    follow.add_argument("--plain", action="store_true", help="one line per event (for logs and tests)")
    follow.add_argument("--lang", choices=["vi", "en"], default=os.environ.get("PHIENHOP_LANG") or None,
                        help="language of the screen (default: the session's) [$PHIENHOP_LANG]")
    follow.set_defaults(fn=cmd_follow)

    minutes = sub.add_parser("minutes", help="write a session's minutes PDF from the database, offline")
    minutes.add_argument("session")
    minutes.add_argument("--db", default=defaults_from_env()["db"], help="[$PHIENHOP_DB]")
    minutes.add_argument("-o", "--output", default="bien-ban.pdf")
    minutes.set_defaults(fn=cmd_minutes)

    verify = sub.add_parser("verify", help="re-compute a session's hash chain and check the stored minutes")
    verify.add_argument("session")
    verify.add_argument("--db", default=defaults_from_env()["db"], help="[$PHIENHOP_DB]")
    verify.set_defaults(fn=cmd_verify)

    args = parser.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
