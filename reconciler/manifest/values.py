"""The values the walker hands to the file models, for what a plain Python value would lose.

YAML says more than JSON: `id: 0042` is an integer whose digits matter, `1e5` is a float that no
field takes, a 5,000-digit integer cannot become a Python int (the int-string limit). The walker
builds the models' input from YAML nodes with these, and the models' validators know them.
"""

from __future__ import annotations


class WrittenInt(int):
    """A YAML integer, with its text as written (`0042`, `+14155550100`, `0x1F`)."""

    text: str

    def __new__(cls, value: int, text: str) -> WrittenInt:
        self = super().__new__(cls, value)
        self.text = text
        return self


class Opaque:
    """A value no field takes as it stands: a float, an integer too long to convert, a tagged
    scalar, or a list or mapping where a scalar goes, or an unknown key's value (not read).
    Every strict type rejects it, and the walker words the error from the YAML node."""

    __slots__ = ("kind", "text")

    def __init__(self, kind: str, text: str = ""):
        self.kind, self.text = kind, text

    def __repr__(self) -> str:
        return f"Opaque({self.kind!r})"


UNREAD = Opaque("unread")


def digits_as_written(value: object, plus: bool = False) -> object:
    """An integer as the text it was written as, when that text is digits (with a leading `+`
    when `plus`): ids and numbers are text even unquoted. Anything else is returned as it is."""
    if isinstance(value, WrittenInt) or (isinstance(value, Opaque) and value.kind == "int"):
        text = value.text
        bare = text[1:] if plus and text.startswith("+") else text
        return text if bare.isdigit() and bare.isascii() else value
    if type(value) is int and value >= 0:  # plain data (JSON): non-negative integers
        return str(value)
    return value
