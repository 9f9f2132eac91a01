"""Colour by convention, checked on the raw bytes a pty receives; and the account named.

Colour only on a terminal; none with NO_COLOR set and non-empty (an empty NO_COLOR is unset, as
no-color.org says), TERM=dumb, or --no-color before or after the command. Every styled span is
reset before its line ends, so a colour never runs into the next line (or the prompt).
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest

from tests.terminal.term import plain

ESC = b"\x1b["
STYLE = re.compile(rb"\x1b\[[0-9;]*m")
MASKED = re.compile(r"MA\*{14}\w{4}")


def styled_lines(raw: bytes) -> list[bytes]:
    return [line for line in raw.split(b"\n") if STYLE.search(line)]


def test_colour_on_a_terminal_reset_before_each_newline(demo: Any) -> None:
    acc = demo()
    run = acc.tty("plan", stdout_file=None, cols=80)
    assert run.code == 0
    lines = styled_lines(run.raw)
    assert lines, "no colour on a terminal"
    for line in lines:  # each style is closed before the line ends (the pty adds "\r")
        codes = STYLE.findall(line)
        assert codes[-1] == b"\x1b[0m" and codes[::2] == [c for c in codes if c != b"\x1b[0m"]
    assert not [ln for ln in run.raw.split(b"\n") if ln.startswith(b"\x1b[0m")]  # not after it
    assert b"\x1b[33m  ~ update alerts\x1b[0m\r\n" in run.raw
    assert re.search(
        rb"\x1b\[32m  \+ create onboarding\x1b\[0m  \(powerpacks.yaml:\d+\)\r\n", run.raw
    )
    assert b"\x1b[1mPlan: 1 to create, 3 to update, 0 to delete.\x1b[0m\r\n" in run.raw


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["plan"], {"NO_COLOR": "1"}),
        (["plan"], {"NO_COLOR": "0"}),  # any non-empty value
        (["plan"], {"TERM": "dumb"}),
        (["--no-color", "plan"], {}),
        (["plan", "--no-color"], {}),
    ],
    ids=["NO_COLOR=1", "NO_COLOR=0", "TERM=dumb", "--no-color-first", "--no-color-after"],
)
def test_no_colour_when_asked(demo: Any, args: list[str], env: dict[str, str]) -> None:
    acc = demo()
    run = acc.tty(*args, stdout_file=None, env=acc.env(**env))
    assert run.code == 0
    assert ESC not in run.raw
    assert "Plan: 1 to create, 3 to update, 0 to delete." in run.text()


def test_an_empty_no_color_is_as_if_unset(demo: Any) -> None:
    acc = demo()
    run = acc.tty("plan", stdout_file=None, env=acc.env(NO_COLOR=""))
    assert styled_lines(run.raw)


def test_no_colour_in_a_file_even_with_stderr_on_a_terminal(demo: Any) -> None:
    acc = demo()
    run = acc.tty("plan")  # stdout to a file, stderr (and stdin) the terminal
    assert run.code == 0
    assert "\x1b" not in run.stdout and "Plan: 1 to create" in run.stdout
    piped = acc.run("plan", env=acc.env())  # no terminal at all
    assert "\x1b" not in piped.stdout + piped.stderr


def test_the_text_plan_names_the_masked_account(demo: Any) -> None:
    acc = demo()
    text = acc.run("plan").stdout
    first = text.splitlines()[0]
    assert first == "Account MA**************SBOX · manifest powerpacks.yaml"
    assert acc.sb.auth_id not in text
    markdown = acc.run("plan", "--format", "markdown").stdout
    assert "account `MA**************SBOX`" in markdown


def test_an_account_of_another_id_is_masked_too(account: Any) -> None:
    acc = account(["one"])
    text = acc.run("plan").stdout
    assert MASKED.fullmatch(text.split()[1]) and text.split()[1].endswith(acc.sb.auth_id[-4:])
    assert acc.sb.auth_id not in text


@pytest.mark.parametrize("answer", ["no", "yes"])
def test_the_prompt_names_the_account_and_only_yes_applies(demo: Any, answer: str) -> None:
    acc = demo()
    prompt = "Only 'yes' will be accepted: "
    run = acc.tty("apply", stdout_file=None, answers=[(prompt.encode(), f"{answer}\n".encode())])
    screen = run.screen(rows=200)
    at = screen.index(f"{prompt}{answer}")  # the answer on the prompt's line: it didn't wrap
    assert screen[at - 1] == "Apply these changes to account MA**************SBOX?", screen
    writes = [e for e in acc.sb.journal() if e["method"] != "GET"]
    if answer == "no":
        assert run.code == 1 and not writes
        assert screen[-1] == "Error: apply cancelled: nothing was changed"
    else:
        assert run.code == 0 and writes
        assert screen[-1] == "Apply complete: 4 change(s) applied and verified."
    assert not [ln for ln in screen if " · 00:" in ln]  # no progress remnant around the prompt


def test_the_prompt_is_not_coloured_and_follows_a_reset(demo: Any) -> None:
    acc = demo()
    prompt = b"Apply these changes to account"
    run = acc.tty("apply", stdout_file=None, answers=[(prompt, b"no\n")])
    before = run.raw.split(prompt, 1)[0]
    assert before.endswith(b"0 unchanged, 1 not managed.\r\n\r\n"), before[-200:]
    assert STYLE.findall(before)[-1] == b"\x1b[0m"
    assert ESC not in run.raw.split(prompt, 1)[1]
    assert "apply cancelled" in plain(run.raw)


def test_ctrl_c_or_ctrl_d_at_the_prompt_ends_the_line_first(demo: Any) -> None:
    acc = demo()
    prompt = b"Only 'yes' will be accepted: "

    def at_prompt(raw: bytes) -> bool:
        # Python writes the prompt, then blocks in read(): a SIGINT landing between the two
        # waits for the read (CPython's input() race), so the user's Ctrl-C comes a moment later
        if raw.endswith(prompt):
            time.sleep(0.3)
            return True
        return False

    interrupted = acc.tty("apply", stdout_file=None, until=at_prompt)  # SIGINT, as Ctrl-C
    assert interrupted.code == 130
    assert interrupted.screen(rows=200)[-2:] == ["Only 'yes' will be accepted:", "Interrupted."]
    ended = acc.tty("apply", stdout_file=None, answers=[(prompt, b"\x04")])  # Ctrl-D: EOF
    assert ended.code == 1
    assert ended.screen(rows=200)[-2:] == ["Only 'yes' will be accepted:", "Aborted."]
    assert not [e for e in acc.sb.journal() if e["method"] != "GET"]
