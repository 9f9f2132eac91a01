"""The hardening classes, counted rather than asserted: `python -m tests.hardening.figures`.

Each class of `tests/hardening/` run from outside, the CLI as a subprocess against the sandbox
or a loopback server, and counted: saved plans tampered (every tampering of the catalogue, of
plain and pool plans) refused whole and writes they caused (must be 0); Powerpack lists that move
between page reads, planned right or refused, and wrong plans (a create of a held name, a delete
of a gone or wanted one: must be 0); stalled exchanges of every kind cut with one clear error, and
hangs (must be 0); look-alike pairs refused and deleted (must be 0); token echoes in every form
and leaks (must be 0). The tests assert the same per case; this prints the totals.
"""

from __future__ import annotations

import argparse
import copy
import json
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from reconciler.api.client import PlivoClient
from reconciler.errors import ApiError
from tests.support.world import world_at as start

from . import test_lookalikes as looks
from . import test_plan_tampering as tamper
from . import test_secret_forms as secrets
from . import test_shifted_reads as shifted
from .test_deadlines import KINDS, url_of


def tampered_plans(base: Path) -> dict[str, int]:
    """Every tampering of the catalogue, through `apply --plan`."""
    from tests.support.plans import LIVE, POOL_LIVE, POOL_RENTED, pool_plan, saved_plan

    counts: Counter[str] = Counter()
    worlds = [
        (start(base / "main", LIVE), saved_plan, tamper.MAIN),
        (start(base / "pools", POOL_LIVE, POOL_RENTED), pool_plan, tamper.POOLS),
    ]
    for w, make, cases in worlds:
        doc = make(w)
        live = {p["name"]: p for p in w.sb.snapshot()["powerpacks"]}
        texts = []
        for edit in cases.values():
            forged = copy.deepcopy(doc)
            if cases is tamper.POOLS:  # what the pool tamperings read, as their test gives it
                forged["x-keep-pool"] = live["keep-10"]["number_pool"]["uuid"]
                forged["x-uuids"] = {name: p["uuid"] for name, p in live.items()}
            edit(forged)
            forged.pop("x-keep-pool", None)
            forged.pop("x-uuids", None)
            texts.append(json.dumps(forged, indent=2, ensure_ascii=False))
        if cases is tamper.MAIN:  # files JSON readers read differently (a key twice, NaN)
            texts += [raw(json.dumps(doc, indent=2)) for raw in tamper.RAW.values()]
        for text in texts:
            w.sb.clear_journal()
            path = w.cwd / "tampered.json"
            path.write_text(text, encoding="utf-8")
            r = w.run("apply", "--plan", str(path), "--auto-approve", "--allow-delete",
                      "--allow-mass-change")  # fmt: skip
            counts["tampered plans"] += 1
            counts["refused whole (exit 1, one error)"] += r.code == 1 and "Traceback" not in r.err
            counts["writes they caused"] += len(w.writes())
        w.sb.stop()
    return dict(counts)


def moving_lists(base: Path) -> dict[str, int]:
    """Every churn of the catalogue, through plan and apply."""
    from tests.support.servers import MovingApi

    counts: Counter[str] = Counter()
    for i, churn in enumerate(shifted.CHURNS.values()):
        for command in ("plan", "apply"):
            api = MovingApi(shifted.COUNT, churn)
            folder = base / f"shift-{i}-{command}"
            folder.mkdir(parents=True)
            args = ["plan", "--format", "json"] if command == "plan" else [
                "apply", "--auto-approve", "--allow-delete", "--allow-mass-change"]  # fmt: skip
            r = shifted.run(api, folder, *args)
            counts["runs under a moving list"] += 1
            counts["re-read"] += api.reads >= 2
            if r.code == 1 and "Traceback" not in r.err and api.writes() == []:
                counts["stopped with a clear error, no write"] += 1
            elif r.code == 0 and command == "plan":
                try:
                    shifted.check_plan(api, json.loads(r.out))
                    counts["planned right"] += 1
                except AssertionError:
                    counts["planned wrong"] += 1
            elif r.code == 0:
                names = Counter(api.names())
                right = set(names) == set(shifted.WANTED) and max(names.values()) == 1
                counts["applied right" if right else "applied wrong"] += 1
            else:
                counts["other outcome"] += 1
            api.close()
    counts.setdefault("planned wrong", 0)
    counts.setdefault("applied wrong", 0)
    return dict(counts)


def stalled_exchanges() -> dict[str, int]:
    """Every stall kind, through the real client with a 0.3 s exchange and a 1 s call deadline."""
    from tests.support import servers as S
    from tests.support.accounts import AUTH_ID, TOKEN

    counts: Counter[str] = Counter()
    for kind, make in KINDS.items():
        server = S.RawServer(lambda conn: None)
        server.serve = make(server)
        began = time.monotonic()
        client = PlivoClient(url_of(server, kind), AUTH_ID, TOKEN, timeout=0.3, deadline=1.0,
                             backoff=(0.01, 0.05))  # fmt: skip
        counts["stalled exchanges"] += 1
        try:
            with client:
                client.request("GET", "Powerpack/")
            counts["answered (wrong)"] += 1
        except ApiError:
            counts["cut with one clear error"] += 1
        counts["hangs (over 10 s)"] += time.monotonic() - began > 10
        server.close()
    counts.setdefault("answered (wrong)", 0)
    return dict(counts)


def look_alikes(base: Path) -> dict[str, int]:
    """All pairs of the catalogue in one account, planned and applied with prune and
    --allow-delete."""
    from tests.support.accounts import pp

    w = start(base / "looks", [pp(name) for name in looks.PAIRS])
    w.write(looks.manifest_text())
    counts: Counter[str] = Counter({"look-alike pairs": len(looks.PAIRS)})
    for args in (("plan",), ("apply", "--auto-approve", "--allow-delete", "--allow-mass-change")):
        r = w.run(*args)
        refused = r.code == 1 and "refusing to delete and re-create look-alike" in r.err
        counts[f"{args[0]}: refused"] += refused
    counts["deleted"] = len(set(looks.PAIRS) - set(w.names()))
    counts["writes"] = len(w.writes())
    w.sb.stop()
    return dict(counts)


def token_echoes(base: Path) -> dict[str, int]:
    """Every echo of the token in every token alphabet, through plan at -vv."""
    from tests.support.cli import cli_env, run_cli
    from tests.support.servers import EchoApi

    counts: Counter[str] = Counter()
    for token in secrets.TOKENS.values():
        for echo in secrets.ECHOES.values():
            api = EchoApi(lambda header, echo=echo, token=token: echo(token, header))
            folder = Path(tempfile.mkdtemp(dir=base))
            (folder / "powerpacks.yaml").write_text(secrets.MANIFEST)
            env = cli_env(api.url, token=token, POWERPACKS_TIMEOUT="0.5")
            r = run_cli(folder, env, "plan", "-vv", timeout=60)
            counts["token echoes"] += 1
            counts["leaks"] += bool(secrets.leaked(token, r.out + r.err))
            counts["tracebacks"] += "Traceback" in r.err
            api.close()
    return dict(counts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=["tamper", "shift", "stall", "looks", "secrets"])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        runs = {
            "tamper": lambda: tampered_plans(base / "t"),
            "shift": lambda: moving_lists(base / "s"),
            "stall": stalled_exchanges,
            "looks": lambda: look_alikes(base / "l"),
            "secrets": lambda: token_echoes(base),
        }
        for name, run in runs.items():
            if args.only in (None, name):
                began = time.monotonic()
                figures: dict[str, Any] = run()
                print(f"{name} ({time.monotonic() - began:.0f} s)")
                for key, value in figures.items():
                    print(f"  {key:<40} {value:>6}")


if __name__ == "__main__":
    main()
