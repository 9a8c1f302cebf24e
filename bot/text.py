"""Text normalisation shared by NLU and the trade modules: Traditional → Simplified
(OpenCC), full-width → half-width, whitespace folded."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import opencc

_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Convert Traditional characters to Simplified; other text is unchanged."""
    return _t2s().convert(text) if text else ""


def normalize(text: str | None) -> str:
    """Simplified, half-width (NFKC keeps CJK intact), single spaces, stripped."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    return _SPACES.sub(" ", to_simplified(text)).strip()
