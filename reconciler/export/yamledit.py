"""Edits of a ruamel round-trip tree that keep every comment and blank line where a reader expects.

ruamel attaches the lines that follow a value (blank lines, full-line comments introducing the next
key) to the end-of-line comment of the last scalar written before them: the "tail" of the previous
entry. Adding or removing an entry at the end of a mapping would carry those lines along with the
wrong neighbour, so these helpers move them explicitly.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import CommentMark
from ruamel.yaml.tokens import CommentToken

Slot = tuple[Any, Any]
"""(container, key or index) whose end-of-line comment token holds the lines after it."""


def is_block(node: Any) -> bool:
    """A non-empty mapping or sequence written in block style (one item per line)."""
    return (
        isinstance(node, (CommentedMap, CommentedSeq)) and bool(node) and not node.fa.flow_style()
    )


def tail(container: Any, key: Any) -> Slot:
    """The last line written for `container[key]`: descend block collections to their last item."""
    value = container[key]
    while is_block(value):
        container, key = (
            value,
            (list(value)[-1] if isinstance(value, CommentedMap) else len(value) - 1),
        )
        value = container[key]
    return container, key


def _token_index(container: Any) -> int:
    return 2 if isinstance(container, CommentedMap) else 0


def _token(slot: Slot) -> Any:
    container, key = slot
    entry = container.ca.items.get(key)
    return entry[_token_index(container)] if entry else None


def take_rest(slot: Slot) -> str:
    """Remove and return the lines after the slot's own line (its end-of-line comment stays)."""
    token = _token(slot)
    if token is None or "\n" not in token.value:
        return ""
    first, rest = token.value.split("\n", 1)
    token.value = first + "\n"
    return rest


def put_rest(slot: Slot, rest: str) -> None:
    """Append lines after the slot's own line (after its end-of-line comment, if any)."""
    if not rest:
        return
    token = _token(slot)
    if token is not None:
        token.value = token.value + rest
        return
    container, key = slot
    entry = container.ca.items.setdefault(key, [None, None, None, None])
    entry[_token_index(container)] = CommentToken("\n" + rest, CommentMark(0))


def insert_ordered(
    container: CommentedMap, key: str, value: Any, order: Sequence[str] | None
) -> None:
    """Insert after the last key that comes before `key` in `order` (None: append)."""
    keys = list(container)
    rank = order.index(key) if order else len(keys)
    pos = max((i + 1 for i, k in enumerate(keys) if _rank(k, order, i) < rank), default=0)
    moving = pos == len(keys) and keys and not container.fa.flow_style()
    rest = take_rest(tail(container, keys[-1])) if moving else ""
    container.insert(pos, key, value)
    put_rest(tail(container, key), rest)


def _rank(key: str, order: Sequence[str] | None, index: int) -> int:
    if order is None:
        return index
    return order.index(key) if key in order else -1


def delete_key(container: CommentedMap, key: str) -> None:
    """Remove an entry; the lines that introduced the next entry stay in front of it."""
    keys = list(container)
    i = keys.index(key)
    rest = take_rest(tail(container, key))
    if i > 0:
        previous = tail(container, keys[i - 1])
        take_rest(previous)  # what introduced the removed entry goes with it
        put_rest(previous, rest)
    elif rest and i + 1 < len(keys):
        entry = container.ca.items.setdefault(keys[i + 1], [None, None, None, None])
        entry[1] = [CommentToken(rest, CommentMark(0)), *(entry[1] or [])]
    del container[key]
    container.ca.items.pop(key, None)


def blank_line_between(container: CommentedMap) -> bool:
    """Are the entries of this mapping separated by blank lines (so new ones should be too)?"""
    keys = list(container)
    for i, key in enumerate(keys[1:], 1):
        before = container.ca.items.get(key, [None, None])[1] or []
        token = _token(tail(container, keys[i - 1]))
        after = token.value.split("\n", 1)[1] if token is not None and "\n" in token.value else ""
        if after.startswith("\n") or any(t.value.startswith("\n") for t in before):
            return True
    return False


def keep_original_lines(original: str, baseline: str, edited: str) -> str:
    """`edited` with every line it didn't change written exactly as in `original`.

    ruamel re-emits some whitespace its own way (`key:   1` becomes `key: 1`). `baseline` is the
    untouched round trip of `original`; where it has the same lines as `original`, the lines that
    the edit left alone are taken from `original`, so the diff a reviewer sees is only the edit.
    """
    source, base, new = (t.splitlines(keepends=True) for t in (original, baseline, edited))
    if len(source) != len(base):
        return edited  # ruamel changed the line structure: no safe line-for-line mapping
    out: list[str] = []
    matcher = difflib.SequenceMatcher(a=base, b=new, autojunk=False)
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        out.extend(source[a0:a1] if op == "equal" else new[b0:b1])
    return "".join(out)
