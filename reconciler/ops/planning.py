"""Plan against the live account: fetch, plan, and confirm the read when the plan depends on it.

A plan that creates, renames or deletes depends on the Powerpack list being whole: a Powerpack
deleted and another created between two pages shifts every later offset, so one is never read
while total_count still adds up (a create planned for a name the account holds, or, next time,
a delete). Such a plan re-reads the list; if it moved, everything is read and planned again, up
to three times, then the run stops with an error. A plan without those keeps the minimal calls.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from reconciler.api.client import PlivoClient
from reconciler.core import review
from reconciler.core.models import LiveState, Manifest, Plan
from reconciler.core.planner import plan as make
from reconciler.errors import IncompleteReadError
from reconciler.ops.fetch import confirm_list, fetch_live

log = logging.getLogger("reconciler.plan")

READS = 3


def plan_live(
    client: PlivoClient,
    manifest: Manifest,
    *,
    targets: Sequence[str] = (),
    base: Manifest | None = None,
) -> tuple[LiveState, Plan]:
    """(live state, plan) of `manifest` against the account; with `base`, origins labelled."""
    for attempt in range(READS):
        try:
            live = fetch_live(client, manifest, targets=targets, base=base)
        except IncompleteReadError as e:
            # pages that repeat an object or a total_count that moves: the list moved under
            # the read, as a second read that disagrees would show; read again, then give up
            if attempt == READS - 1 or not _list_moved(e):
                raise
            log.info("plan: %s; reading again", e)
            continue
        result = make(manifest, live, targets=targets)
        if not _depends_on_the_list(result):
            break
        with client.phase("confirming the Powerpack list"):
            same = confirm_list(client, live)
        if same:
            break
        log.info("plan: the Powerpack list moved while it was read; reading again")
    else:
        raise IncompleteReadError(
            f"plan: the Powerpack list changed while it was read, {READS} times in a row "
            "(someone is editing the account?): refusing to plan creates, renames or deletes "
            "from a read that may have missed Powerpacks; try again"
        )
    if base is not None:
        result = review.label_origins(result, manifest, base, live)
    return live, result


def _list_moved(e: IncompleteReadError) -> bool:
    """The Powerpack list moved while it was read (not another list, nor a broken answer)."""
    return (
        bool(e.path)
        and e.path.rstrip("/").endswith("/Powerpack")
        and ("repeated objects" in str(e) or "total_count changed" in str(e))
    )


def _depends_on_the_list(plan: Plan) -> bool:
    return any(
        c.action in ("create", "delete") or any(f.field == "name" for f in c.fields)
        for c in plan.changes
    )
