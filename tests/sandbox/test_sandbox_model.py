"""Random create/rename/update/delete sequences agree with a plain model of the account."""

from __future__ import annotations

import tempfile
from pathlib import Path

import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reconciler.sandbox import Sandbox, build_state, load_state, write_state

NAMES = st.sampled_from(["a", "b", "c", "d"])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("create"), NAMES),
        st.tuples(st.just("rename"), NAMES, NAMES),
        st.tuples(st.just("sticky"), NAMES, st.booleans()),
        st.tuples(st.just("delete"), NAMES),
    ),
    max_size=12,
)


def apply(model: dict[str, bool], op: tuple) -> int:
    """The status the model expects, after applying `op` to it (name -> sticky_sender)."""
    kind, name = op[0], op[1]
    if kind == "create":
        if name in model:
            return 400
        model[name] = True
        return 200
    if name not in model:
        return 404
    if kind == "rename":
        if op[2] != name and op[2] in model:
            return 400
        model[op[2]] = model.pop(name)
    elif kind == "sticky":
        model[name] = op[2]
    else:
        del model[name]
    return 200


def send(s: requests.Session, base: str, uuids: dict[str, str], op: tuple) -> int:
    """Send `op`; keep `uuids` (name -> uuid) in step with what the sandbox answered."""
    kind, name = op[0], op[1]
    if kind == "create":
        r = s.post(f"{base}/Powerpack/", json={"name": name})
        if r.status_code == 200:
            uuids[name] = r.json()["uuid"]
        return r.status_code
    uuid = uuids.get(name, "00000000-0000-4000-8000-000000000000")
    if kind == "delete":
        r = s.delete(f"{base}/Powerpack/{uuid}/", json={"unrent_numbers": False})
    else:
        body = {"name": op[2]} if kind == "rename" else {"sticky_sender": op[2]}
        r = s.post(f"{base}/Powerpack/{uuid}/", json=body)
    if r.status_code == 200 and kind != "sticky":
        uuid = uuids.pop(name)
        if kind == "rename":
            uuids[op[2]] = uuid
    return r.status_code


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(OPS)
def test_sandbox_matches_the_model(ops: list[tuple]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "s.json"
        write_state(path, build_state(seed=1))
        model: dict[str, bool] = {}
        uuids: dict[str, str] = {}
        with Sandbox(path, rate_limit=None) as sb, requests.Session() as s:
            s.auth = (sb.auth_id, sb.auth_token)
            base = f"{sb.url}/v1/Account/{sb.auth_id}"
            for op in ops:
                assert send(s, base, uuids, op) == apply(model, op), op
            listed = s.get(f"{base}/Powerpack/").json()["objects"]
        assert {o["name"]: o["sticky_sender"] for o in listed} == model
        saved = load_state(path)["powerpacks"]
        assert {p["name"]: p["sticky_sender"] for p in saved} == model
