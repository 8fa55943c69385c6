"""The ``phienhop`` command: serve, create, follow, minutes, verify. Thin over the server's parts.

One click group, ``cli``; a command is added with ``@cli.command()`` and takes its shared options
from the settings table with ``@setting_option("db")`` (one definition: flag, variable, type,
default and help). ``main`` is the entry point: it turns a bad value (from a flag or a variable)
into one line that says what to fix, and returns the exit code instead of raising.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import click
import msgspec

from ..agendas import REFERENCE
from .settings import BY_NAME, Settings

DEFAULT_AGENDA = str(REFERENCE)  # shipped in the package, so `serve` works from any directory
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


def setting_option(name: str, **overrides):
    """A click option made from the settings row ``name``: its flag, variable, type, default and help."""
    s = BY_NAME[name]
    kwargs = dict(envvar=s.env, show_envvar=True, help=s.help, default=s.default, show_default=s.default not in ("", False))
    if s.type is bool:
        kwargs.update(is_flag=True, show_default=False)
    else:
        kwargs["type"] = s.type
    kwargs.update(overrides)
    return click.option(s.option, s.name, **kwargs)


def _fail(message: str, code: int = 2) -> int:
    click.echo(f"phienhop: {message}", err=True)
    return code


def _in(message, lang: str) -> str:
    """``message`` in ``lang`` when it can be said in either (a ``reports.Said``), else as it is."""
    return message.text(lang) if hasattr(message, "text") else str(message)


FIX_AND_RESTART = {"vi": "Hãy sửa tệp rồi khởi động lại.", "en": "Fix the file and start again."}


def lang_option(what: str = "the report"):
    """``--lang vi|en`` ($PHIENHOP_LANG), Vietnamese unless told: the language of ``what``."""
    return click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", envvar="PHIENHOP_LANG",
                        show_envvar=True, show_default=True, help=f"language of {what}")


LANG_OPTION = lang_option()


ADMIN_TOKEN_ENV = BY_NAME["admin_token"].env
NO_ADMIN_TOKEN = (f"the admin token is needed: set ${ADMIN_TOKEN_ENV} to the server's admin token "
                  "(printed once at its first start)")
ADMIN_TOKEN_FLAG = (f"--admin-token is not taken (a flag shows in `ps` to everyone on the machine): "
                    f"set ${ADMIN_TOKEN_ENV} instead")


def _admin_token(flag_value: str | None) -> tuple[str, str]:
    """The admin token from the environment, or ("", what to say): never from a flag, as `serve` reads it."""
    if flag_value is not None:
        return "", ADMIN_TOKEN_FLAG
    token = os.environ.get(ADMIN_TOKEN_ENV, "")
    return (token, "") if token else ("", NO_ADMIN_TOKEN)


# The old flag, kept hidden so that giving it says what to do instead of "No such option".
_refuse_admin_token_flag = click.option("--admin-token", "admin_token_flag", hidden=True, default=None, expose_value=True)


def _refusal(response, base: str) -> str:
    """The server's refusal in plain words: its ``detail`` (not the raw JSON), and what to do about a 401."""
    try:
        body = response.json()
        detail = body["detail"] if isinstance(body, dict) and isinstance(body.get("detail"), str) else None
    except ValueError:
        detail = None
    detail = detail or response.text.strip() or response.reason_phrase
    message = f"the server at {base} refused ({response.status_code}): {detail}"
    if response.status_code == 401:
        message += f"; check that ${ADMIN_TOKEN_ENV} is this server's admin token"
    return message


ROTATABLE = ("chair", "secretary", "public")  # one link each: no ID
WITH_ID = ("person", "point")  # one link per person or point: ROLE:ID


def _rotate_target(target: str) -> tuple[str, str] | str:
    """``ROLE[:ID]`` as (role, id); or what is wrong with it, in words."""
    role, colon, subject = target.partition(":")
    choices = "chair, secretary, public, person:ID or point:ID"
    if role in ROTATABLE:
        return (role, "") if not colon else f"--rotate '{target}': the {role} link has no ID; give --rotate {role}"
    if role in WITH_ID:
        return (role, subject) if subject else f"--rotate '{target}': say which {role}: --rotate {role}:ID"
    return f"--rotate '{target}': not a link to replace; give {choices}"


@click.group(context_settings=CONTEXT)
def cli() -> None:
    """Real-time committee sessions."""


@cli.command(short_help="run the server (SQLite, the sample session unless --agenda is given)")
@setting_option("db")
@setting_option("host")
@setting_option("port")
@setting_option("agenda_dir")
@setting_option("public_url")
@setting_option("presence_debounce")
@setting_option("follower_backlog")
@setting_option("ping_every")
@setting_option("request_timeout")
@setting_option("max_connections")
@setting_option("evict_after")
@setting_option("log_level")
@click.option("--agenda", "agenda", multiple=True, type=click.Path(dir_okay=False), envvar="PHIENHOP_AGENDA",
              show_envvar=True, help="agenda file to create at first start (default: the reference session); repeatable")
@setting_option("no_sample")
@setting_option("seal_p12")
@setting_option("seal_passphrase_file")
@setting_option("trust")
@setting_option("redis_url")
@lang_option("a refused agenda file's reason")
def serve(agenda, no_sample, log_level, lang, **values) -> int:
    """Run the server on DB; create the sessions of the agenda files on first start and print their links once.

    The admin token is read from $PHIENHOP_ADMIN_TOKEN only (never a flag: flags show in `ps`).
    """
    import os

    import uvicorn

    from .agendas import load_agenda_file
    from .app import create_app
    from .domain.agenda import AgendaError

    agendas = [] if no_sample else (list(agenda) or [DEFAULT_AGENDA])
    # Every other option is a field of Settings by the same name: a new setting is its table row,
    # its field and its @setting_option line above.
    settings = Settings(**values, admin_token=os.environ.get(BY_NAME["admin_token"].env, ""), agendas=agendas)
    for path in agendas:  # refuse a bad file before anything starts, with its key path
        try:
            load_agenda_file(path)
        except AgendaError as exc:
            click.echo(f"phienhop: {path}: {exc.text(lang)}\n{FIX_AND_RESTART[lang]}", err=True)
            return 2

    def announce(text: str) -> None:
        print(text, flush=True)

    try:
        app = create_app(settings, announce=announce)
    except ValueError as exc:  # the seal or the trust list cannot be used
        click.echo(f"phienhop: {exc}", err=True)
        return 2
    announce(f"phienhop serving {settings.db} on {settings.base_url}  (Ctrl-C to stop)")
    from . import guard, logs

    limits = guard.Limits(settings.request_timeout,
                          guard.connection_cap(settings.max_connections, guard.raise_descriptor_limit()))
    from .serving import uvicorn_config

    config = uvicorn_config(app, settings.host, settings.port, log_level.lower(), ping_every=settings.ping_every,
                            http=guard.guarded(limits))  # a deadline per request and a connection cap (guard.py)
    logs.install(log_level.lower(), secrets=(settings.admin_token,))
    try:
        uvicorn.Server(config).run()
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it stopped on: a clean stop, exit 0
        pass
    return 0


@cli.command(short_help="serve followers from Redis streams, backed by a primary (scale-out)")
@click.option("--primary", required=True, envvar="PHIENHOP_PRIMARY", show_envvar=True,
              help="base URL of the primary (phienhop serve), e.g. http://10.0.0.1:8000")
@click.option("--redis", "redis_url", required=True, envvar="PHIENHOP_REDIS_URL", show_envvar=True,
              help="the Redis the primary publishes to (--redis-url there), e.g. redis://10.0.0.2:6379/0")
@setting_option("host")
@setting_option("port", default=8001)
@setting_option("public_url")
@setting_option("follower_backlog")
@setting_option("ping_every")
@setting_option("log_level")
def edge(primary, redis_url, host, port, public_url, follower_backlog, ping_every, log_level) -> int:
    """Serve the live stream and events?since= of the primary's sessions to followers, fed by Redis.

    Stateless: start as many as followers need, behind a proxy that sends followers here and
    everything else to the primary. The admin token ($PHIENHOP_ADMIN_TOKEN, the primary's) lets
    the edge read each session's token map and report the points it holds.
    """
    import os

    from . import logs
    from .edge import EdgeSettings, run

    token = os.environ.get(BY_NAME["admin_token"].env, "")
    if not token:
        return _fail("the edge needs the primary's admin token in $PHIENHOP_ADMIN_TOKEN")
    logs.install(log_level.lower(), secrets=(token,))
    settings = EdgeSettings(primary=primary, redis=redis_url, host=host, port=port, admin_token=token,
                            public_url=public_url, follower_backlog=follower_backlog, ping_every=ping_every)
    try:
        return run(settings, log_level.lower())
    except KeyboardInterrupt:
        return 0


@cli.command(short_help="create a session on a running server from an agenda file")
@click.argument("agenda_file", metavar="AGENDA", type=click.Path(dir_okay=False))
@click.option("--server", default="http://127.0.0.1:8000", show_default=True, envvar="PHIENHOP_SERVER", show_envvar=True,
              help="base URL of the running server")
@_refuse_admin_token_flag
@lang_option("a refused agenda file's reason")
def create(agenda_file, server, admin_token_flag, lang) -> int:
    """Create a session from AGENDA (drafts read beside it) on a running server; print its links once.

    The admin token is read from $PHIENHOP_ADMIN_TOKEN only (never a flag: flags show in `ps`).
    """
    import httpx

    from .agendas import load_agenda_file
    from .domain.agenda import AgendaError

    try:
        agenda, _ = load_agenda_file(agenda_file)
    except AgendaError as exc:
        return _fail(f"{agenda_file}: {exc.text(lang)}")
    admin_token, problem = _admin_token(admin_token_flag)
    if problem:
        return _fail(problem)
    base = server.rstrip("/")
    try:
        response = httpx.post(
            f"{base}/api/sessions", content=msgspec.json.encode(agenda),
            headers={"Authorization": f"Bearer {admin_token}", "Content-Type": "application/json"}, timeout=30,
        )
    except httpx.HTTPError as exc:
        return _fail(f"cannot reach {base}: {exc}; is the server running? (--server or $PHIENHOP_SERVER)", 1)
    if response.status_code != 201:
        return _fail(_refusal(response, base), 1)
    from .links import format_links, link_rows, write_links_csv
    from .tokens import SessionTokens

    body = response.json()
    tokens = msgspec.convert(body["tokens"], SessionTokens)
    csv_path = write_links_csv(Path(f"links-{body['id']}.csv").resolve(), link_rows(base, agenda, tokens))
    print(format_links(base, body["id"], agenda, tokens, csv_path))
    return 0


@cli.command(short_help="new join links for a session (one, or all): CSV and printable QR cards")
@click.argument("session")
@click.option("--server", default="http://127.0.0.1:8000", show_default=True, envvar="PHIENHOP_SERVER", show_envvar=True,
              help="base URL of the running server")
@_refuse_admin_token_flag
@click.option("--rotate", "target", metavar="ROLE[:ID]", default=None,
              help="replace one link: chair, secretary, public, person:ID or point:ID (the old one stops working)")
@click.option("--all", "everything", is_flag=True, help="replace every link of the session (all old links stop working)")
@click.option("--csv", "csv_file", type=click.Path(dir_okay=False), default=None,
              help="CSV to write (role, name, point, link; mode 0600) [default with --all: links-SESSION.csv]")
@click.option("--cards", type=click.Path(dir_okay=False), default=None,
              help="PDF of printable invitation cards (name, position, point, QR code of the link)")
def links(session, server, admin_token_flag, target, everything, csv_file, cards) -> int:
    """Issue new join links for SESSION through the server's admin API.

    Only the tokens' hashes are stored, so an old link can never be shown again: this replaces
    one (--rotate) or all (--all) of them, revoking the old, and writes the new ones to a CSV only
    you can read and, with --cards, to a PDF of invitation cards to print and hand out.
    The admin token is read from $PHIENHOP_ADMIN_TOKEN only (never a flag: flags show in `ps`).
    """
    import httpx

    from .domain.agenda import Agenda
    from .links import cards_pdf, link_rows, write_links_csv, write_private
    from .tokens import SessionTokens

    if bool(target) == everything:
        return _fail("say which links to replace: --rotate ROLE[:ID] (chair, secretary, public, person:ID, point:ID) or --all")
    chosen = _rotate_target(target) if target else ("all", "")
    if isinstance(chosen, str):
        return _fail(chosen)
    role, subject = chosen
    admin_token, problem = _admin_token(admin_token_flag)
    if problem:
        return _fail(problem)
    base = server.rstrip("/")
    headers = {"Authorization": f"Bearer {admin_token}"}
    try:
        snap = httpx.get(f"{base}/api/sessions/{session}", headers=headers, timeout=30)
        if snap.status_code != 200:
            return _fail(_refusal(snap, base), 1)
        agenda = msgspec.convert(snap.json()["state"]["agenda"], Agenda)
        r = httpx.post(f"{base}/api/sessions/{session}/tokens/rotate", headers=headers, timeout=30,
                       json={"role": role, "subject": subject or None})
    except httpx.HTTPError as exc:
        return _fail(f"cannot reach {base}: {exc}; is the server running? (--server or $PHIENHOP_SERVER)", 1)
    if r.status_code != 200:
        return _fail(_refusal(r, base), 1)
    body = r.json()
    if everything:
        rows = link_rows(base, agenda, msgspec.convert(body["tokens"], SessionTokens))
        csv_file = csv_file or f"links-{session}.csv"
    else:
        rows = [row for row in link_rows(base, agenda, _only(agenda, body)) if row["link"] == body["link"]]
        print(f"{body['role']} {body['subject'] or ''}: {body['link']}  (the old link no longer works)")
    if csv_file:
        print(f"wrote {write_links_csv(Path(csv_file).resolve(), rows)}: {len(rows)} link(s), readable by you only")
    if cards:
        write_private(cards, cards_pdf(agenda, rows))  # every join link is on the cards: owner only, like the CSV
        print(f"wrote {cards}: {len(rows)} invitation card(s)")
    return 0


def _only(agenda, rotated: dict):
    """A SessionTokens-shaped holder with just the rotated link filled in (for ``link_rows``)."""
    from .tokens import SessionTokens

    token, role, subject = rotated["token"], rotated["role"], rotated["subject"]
    return SessionTokens(
        chair=token if role == "chair" else "", secretary=token if role == "secretary" else "",
        public=token if role == "public" else "",
        people={subject: token} if role == "person" else {}, points={subject: token} if role == "point" else {},
    )


@cli.command(short_help="follow a session live in the terminal, from a join link")
@click.argument("link")
@click.option("--plain", is_flag=True, envvar="PHIENHOP_PLAIN", show_envvar=True, help="one line per event (for logs and tests)")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None, envvar="PHIENHOP_LANG", show_envvar=True,
              help="language of the screen (default: the session's)")
def follow(link, plain, lang) -> int:
    """Follow the session behind LINK until it closes."""
    from phienhop.client.follow import run

    return run(link, plain=plain, lang=lang)


@cli.command(short_help="write a session's minutes PDF from the database, offline")
@click.argument("session")
@setting_option("db", help="SQLite file of the event log to read the session from (it must exist)")
@click.option("-o", "--output", default="bien-ban.pdf", show_default=True, type=click.Path(dir_okay=False),
              help="where to write the PDF")
def minutes(session, db, output) -> int:
    """Write SESSION's minutes from the database alone (the stored final PDF, or a fresh draft)."""
    from .verify import offline_minutes

    try:
        data, final = asyncio.run(offline_minutes(db, session))
    except LookupError as exc:
        return _fail(str(exc))
    Path(output).write_bytes(data)
    print(f"wrote {output}: {len(data)} bytes, {'final' if final else 'draft (DỰ THẢO)'}")
    return 0


@cli.command(short_help="write an export (attendance, votes, speakers as CSV/XLSX; the log) from the database")
@click.argument("session")
@click.argument("what", metavar="WHAT")
@setting_option("db", help="SQLite file of the event log to read the session from (it must exist)")
@click.option("-o", "--output", default=None, type=click.Path(dir_okay=False),
              help="where to write it (default: WHAT with the session id, e.g. votes-SESSION.xlsx)")
def export(session, what, db, output) -> int:
    """Write SESSION's export WHAT (attendance.csv, votes.xlsx, speakers.csv, log.jsonl, ...) from the database alone."""
    from .exports import offline_export
    from .links import write_private

    try:
        data = asyncio.run(offline_export(db, session, what))
    except LookupError as exc:
        return _fail(str(exc))
    stem, _, ext = what.partition(".")
    output = output or f"{stem}-{session}.{ext}"
    if what == "log.jsonl":
        write_private(output, data)  # the whole log, private notes in full: owner only
    else:
        Path(output).write_bytes(data)
    print(f"wrote {output}: {len(data)} bytes")
    return 0


@cli.command(short_help="re-compute a session's hash chain and check the stored minutes, or check a final PDF")
@click.argument("session", required=False)
@setting_option("db", help="SQLite file of the event log to check (it must exist); with --pdf, used only when given "
                           "(the file is then checked against it)")
@click.option("--pdf", "pdf", type=click.Path(dir_okay=False), default=None,
              help="check this final minutes PDF from the file alone (with --db, against the database too)")
@setting_option("trust")
@click.option("--lang", type=click.Choice(["vi", "en"]), default=None, envvar="PHIENHOP_LANG", show_envvar=True,
              help="language of the report (default: the session's, or the minutes' with --pdf)")
@click.pass_context
def verify(ctx, session, db, pdf, trust, lang) -> int:
    """Re-compute SESSION's hash chain, check the stored minutes (each signed copy too) and the secret ballot boxes.

    With --pdf FILE: recompute the chain of the log attached to FILE, check the head hash and
    event count printed on the page, render the minutes again from that log and compare the
    page text, and check every signature. Exit codes: 0 all good; 2 unreadable; 3 no log
    attached; 4 chain broken; 5 printed head or count differs; 6 page text differs; 7 a
    signature is broken or not whole; 8 not what the database holds (--db); 9 a signer is
    not trusted here. Several failures: the lowest code.
    """
    if pdf is not None:
        from_db = ctx.get_parameter_source("db") != click.core.ParameterSource.DEFAULT
        return _verify_pdf(pdf, db if from_db else None, trust, lang)
    if session is None:
        return _fail("give a SESSION, or --pdf FILE (see `phienhop verify --help`)")
    from .verify import verify as run_verify

    try:
        problems, summary, language = asyncio.run(run_verify(db, session))
    except LookupError as exc:
        return _fail(_in(exc.args[0], lang or "vi"))
    lang = lang or language or "vi"
    for problem in problems:  # "FAIL" / "ok" the same in both languages, as with --pdf
        print(f"FAIL {problem.text(lang)}")
    print(summary.text(lang))
    return 1 if problems else 0


def _verify_pdf(path: str, db: str | None, trust: str, lang: str | None) -> int:
    from phienhop.minutes.signing import load_trust

    from .verify_pdf import read, say, verify_pdf, verify_pdf_against_db

    try:
        data = read(path)
        roots = load_trust(trust)
        if db is not None and not Path(db).is_file():
            raise LookupError(f"no database at {db} (give --db or set PHIENHOP_DB)")
    except (LookupError, ValueError) as exc:
        return _fail(str(exc))
    report, rows = verify_pdf(data, roots)
    if db is not None and rows:
        asyncio.run(verify_pdf_against_db(data, rows, db, report))
        report.origin_checked = True
    lang = lang or report.language
    # "ok" / "FAIL" stay the same in both languages: scripts and eyes scan for them.
    for finding in report.passed:
        print(f"ok   {finding.text(lang)}")
    for finding in report.failures:
        print(f"FAIL {finding.text(lang)}")
    code = report.exit_code
    if code == 0 and not report.origin_checked:
        # The chain and the page agree with each other, but anyone can build such a file: without a
        # seal, a signature or the database to compare with, that is integrity, not origin.
        print(say("verdict.unsealed", lang, path=path))
    elif code == 0:
        print(say("verdict.ok", lang, path=path))
    else:
        print(say("verdict.failed", lang, path=path, count=len(report.failures), code=code))
    return code


@cli.command(short_help="copy a database (while the server runs) and verify the copy")
@click.argument("out", type=click.Path(dir_okay=False, path_type=Path))
@setting_option("db", help="SQLite file of the event log to copy (it must exist; the server may be running on it)")
@click.option("--keys", "keys_out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="also copy the poll-key file here (not beside OUT: keep the two apart)")
@LANG_OPTION
def backup(out, db, keys_out, lang) -> int:
    """Copy DB to OUT consistently while the server runs (VACUUM INTO), then verify every session in OUT.

    The poll-key file (DB.keys) is never written beside OUT: it links open secret ballots to
    members. Give --keys PATH on other media to keep a copy of it, or leave it out.
    """
    from .backup import BackupError, backup as run_backup
    from .reports import said

    try:
        report = asyncio.run(run_backup(Path(db), out, keys_out))
    except BackupError as exc:
        return _fail(exc.said.text(lang))
    return _report(report, said("report.backup", path=out), lang)


@cli.command(short_help="put a backup in place as a database, after verifying it")
@click.argument("backup_file", metavar="BACKUP", type=click.Path(dir_okay=False, path_type=Path))
@setting_option("db", help="where to put the restored database (it must not exist: restore never overwrites)")
@click.option("--keys", type=click.Path(dir_okay=False, exists=True, path_type=Path), default=None,
              help="the poll-key file copy made with `backup --keys` (restored as DB.keys)")
@LANG_OPTION
def restore(backup_file, db, keys, lang) -> int:
    """Verify every session in BACKUP, then copy it to DB (which must not exist) and its key file to DB.keys."""
    from .backup import BackupError, restore as run_restore
    from .reports import said

    try:
        report = asyncio.run(run_restore(backup_file, Path(db), keys))
    except BackupError as exc:
        return _fail(exc.said.text(lang))
    what = said("report.restored", path=backup_file, db=db) if not report.problems else said("report.backup", path=backup_file)
    return _report(report, what, lang)


def _report(report, what, lang: str) -> int:
    """Print a backup's or restore's problems, notes and verdict in ``lang``; the exit code."""
    from .reports import said

    for problem in report.problems:  # "FAIL" / "note" the same in both languages, as with verify
        print(f"FAIL {problem.text(lang)}")
    for note in report.notes:
        print(f"note: {note.text(lang)}")
    if report.problems:
        print(said("report.failed", what=what, count=len(report.problems)).text(lang))
        return 1
    print(said("report.verified", what=what, count=len(report.sessions)).text(lang))
    return 0


def _bad_value(exc: click.BadParameter) -> str:
    """One line for a bad option value, naming where it came from and what to do."""
    param, ctx = exc.param, exc.ctx
    if param is None or ctx is None:
        return f"{exc.format_message()}. See `phienhop --help`."
    source = ctx.get_parameter_source(param.name) if param.name else None
    envvar = getattr(param, "envvar", None)
    if source == click.core.ParameterSource.ENVIRONMENT and isinstance(envvar, str):
        return f"${envvar}: {exc.message.rstrip('.')}. Set ${envvar} to a valid value, or unset it."
    flag = param.opts[0] if getattr(param, "opts", None) else param.human_readable_name
    return f"{flag}: {exc.message.rstrip('.')}. Give a valid value (see `{ctx.command_path} --help`)."


def main(argv: list[str] | None = None) -> int:
    """Run the CLI on ``argv`` (default ``sys.argv[1:]``); the exit code. A bad value is one line, no traceback."""
    try:
        code = cli.main(args=argv, prog_name="phienhop", standalone_mode=False)
    except click.MissingParameter as exc:  # a BadParameter too, but its usage line is the help
        exc.show()
        return exc.exit_code
    except click.BadParameter as exc:
        return _fail(_bad_value(exc))
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.Abort:
        click.echo("Aborted.", err=True)
        return 1
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
