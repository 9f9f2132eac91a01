"""Credentials in output: the auth id shown masked, the token never, in any form it can take.

One home for the rule, used by the HTTP client's messages, the CLI's logs and its last-line
safety net. The token is removed in every form it can travel in (plain, URL-quoted, JSON-escaped,
inside a Basic header in UTF-8 or latin-1, decoded the wrong way round), then any 8-character piece
of those forms left over (a message cut in the middle of one) is removed too.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import unicodedata
from urllib.parse import quote, quote_plus

MIN_TOKEN_LENGTH = 8
PIECE = 8  # any run of this many characters of a secret form is masked
MASK = "***"


def mask_account(auth_id: str) -> str:
    """Show the first two and last four characters of an auth id: "MA**************AB12"."""
    if len(auth_id) <= 6:
        return "*" * len(auth_id)
    return auth_id[:2] + "*" * (len(auth_id) - 6) + auth_id[-4:]


def account_sha256(auth_id: str) -> str:
    """What a saved plan records of its account: comparable, not reversible to the id."""
    return hashlib.sha256(auth_id.encode()).hexdigest()


def token_problem(token: str) -> str | None:
    """Why a token can't be used (too short to mask safely, or a character it can't carry)."""
    if len(token) < MIN_TOKEN_LENGTH:
        return (
            f"PLIVO_AUTH_TOKEN is too short ({len(token)} characters; Plivo's are 40): "
            "check the variable"
        )
    for i, char in enumerate(token):
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co", "Cn") or char.isspace():
            return (
                f"PLIVO_AUTH_TOKEN has a character that can't be sent (U+{ord(char):04X} at "
                f"position {i + 1}): copy the token again"
            )
    return None


def basic_value(auth_id: str, token: str) -> str:
    """The Authorization header's value: Basic with the UTF-8 bytes of `id:token` (RFC 7617)."""
    return "Basic " + base64.b64encode(f"{auth_id}:{token}".encode()).decode("ascii")


def token_forms(auth_id: str, token: str) -> tuple[str, ...]:
    """Every text an answer or a library could echo the token as, longest first."""
    texts = {token}
    for encoding in ("utf-8", "latin-1"):
        try:
            raw = token.encode(encoding)
        except UnicodeEncodeError:
            continue
        for decoding in ("utf-8", "latin-1", "cp1252"):
            with contextlib.suppress(UnicodeDecodeError):
                texts.add(raw.decode(decoding))  # a server decoding the bytes the wrong way
        for user in (auth_id, ""):
            pair = f"{user}:".encode(encoding) + raw
            encoded = base64.b64encode(pair).decode("ascii")
            texts |= {encoded, encoded.rstrip("=")}
        texts |= _encoded(raw)
        texts |= {quote(raw, safe=""), quote_plus(raw, safe="")}
    texts |= {token.upper(), token.lower()}  # an answer that changed its case
    escaped = set()
    for text in texts:
        escaped |= {json.dumps(text)[1:-1], json.dumps(text, ensure_ascii=False)[1:-1]}
        escaped.add(text.encode("unicode_escape").decode("ascii"))
        with contextlib.suppress(UnicodeEncodeError):  # a lone surrogate (undecodable bytes)
            escaped.add(quote(text, safe=""))
    forms = {f for f in texts | escaped if f}
    return tuple(sorted(forms, key=lambda f: (-len(f), f)))


def _encoded(raw: bytes) -> set[str]:
    """The token's bytes base64-encoded (standard and URL-safe) at each of the three alignments
    it can have inside a longer encoded text (the characters its neighbours share are cut), and
    in hex."""
    forms = {raw.hex(), raw.hex().upper()}
    for shift in range(3):
        # the characters whose 6 bits all come from the token's bytes, not from its neighbours
        first, end = -(-8 * shift // 6), (8 * (shift + len(raw))) // 6
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            core = encode(b"\0" * shift + raw).decode("ascii")[first:end]
            if len(core) >= PIECE:
                forms.add(core)
    return forms


class Redactor:
    """Masks one account's credentials in any text: `redactor.mask(message)`."""

    def __init__(self, auth_id: str = "", token: str = ""):
        self.auth_id = auth_id
        self._forms = token_forms(auth_id, token) if token else ()
        self._pieces = {f[i : i + PIECE] for f in self._forms for i in range(len(f) - PIECE + 1)}

    def mask(self, text: str) -> str:
        """`text` with every form of the token and any piece of one removed, the id masked."""
        for form in self._forms:
            text = text.replace(form, MASK)
        if self._pieces and len(text) >= PIECE:
            text = self._mask_pieces(text)
        if self.auth_id:
            text = text.replace(self.auth_id, mask_account(self.auth_id))
        return text

    def _mask_pieces(self, text: str) -> str:
        """Replace each run of text covered by 8-character pieces of a token form."""
        covered = bytearray(len(text))
        for i in range(len(text) - PIECE + 1):
            if text[i : i + PIECE] in self._pieces:
                covered[i : i + PIECE] = b"\x01" * PIECE
        if not any(covered):
            return text
        out, i = [], 0
        while i < len(text):
            if covered[i]:
                while i < len(text) and covered[i]:
                    i += 1
                out.append(MASK)
            else:
                out.append(text[i])
                i += 1
        return "".join(out)
