"""The settings table feeds the CLI (flags, variables, types), and the README documents every setting."""

import subprocess
import sys

import pytest

from phienhop.server.cli import cli, main
from phienhop.server.settings import SETTINGS, Settings

from ..support import ROOT


def test_every_setting_and_its_environment_variable_is_in_the_readme():
    """Each row of SETTINGS names an environment variable that the README's settings table shows."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in readme]
    assert missing == []


def test_every_setting_but_the_admin_token_is_a_serve_option(capsys):
    """`phienhop serve --help` lists an option and its variable for each setting (the admin token is env-only)."""
    assert main(["serve", "--help"]) == 0
    text = " ".join(capsys.readouterr().out.split())
    for s in SETTINGS:
        if s.name == "admin_token":
            continue
        assert f"{s.option} " in text
        assert f"env var: {s.env}" in text


def test_the_settings_defaults_are_the_tables():
    """Settings() takes every default from SETTINGS, typed (a port is an int, the debounce a float)."""
    defaults = Settings()
    for s in SETTINGS:
        if hasattr(defaults, s.name):
            assert getattr(defaults, s.name) == s.default, s.name
    assert (defaults.port, defaults.presence_debounce, defaults.follower_backlog) == (8000, 5.0, 256)


def _serve_params(monkeypatch, env: dict, args=()) -> dict:
    """The values `phienhop serve` would run with under ``env`` (parsed by click, nothing started)."""
    for s in SETTINGS:
        monkeypatch.delenv(s.env, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    ctx = cli.make_context("phienhop", ["serve", *args])
    sub = cli.get_command(ctx, "serve")
    return sub.make_context("serve", list(args), parent=ctx).params


@pytest.mark.parametrize("value, expected", [("0", False), ("1", True), ("false", False), ("true", True), ("", False)])
def test_no_sample_variable_reads_a_boolean(monkeypatch, value, expected):
    """PHIENHOP_NO_SAMPLE=0 and =false leave the sample on; =1 and =true turn it off."""
    assert _serve_params(monkeypatch, {"PHIENHOP_NO_SAMPLE": value})["no_sample"] is expected


def test_typed_variables_arrive_typed(monkeypatch):
    """PHIENHOP_PORT and PHIENHOP_PRESENCE_DEBOUNCE arrive as an int and a float; a flag beats its variable."""
    params = _serve_params(monkeypatch, {"PHIENHOP_PORT": "8123", "PHIENHOP_PRESENCE_DEBOUNCE": "0.5"}, ["--port", "9000"])
    assert (params["port"], params["presence_debounce"]) == (9000, 0.5)
    params = _serve_params(monkeypatch, {"PHIENHOP_PORT": "8123"})
    assert params["port"] == 8123


def test_a_bad_port_variable_is_one_line_that_says_what_to_do():
    """`PHIENHOP_PORT=abc phienhop serve` exits 2 with one line naming the variable and the fix, no traceback."""
    done = subprocess.run([sys.executable, "-m", "phienhop.server.cli", "serve"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60, env={"PATH": "/usr/bin:/bin", "PHIENHOP_PORT": "abc"})
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr == ("phienhop: $PHIENHOP_PORT: 'abc' is not a port number (a whole number from 0 to 65535). "
                           "Set $PHIENHOP_PORT to a valid value, or unset it.\n")


def test_a_bad_port_flag_names_the_flag(capsys):
    """`phienhop serve --port 70000` exits 2 naming --port and where to read about it."""
    assert main(["serve", "--port", "70000"]) == 2
    assert capsys.readouterr().err == ("phienhop: --port: '70000' is not a port number (a whole number from 0 to 65535). "
                                       "Give a valid value (see `phienhop serve --help`).\n")


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "1e400", "abc", "", "0.1", "3601"])
def test_a_duration_is_a_finite_number_of_seconds_in_range(capsys, value):
    """`--ping-every nan` switched the keepalive off (click's FloatRange lets nan and inf through): refused, one line."""
    assert main(["serve", "--ping-every", value]) == 2
    assert capsys.readouterr().err == (f"phienhop: --ping-every: {value!r} is not a number of seconds from 0.2 to 3600. "
                                       "Give a valid value (see `phienhop serve --help`).\n")


@pytest.mark.parametrize("name", ["PHIENHOP_PRESENCE_DEBOUNCE", "PHIENHOP_REQUEST_TIMEOUT", "PHIENHOP_EVICT_AFTER",
                                  "PHIENHOP_PING_EVERY"])
def test_every_duration_variable_refuses_nan(monkeypatch, capsys, name):
    """Each seconds setting, set to nan in the environment, is refused naming the variable."""
    monkeypatch.setenv(name, "nan")
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"phienhop: ${name}: 'nan' is not a number of seconds from ") and err.endswith(
        f". Set ${name} to a valid value, or unset it.\n"), err
