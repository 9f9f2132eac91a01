"""What the tool says when something is wrong, or could be: as a user reads it.

Plan-time problems are located like manifest problems (FILE:LINE:COL: path: message), all of
them at once; rename warnings are in the text and Markdown plans; TLS errors are whole; a failed
apply says "not attempted" in words; --help lists whole descriptions; --target suggests names.
"""

from __future__ import annotations

import re
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from reconciler.core.models import (
    AppLink,
    DesiredPowerpack,
    LiveApplication,
    LivePool,
    LivePowerpack,
    LiveState,
    Loc,
    Manifest,
    Member,
)
from reconciler.core.planner import plan
from reconciler.errors import PlanError
from tests.terminal.term import plain, run_tty, terminal_env

TLS = Path(__file__).resolve().parent / "tls"


def test_unknown_application_names_are_located_with_close_names(demo: Any) -> None:
    acc = demo()
    acc.write(
        "version: 1\n"
        "powerpacks:\n"
        "  marketing-us:\n"
        '    application: {type: xml, name: "Marketing replys"}\n'
        "  support:\n"
        '    application: {type: xml, name: "Suport IVR"}\n'
        "  brand-new:\n"
        '    application: {type: xml, name: "Nothing like any"}\n'
    )
    r = acc.run("plan")
    assert r.returncode == 1 and r.stdout == ""
    assert r.stderr.splitlines() == [
        "powerpacks.yaml:4:18: powerpacks.marketing-us.application: no application named "
        "'Marketing replys' in the account: did you mean 'Marketing replies'?",
        "powerpacks.yaml:6:18: powerpacks.support.application: no application named "
        "'Suport IVR' in the account: did you mean 'Support IVR'?",
        "powerpacks.yaml:8:18: powerpacks.brand-new.application: no application named "
        "'Nothing like any' in the account",
        "Error: plan: 3 problems against the live account",
    ]


def test_every_kind_of_plan_time_problem_is_reported_at_once() -> None:
    """Unknown application names, numbers the account doesn't rent, short codes the pool lacks:
    one PlanError with each located where the manifest says it (the planner, as the CLI runs it;
    the manifest format of this branch has no pool members yet)."""

    def at(line: int, col: int = 5) -> Loc:
        return Loc(file="powerpacks.yaml", line=line, col=col)

    def live_pp(name: str) -> LivePowerpack:
        return LivePowerpack(uuid=f"u-{name}", name=name, sticky_sender=True, local_connect=True,
                             number_priority={}, pool_uuid=f"pool-{name}")  # fmt: skip

    manifest = Manifest(path="powerpacks.yaml", sha256="0" * 64, powerpacks={
        "a": DesiredPowerpack(name="a", loc=at(4, 3), field_locs={"application": at(5)},
                              application=AppLink(kind="xml", name="Marketing replys")),
        "b": DesiredPowerpack(name="b", loc=at(7, 3), numbers=(Member(number="14155550999"),),
                              shortcodes=("444999",), field_locs={
                                  "numbers.14155550999": at(8, 15), "shortcodes.444999": at(9)}),
        "c": DesiredPowerpack(name="c", loc=at(10, 3), field_locs={"application": at(11)},
                              application=AppLink(kind="xml", name="Suport IVR")),
    })  # fmt: skip
    empty = LivePool(numbers=(), tollfree=(), shortcodes=())
    live = LiveState(
        powerpacks=(live_pp("a"), live_pp("b")),
        applications=(LiveApplication(app_id="1", app_name="Marketing replies"),
                      LiveApplication(app_id="2", app_name="Support IVR")),
        pools={"pool-a": empty, "pool-b": empty}, rented={"14155550999": None},
    )  # fmt: skip
    with pytest.raises(PlanError) as raised:
        plan(manifest, live)
    assert [str(p) for p in raised.value.problems] == [
        "powerpacks.yaml:5:5: powerpacks.a.application: no application named 'Marketing replys'"
        " in the account: did you mean 'Marketing replies'?",
        "powerpacks.yaml:8:15: powerpacks.b.numbers: 14155550999 is not rented by this account:"
        " this tool never buys numbers",
        "powerpacks.yaml:9:5: powerpacks.b.shortcodes: short code 444999 is not in this"
        " Powerpack's pool: short codes are provisioned by Plivo, and this tool can only keep or"
        " unlink them",
        "powerpacks.yaml:11:5: powerpacks.c.application: no application named 'Suport IVR' in"
        " the account: did you mean 'Support IVR'?",
    ]
    assert raised.value.message == "plan: 4 problems against the live account"


RENAME_TYPO = """version: 1
prune: true
powerpacks:
  marketing-us: {}
  alerts:
    renamed_from: alerts-olt
  support: {}
  legacy-promo: {}
"""
RENAME_IGNORED = """version: 1
prune: false
powerpacks:
  support:
    renamed_from: legacy-promo
"""


@pytest.mark.parametrize(
    ("text", "warning"),
    [
        (RENAME_TYPO, "'alerts': renamed_from 'alerts-olt' names no live Powerpack, and prune "
                      "deletes 'alerts-old': a typo? (the plan creates 'alerts' instead of "
                      "renaming)"),
        (RENAME_IGNORED, "'support': renamed_from 'legacy-promo' is ignored: both names exist "
                         "live (remove renamed_from, or delete one of them)"),
    ],
    ids=["typo-while-prune-deletes-the-old-name", "ignored-both-names-live"],
)  # fmt: skip
def test_rename_warnings_in_the_text_and_markdown_plans(demo: Any, text: str, warning: str) -> None:
    acc = demo()
    acc.write(text)
    shown = acc.run("plan")
    assert shown.returncode == 0, shown.stderr
    body = shown.stdout.split("Warning: ", 1)[1].split("\n\n", 1)[0]
    assert " ".join(body.split()) == warning  # wrapped within 80 columns, word by word
    markdown = acc.run("plan", "--format", "markdown").stdout
    assert f"> - {warning}" in markdown


def test_before_side_of_an_application_names_it_as_the_after_side_does(demo: Any) -> None:
    acc = demo()
    text = acc.run("plan").stdout
    assert (
        "      application:\n"
        "          xml:17231002233445566 (Legacy replies)\n"
        "       -> xml:20468599130939380 (Marketing replies)\n"
    ) in text
    markdown = acc.run("plan", "--format", "markdown").stdout
    assert "Legacy replies" in markdown and "Marketing replies" in markdown


def test_an_https_url_at_the_plain_http_sandbox_says_so_whole(demo: Any) -> None:
    acc = demo()
    url = acc.sb.url.replace("http://", "https://")
    r = acc.run("plan", env=acc.env(PLIVO_API_URL=url))
    assert r.returncode == 1
    assert r.stderr.endswith(
        "/Powerpack/: TLS error: wrong version number (is it a plain http:// server?)\n"
    ), r.stderr


@pytest.fixture
def self_signed_server() -> Iterator[str]:
    """An HTTPS server on loopback with a self-signed certificate (the ssl module)."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # never reached: the client refuses the certificate
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(TLS / "loopback.crt", TLS / "loopback.key")
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("cols", [40, 80])
def test_a_self_signed_certificate_error_is_shown_whole(
    demo: Any, self_signed_server: str, cols: int
) -> None:
    acc = demo()
    env = acc.env(PLIVO_API_URL=self_signed_server)
    piped = acc.run("plan", env=env)
    assert piped.returncode == 1
    assert piped.stderr.endswith(
        "/Powerpack/: TLS error: certificate verify failed: self-signed certificate\n"
    ), piped.stderr
    run = acc.tty("plan", env=env, cols=cols, stdout_file=None)
    assert run.code == 1
    # the terminal wraps the line where it must; joined, the screen holds it whole
    assert "".join(run.screen()) == piped.stderr.strip().replace("\n", "")


def test_a_failed_apply_says_what_happened_in_words(demo: Any) -> None:
    """Two creates, the first answered 500 (a create is never retried blindly): the second is
    'not attempted', in words, in its line, the summary and -v's log."""
    acc = demo(faults=["500:every=1,method=POST"])
    acc.write("version: 1\npowerpacks:\n  new-a: {}\n  new-b: {}\n")
    r = acc.run("apply", "--auto-approve", "--parallelism", "1", "-v")
    assert r.returncode == 1
    assert "not_attempted" not in r.stderr
    lines = [ln for ln in r.stderr.splitlines() if ln.startswith("apply: [")]
    assert len(lines) == 2, r.stderr
    assert lines[0].startswith("apply: [1/2] FAILED create new-a: POST /v1/Account/")
    assert "create new-a: create new-a" not in lines[0]
    assert lines[1] == "apply: [2/2] not attempted create new-b: an earlier change failed"
    assert r.stderr.splitlines()[-1] == (
        "Apply incomplete: 0 applied, 1 failed, 1 not attempted. Fix the cause and re-run: "
        "apply converges from where it stopped."
    )


def described(help_text: str) -> dict[str, str]:
    """`Commands:` of a --help screen as name -> description (wrapped lines joined)."""
    rows: dict[str, str] = {}
    name = ""
    for line in help_text.split("Commands:\n", 1)[1].splitlines():
        match = re.match(r"  (\S+)\s+(.*)", line)
        if match and not line.startswith("   "):
            name, text = match.groups()
            rows[name] = text
        elif line.strip() and name:
            rows[name] += " " + line.strip()
    return rows


@pytest.mark.parametrize("cols", [40, 80, 200])
@pytest.mark.parametrize("group", [[], ["sandbox"]], ids=["powerpacks", "sandbox"])
def test_help_lists_every_command_with_its_whole_description(
    tmp_path: Path, cols: int, group: list[str]
) -> None:
    import click

    from reconciler.cli import cli

    run = run_tty([*group, "--help"], cwd=tmp_path, cols=cols, env=terminal_env())
    assert run.code == 0
    shown = described(plain(run.raw).replace("\r\n", "\n"))
    command = cli if not group else cli.commands[group[0]]
    assert isinstance(command, click.Group)
    for name, sub in command.commands.items():
        whole = sub.get_short_help_str(limit=10_000)
        assert "..." not in shown[name], shown[name]
        # click's wrapper may break a word after a hyphen ("yaml- language-server")
        assert shown[name].replace("- ", "-") == whole, (name, shown[name])


def test_target_suggests_names_and_can_name_a_powerpack_prune_deletes(demo: Any) -> None:
    acc = demo()
    acc.write("version: 1\nprune: true\npowerpacks:\n  marketing-us: {}\n  support: {}\n")
    wrong = acc.run("plan", "--target", "legacy-promp")
    assert wrong.returncode == 1
    assert wrong.stderr.startswith(
        "Error: plan: --target legacy-promp (did you mean legacy-promo?): not a Powerpack of "
        "powerpacks.yaml or one prune deletes (known: "
    ), wrong.stderr
    right = acc.run("plan", "--target", "legacy-promo")
    assert right.returncode == 0, right.stderr
    assert "  - delete legacy-promo\n" in right.stdout
    assert "Plan: 0 to create, 0 to update, 1 to delete." in right.stdout
    assert "alerts-old" not in right.stdout  # prune deletes it too, but it isn't a target
