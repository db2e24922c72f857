"""How names are compared in search: case- and accent-insensitive, every script kept.

``fold`` is applied to a stored name (to build its index keys) and to a search prefix alike:

1. NFKD: compatibility forms become plain ones (``ﬁ`` → ``fi``, full-width letters → ASCII,
   half-width katakana → full width) and precomposed letters split into base + marks.
2. ``casefold`` (``Straße`` → ``strasse``), then NFKD again (case folding can produce new
   decomposable characters, e.g. ``İ``), as Unicode's canonical caseless matching does.
3. Accents removed: only the *generic* combining diacritics (the Unicode blocks
   ``Combining Diacritical Marks`` and their supplements/extensions, the ones Latin, Greek
   and Cyrillic accents decompose into). Marks that are letters of their own script --
   Devanagari vowel signs (``राहुल``), the kana voicing marks (``が``) -- are kept, so names
   in those scripts keep their meaning and still match themselves exactly.
4. A few Latin letters that have no decomposition are mapped to their base letters
   (``ø`` → ``o``, ``ł`` → ``l``, ``đ`` → ``d``, ``æ`` → ``ae``, ``œ`` → ``oe``, ``þ`` → ``th``,
   Turkish dotless i → ``i``).
5. Whitespace collapsed to single spaces and trimmed.
"""

from __future__ import annotations

import unicodedata

# Generic combining diacritics (accents), by block; script-specific marks are not in these.
_ACCENT_RANGES = (
    (0x0300, 0x036F),  # Combining Diacritical Marks
    (0x1AB0, 0x1AFF),  # Combining Diacritical Marks Extended
    (0x1DC0, 0x1DFF),  # Combining Diacritical Marks Supplement
    (0x20D0, 0x20FF),  # Combining Diacritical Marks for Symbols
    (0xFE20, 0xFE2F),  # Combining Half Marks
)
_LATIN_EXTRAS = str.maketrans({"ø": "o", "ł": "l", "đ": "d", "ð": "d", "æ": "ae", "œ": "oe", "þ": "th", "\u0131": "i"})


def _is_accent(char: str) -> bool:
    code = ord(char)
    return any(low <= code <= high for low, high in _ACCENT_RANGES)


def fold(text: str) -> str:
    """``text`` as search compares it (see the module's docstring); ``""`` if nothing is left."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKD", text).casefold())
    stripped = "".join(char for char in decomposed if not _is_accent(char)).translate(_LATIN_EXTRAS)
    return " ".join(stripped.split())
