"""Class 4: secrets, in every form.

An API that quotes the token back (past the 300-character cut, straddling it, in the Basic header
it received, decoded as UTF-8 or latin-1, URL-quoted, JSON-escaped, split across lines, cut in
the middle, in a response header or a redirect), with ASCII and non-ASCII tokens: no 8-character
piece of any form of the token appears in stdout, stderr, -v or -vv logs, saved files or
tracebacks. A short token, or one with a character a header can't carry, is one clear message.
The masking itself (`reconciler.secrets.Redactor`) is property-tested.
"""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from reconciler.secrets import Redactor, token_problem
from tests.support.accounts import AUTH_ID
from tests.support.cli import cli_env, invoke
from tests.support.servers import EchoApi

TOKENS = {
    "ascii": "tOkEn-Sup3r-s3cret-0123456789abcdef",
    "latin-1": "tökén-Sûp3r-s3crét-ÄÖÜ-0123456789",
    "beyond latin-1": "\u0442\u043e\u043a\u0435\u043d-S\u00fcp3r-\u79d8\u5bc6-s3cret-0123456789",
    "quotes badly": "a+b/c=d%e&f?g#h~j'k\"l\\m-0123456789",
}


def forms(token: str, auth_id: str = AUTH_ID) -> set[str]:
    """The token as it could travel, computed here independently of reconciler.secrets."""
    out = {
        token,
        json.dumps(token)[1:-1],
        json.dumps(token, ensure_ascii=False)[1:-1],
        token.encode("unicode_escape").decode(),
    }
    with contextlib.suppress(UnicodeEncodeError):  # a lone surrogate
        out |= {quote(token, safe=""), quote_plus(token, safe="")}
    for enc in ("utf-8", "latin-1"):
        try:
            raw = token.encode(enc)
        except UnicodeEncodeError:
            continue
        out.add(raw.decode("latin-1"))
        out.add(base64.b64encode(f"{auth_id}:".encode(enc) + raw).decode())
        out.add(base64.b64encode(raw).decode())
        out |= {raw.hex(), token.upper()}
        for before in (b"x", b"xy"):  # inside a longer encoded text: the middle is the token's
            for encode in (base64.b64encode, base64.urlsafe_b64encode):
                out.add(encode(before + raw).decode()[4:-4])
    return out


def pieces(token: str) -> set[str]:
    """Every 8-character piece of every form (of those forms' secret part)."""
    found = set()
    for form in forms(token):
        found |= {form[i : i + 8] for i in range(len(form) - 7)}
    # the Basic value's first characters encode the auth id alone: not secret, shown masked
    prefix = base64.b64encode(f"{AUTH_ID}:".encode()).decode()[:24]
    return {p for p in found if p not in prefix}


def leaked(token: str, text: str) -> list[str]:
    return sorted(p for p in pieces(token) if p in text)


def _json(message: str, status: int = 400) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps({"error": message}).encode()


def _raw(text: str, status: int = 400) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode("utf-8")


Echo = Callable[[str, str], tuple[int, dict[str, str], bytes]]  # (token, Authorization) -> answer


def _basic_decoded(encoding: str) -> Echo:
    def echo(t: str, h: str) -> tuple[int, dict[str, str], bytes]:
        raw = base64.b64decode(h.split(" ", 1)[1])
        return _json("bad credentials " + raw.decode(encoding, "replace"))

    return echo


ECHOES: dict[str, Echo] = {
    "plain, past the cut": lambda t, h: _json("x" * 310 + t),
    "straddling the cut": lambda t, h: _json("x" * 285 + t + "y" * 50),
    "plain, first thing": lambda t, h: _json(t),
    "the Basic header": lambda t, h: _json(f"we got Authorization: {h}"),
    "the Basic header, unpadded": lambda t, h: _json(h.rstrip("=")),
    "header decoded as UTF-8": _basic_decoded("utf-8"),
    "header decoded as latin-1": _basic_decoded("latin-1"),
    "URL-quoted": lambda t, h: _json("token=" + quote(t, safe="")),
    "URL-quoted, plus": lambda t, h: _json("token=" + quote_plus(t)),
    "JSON-escaped, raw body": lambda t, h: _raw('{"error": "' + json.dumps(t)[1:-1] + '"'),
    "JSON-escaped, in a JSON body": lambda t, h: (
        400,
        {"Content-Type": "application/json"},
        ('{"error": ' + json.dumps(t) + "}").encode(),
    ),
    "split across lines": lambda t, h: _json(t[: len(t) // 2] + "\n" + t[len(t) // 2 :]),
    "split by a CRLF, raw": lambda t, h: _raw(t[:12] + "\r\n" + t[12:]),
    "cut in the middle": lambda t, h: _json("...token " + t[5:18] + "..."),
    "its tail only": lambda t, h: _json("token ends " + t[-9:]),
    "escaped unicode, raw": lambda t, h: _raw(t.encode("unicode_escape").decode()),
    "in an HTML page": lambda t, h: (
        502,
        {"Content-Type": "text/html", "Retry-After": "0"},
        f"<html><body>{t}</body></html>".encode(),
    ),
    "as a 401 body": lambda t, h: _json(t, 401),
    "as a 404 body": lambda t, h: _json(t, 404),
    "in a redirect": lambda t, h: (302, {"Location": f"http://x/?t={quote(t)}"}, b""),
    "base64 of the token": lambda t, h: _json(base64.b64encode(t.encode()).decode()),
    "base64 inside a longer text": lambda t, h: _json(
        base64.b64encode(b'{"token": "' + t.encode() + b'"}').decode()
    ),
    "URL-safe base64, shifted": lambda t, h: _json(
        base64.urlsafe_b64encode(b"xy" + t.encode() + b"z").decode()
    ),
    "hex": lambda t, h: _json("token=" + t.encode().hex()),
    "upper case": lambda t, h: _json(f"INVALID TOKEN {t.upper()}"),
    "in a response header": lambda t, h: (
        400,
        {"WWW-Authenticate": f"Basic realm={h}", "Content-Type": "application/json"},
        b"{}",
    ),
}


@pytest.fixture
def echo_api() -> Iterator[Callable[[Callable[[str], tuple]], EchoApi]]:
    started: list[EchoApi] = []

    def make(answer: Callable[[str], tuple]) -> EchoApi:
        started.append(EchoApi(answer))
        return started[-1]

    yield make
    for s in started:
        s.close()


MANIFEST = "version: 1\npowerpacks:\n  m-00: {sticky_sender: false}\n"


@pytest.mark.parametrize("token_kind", list(TOKENS))
@pytest.mark.parametrize("case", list(ECHOES))
def test_no_piece_of_the_token_in_any_output(echo_api, tmp_path: Path, case: str, token_kind):
    token = TOKENS[token_kind]
    api = echo_api(lambda header: ECHOES[case](token, header))
    (tmp_path / "powerpacks.yaml").write_text(MANIFEST)
    env = cli_env(api.url, token=token, POWERPACKS_TIMEOUT="0.5")
    for verbose in ([], ["-v"], ["-vv"]):
        r = invoke(tmp_path, env, "plan", "--out", "p.json", *verbose, timeout=60)
        text = r.out + r.err
        assert r.code == 1, (case, r.code, text[-1500:])
        assert "Traceback" not in text, text
        assert leaked(token, text) == [], (case, verbose, leaked(token, text), text[-1500:])
        assert AUTH_ID not in text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert leaked(token, path.read_text(encoding="utf-8", errors="replace")) == [], path
    assert api.requests >= 1


@pytest.mark.parametrize("token", ["x", "xx", "1234567", " x ", "xxxxxxx"])
def test_a_short_token_is_one_clear_message_and_masks_nothing(tmp_path: Path, token: str):
    (tmp_path / "powerpacks.yaml").write_text("version: 1\npowerpacks:\n  xx-max: {}\n")
    for args in (["plan"], ["apply", "--auto-approve"], ["export"], ["plan", "-vv"]):
        r = invoke(tmp_path, cli_env("http://127.0.0.1:9", token=token), *args)
        assert r.code == 1
        assert "Traceback" not in r.err
        assert r.err.strip().splitlines() == [r.err.strip().splitlines()[-1]], r.err
        assert "PLIVO_AUTH_TOKEN is too short" in r.err, r.err
        assert "***" not in r.out + r.err  # redaction did not replace every "x"


@pytest.mark.parametrize(
    "token",
    [
        "tOkEn-Sup3r\ns3cret-0123456789",
        "tOkEn-Sup3r\rs3cret-0123456789",
        "tOkEn-Sup3r\ts3cret-0123456789",
        "tOkEn-Sup3r\x7fs3cret-0123456789",
        "tOkEn-Sup3r\x1bs3cret-0123456789",
        "tOkEn-Sup3r\u200bs3cret-0123456789",
        "tOkEn-Sup3r\u2028s3cret-0123456789",
        "tOkEn-Sup3r s3cret-0123456789",
        "tOkEn-Sup3r\u00a0s3cret-0123456789",
        "tOkEn-Sup3r\ufeffs3cret-0123456789",
        "tOkEn-Sup3r\udcffs3cret-0123456789",
    ],
)
def test_a_token_a_header_cannot_carry_is_one_clear_message(tmp_path: Path, token: str) -> None:
    (tmp_path / "powerpacks.yaml").write_text(MANIFEST)
    for args in (["plan"], ["apply", "--auto-approve"], ["export", "-vv"]):
        try:
            env = cli_env("http://127.0.0.1:9", token=token)
            r = invoke(tmp_path, env, *args)
        except UnicodeEncodeError:  # a lone surrogate can't even be put in the environment
            return
        assert r.code == 1, r.err
        assert "Traceback" not in r.err
        lines = r.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("Error: PLIVO_AUTH_TOKEN"), r.err
        assert leaked(token.strip(), r.out + r.err) == []


# --- the masking, property-tested -------------------------------------------------------------

ALPHABETS = st.sampled_from(
    [
        "abcdefghijklmnopqrstuvwxyzABCDEF0123456789-_",
        "äöüßéèêñçÄÖÜÉ0123456789abc",
        "\u0430\u0431\u0432\u0433\u0434\u0436\u0437\u0438\u043a\u043b\u79d8\u5bc6\u9375012345",
        "+/=%&?#~'\"\\ :;<>{}[]0123456789ab",
    ]
)


@st.composite
def tokens(draw: st.DrawFn) -> str:
    alphabet = draw(ALPHABETS)
    token = draw(st.text(alphabet, min_size=8, max_size=48))
    assume(token_problem(token) is None)
    return token


@st.composite
def carriers(draw: st.DrawFn, token: str) -> str:
    """Text carrying a form of the token, whole or a piece of 8+ characters, maybe split by a
    line break, between arbitrary text."""
    form = draw(st.sampled_from(sorted(forms(token))))
    if len(form) > 8 and draw(st.booleans()):
        start = draw(st.integers(0, len(form) - 8))
        form = form[start : start + draw(st.integers(8, len(form) - start))]
    if len(form) >= 16 and draw(st.booleans()):
        cut = draw(st.integers(8, len(form) - 8))
        form = form[:cut] + draw(st.sampled_from(["\n", "\r\n", " ", "\\n"])) + form[cut:]
    before = draw(st.text(max_size=40))
    after = draw(st.text(max_size=40))
    return before + form + after


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data(), token=tokens())
def test_masked_text_holds_no_piece_of_any_form(data, token: str) -> None:
    redactor = Redactor(AUTH_ID, token)
    text = data.draw(carriers(token))
    masked = redactor.mask(text)
    assert leaked(token, masked) == [], (text, masked)
    assert redactor.mask(masked) == masked  # masking again changes nothing


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(token=tokens(), text=st.text(max_size=200))
def test_text_without_the_token_is_left_alone(token: str, text: str) -> None:
    assume(not any(p in text for p in pieces(token)))
    assume(all(len(f) >= 8 for f in forms(token)))  # a short form (a quoted char?) may match
    assume(AUTH_ID not in text)
    assert Redactor(AUTH_ID, token).mask(text) == text


def test_the_auth_id_is_shown_masked_and_a_token_with_its_characters_too() -> None:
    assert Redactor(AUTH_ID, TOKENS["ascii"]).mask(f"id {AUTH_ID}") == "id MA**************3RST"
    r = Redactor(AUTH_ID, "MA7Q2ZB4XK9P1LMN3RST-token")  # a token that starts like the id:
    assert "MA7Q2ZB4" not in r.mask(f"id {AUTH_ID}-token")  # the token's rule wins
