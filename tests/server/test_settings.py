"""The settings table feeds the CLI, and the README documents every setting."""

from phienhop.server.cli import main
from phienhop.server.settings import SETTINGS

from ..support import ROOT


def test_every_setting_and_its_environment_variable_is_in_the_readme():
    """Each row of SETTINGS names an environment variable that the README's settings table shows."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    missing = [s.env for s in SETTINGS if f"`{s.env}`" not in readme]
    assert missing == []


def test_every_setting_but_the_admin_token_is_a_serve_option(capsys):
    """`phienhop serve --help` lists an option and its variable for each setting (the admin token is env-only)."""
    try:
        main(["serve", "--help"])
    except SystemExit as exit:
        assert exit.code == 0
    text = " ".join(capsys.readouterr().out.split())
    for s in SETTINGS:
        if s.name == "admin_token":
            continue
        assert f"--{s.name.replace('_', '-')}" in text
        assert f"[${s.env}]" in text
