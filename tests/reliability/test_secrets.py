"""The auth token never leaves the process: not in stdout, stderr, plan or export files, the
sandbox journal, nor exception text, on success and on every error path, with -v and -vv."""

from __future__ import annotations

import base64
import json
import socket
import threading
import traceback
from pathlib import Path
from typing import Any

import pytest
import requests

from reconciler.api.client import PlivoClient
from reconciler.errors import ApiError
from reconciler.ops.fetch import fetch_everything
from reconciler.secrets import basic_value, mask_account
from tests.support.accounts import AUTH_ID, TOKEN, account, manifest_text
from tests.support.cli import cli_env, invoke
from tests.support.world import World

BASIC = base64.b64encode(f"{AUTH_ID}:{TOKEN}".encode()).decode()
FORBIDDEN = (TOKEN, BASIC, TOKEN[4:-4])  # the token, the Basic header, a chunk of it
VERBOSITY = [[], ["-v"], ["-vv"]]


def leaks(text: str) -> list[str]:
    return [s for s in FORBIDDEN if s in text]


def scan(w: World, runs: list[tuple[list[str], Any]]) -> None:
    """No run's streams, no file in the work folder, no journal shows the token."""
    for args, r in runs:
        assert not leaks(r.out + r.err), (args, leaks(r.out + r.err))
        assert "Traceback" not in r.err, (args, r.err)
        if any(a.startswith("-v") for a in args) or r.code == 1:
            assert AUTH_ID not in r.err, (args, "the auth id is shown masked, as in plans")
    for path in w.cwd.rglob("*"):
        if path.is_file():
            assert not leaks(path.read_text(encoding="utf-8", errors="replace")), path
    assert not leaks(json.dumps(w.sb.journal()))
    w.sb.stop()  # writes the journal file
    if w.sb.journal():
        assert not leaks(w.sb.journal_path.read_text(encoding="utf-8"))


def test_the_whole_cli_surface_on_success(world: Any) -> None:
    """As real processes: what leaves one is what reaches its file descriptors 1 and 2."""
    w = world(account(6, 2))
    w.write(manifest_text(6, creates=2))
    runs = []

    def run(*args: str, code: int = 0) -> None:
        r = w.run(*args)
        assert r.code == code, (args, r.err)
        runs.append((list(args), r))

    run("validate")
    for i, v in enumerate(VERBOSITY):
        for fmt in ("text", "json", "markdown"):
            run("plan", "--format", fmt, *v)
        run("plan", "--out", f"plan{i}.json", "--detailed-exitcode", *v, code=2)
        run("apply", "--dry-run", *v)
    run("apply", "--plan", "plan2.json", "--auto-approve", "-vv")
    w.write(manifest_text(6, creates=3))
    run("apply", "--auto-approve", "--allow-mass-change", "-vv")
    for i, v in enumerate(VERBOSITY):
        run("export", *v)
        run("export", "-o", f"export{i}.yaml", *v)
        run("export", "--merge", "powerpacks.yaml", *v)
    state = w.sb.state_path
    run("sandbox", "show", "--state", str(state))
    assert json.loads(json.dumps(w.sb.snapshot()))["auth_token"] == TOKEN  # the state has it
    plan_file = json.loads((w.cwd / "plan1.json").read_text())
    assert plan_file["account"] == mask_account(AUTH_ID)
    scan(w, runs)


def echo_server(status: int) -> tuple[str, Any]:
    """A server that answers every call `status`, echoing the credentials it was sent."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Echo(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: Any) -> None:
            pass

        def do_GET(self) -> None:
            auth = self.headers.get("Authorization", "")
            plain = base64.b64decode(auth.split()[-1]).decode() if auth else ""
            body = json.dumps({"error": f"bad request from {auth} ({plain}) at {self.path}"})
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Retry-After", "0")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body.encode())

        do_POST = do_DELETE = do_GET

    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ERROR_RUNS = [  # -vv logs everything -v does and more: it runs in CI, the others behind slow
    pytest.param([], marks=pytest.mark.slow, id="quiet"),
    pytest.param(["-v"], marks=pytest.mark.slow, id="v"),
    pytest.param(["-vv"], id="vv"),
]


@pytest.mark.parametrize("verbose", ERROR_RUNS)
def test_every_error_path_keeps_the_token(world: Any, tmp_path: Path, verbose: list[str]) -> None:
    w = world(account(4, 1))
    w.write(manifest_text(4, creates=1))
    runs: list[tuple[list[str], Any]] = []

    def run(*args: str, env: dict[str, str] | None = None, **extra: str) -> None:
        args = (*args, *verbose)
        r = invoke(w.cwd, env, *args) if env else w.invoke(*args, **extra)
        assert r.code == 1, (args, r.out, r.err)
        runs.append((list(args), r))

    run("plan", PLIVO_AUTH_TOKEN=TOKEN[::-1])  # bad credentials
    for status in (400, 403, 500):  # 4xx and 5xx answers that echo the credentials back
        url, server = echo_server(status)
        try:
            run("apply", "--auto-approve", "--allow-mass-change", PLIVO_API_URL=url)
            run("export", PLIVO_API_URL=url)
            run("plan", PLIVO_API_URL=url.replace("http:", "https:"))  # TLS to a plain server
        finally:
            server.shutdown()
            server.server_close()
    run("plan", PLIVO_API_URL=f"https://user:{TOKEN}@127.0.0.1:1")  # credentials in the URL
    run("plan", PLIVO_API_URL=f"https://127.0.0.1:{closed_port()}/{TOKEN}?t={TOKEN}")
    assert w.invoke("plan", "--out", "stale.json").code == 0
    uuid = w.live()["m-00"]["uuid"]
    requests.post(
        f"{w.sb.url}/v1/Account/{AUTH_ID}/Powerpack/{uuid}/",
        json={"local_connect": True, "sticky_sender": False},
        auth=(AUTH_ID, TOKEN),
        timeout=10,
    ).raise_for_status()
    run("apply", "--plan", "stale.json", "--auto-approve")  # stale plan
    w.write("version: 1\npowerpacks:\n  a: {sticky_sender: maybe}\n", "bad.yaml")
    run("plan", "-f", "bad.yaml")  # bad manifest
    run("apply", "-f", "bad.yaml", "--auto-approve")
    run("apply", "--auto-approve", "--allow-mass-change", "--plan", "missing.json")
    run("apply")  # no terminal, no --auto-approve
    other = cli_env(w.sb.url, "MAOTHER0000000000001", TOKEN)
    run("apply", "--plan", "stale.json", "--auto-approve", env=other)  # another account's plan
    scan(w, runs)


SLOW = pytest.mark.slow
DOWN = [pytest.param(v, marks=SLOW) for v in ([], ["-v"], ["-vv"])]  # 30 s deadline each


@pytest.mark.parametrize("verbose", DOWN, ids=["quiet", "v", "vv"])
def test_api_down_keeps_the_token(world: Any, verbose: list[str]) -> None:
    """Connection refused is retried up to the 30 s deadline: one run in CI, at -vv."""
    w = world(account(2, 1))
    w.write(manifest_text(2, creates=1))
    url = f"http://127.0.0.1:{closed_port()}"
    r = w.invoke("apply", "--auto-approve", "--allow-mass-change", *verbose, PLIVO_API_URL=url)
    assert r.code == 1 and "connection refused" in r.err
    scan(w, [(["apply", *verbose], r)])


def test_exception_text_never_holds_the_token() -> None:
    """In-process: every error the client raises, with its causes and traceback, is clean."""
    url, server = echo_server(400)
    texts = []
    try:
        for api in (url, url.replace("http:", "https:"), f"http://127.0.0.1:{closed_port()}"):
            client = PlivoClient(api, AUTH_ID, TOKEN, backoff=(0.001, 0.002), deadline=2)
            with client, pytest.raises(ApiError) as info:
                fetch_everything(client)
            texts += [repr(client), str(info.value), repr(info.value)]
            texts.append("".join(traceback.format_exception(info.value)))
    finally:
        server.shutdown()
        server.server_close()
    for text in texts:
        assert not leaks(text), text


def test_tls_verification_is_always_on() -> None:
    for url in ("https://api.plivo.com", "http://127.0.0.1:1", "http://localhost:2"):
        with PlivoClient(url, AUTH_ID, TOKEN) as client:
            session = client._session
            assert session.verify is True and session.trust_env is False
            assert session.headers["Authorization"] == basic_value(AUTH_ID, TOKEN)


def outside_address() -> str | None:
    """This host's address on a non-loopback interface, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
            return s.getsockname()[0]
        except OSError:
            return None


def test_plain_http_off_loopback_is_refused_before_any_connection(tmp_path: Path) -> None:
    (tmp_path / "powerpacks.yaml").write_text(manifest_text(2, creates=1))
    address = outside_address()
    listener = socket.socket()
    listener.bind(("0.0.0.0", 0))
    listener.listen(8)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    urls = ["http://example.com", "http://10.255.255.1:9", f"http://[::ffff:{address}]:{port}"]
    urls += [f"http://{address}:{port}/"] if address and address != "127.0.0.1" else []
    try:
        for url in urls:
            for args in (["plan"], ["apply", "--auto-approve", "--allow-mass-change"], ["export"]):
                r = invoke(tmp_path, cli_env(url), *args, "--api-url", url)
                assert r.code == 1 and "refusing plain http://" in r.err, (url, r.err)
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody ever connected
    finally:
        listener.close()


def test_a_self_signed_certificate_is_refused(tmp_path: Path) -> None:
    """A TLS server the system doesn't trust: exit 1 naming TLS, and no request reaches it."""
    import shutil
    import ssl
    import subprocess
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            seen.append(self.path)
            self.send_response(500)
            self.end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"https://127.0.0.1:{server.server_address[1]}"
    (tmp_path / "powerpacks.yaml").write_text(manifest_text(2, creates=1))
    try:
        for args in (
            ["plan", "-vv"],
            ["apply", "--auto-approve", "--allow-mass-change"],
            ["export"],
        ):
            r = invoke(tmp_path, cli_env(url), *args)
            assert r.code == 1 and "TLS error" in r.err, r.err
            assert not leaks(r.out + r.err) and "Traceback" not in r.err
    finally:
        server.shutdown()
        server.server_close()
    assert seen == []


def test_the_bundled_sandbox_token_stays_out_of_logs(tmp_path: Path) -> None:
    """--sandbox at -vv: the emulator's own token and auth id get the same treatment."""
    example = Path(__file__).parents[2] / "powerpacks.yaml"
    (tmp_path / "powerpacks.yaml").write_bytes(example.read_bytes())
    env = {k: v for k, v in cli_env("unused").items() if not k.startswith("PLIVO_")}
    runs = [invoke(tmp_path, env, *args) for args in (
        ["plan", "--sandbox", "-vv"], ["apply", "--sandbox", "--auto-approve", "-vv"],
        ["export", "--sandbox", "-vv"],
    )]  # fmt: skip
    state = json.loads((tmp_path / ".powerpacks" / "sandbox.json").read_text())
    for r in runs:
        assert r.code == 0, r.err
        assert state["auth_token"] not in r.out + r.err
        assert state["auth_id"] not in r.err and mask_account(state["auth_id"]) in r.err
