"""Message catalogs (Babel .po files) for vi / zh / en, chosen per request."""

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po
from fastapi import Request

LANGUAGES = {"vi": "Tiếng Việt", "zh": "中文", "en": "English"}
DEFAULT = "vi"
COOKIE = "smartgate_lang"
LOCALE_DIR = Path(__file__).parent / "locale"


@lru_cache
def _messages(lang: str) -> dict[str, str]:
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return {}  # English is the source language
    with path.open("rb") as handle:
        catalog = read_po(handle)
    return {str(m.id): str(m.string) for m in catalog if m.id and m.string}


def translator(lang: str) -> Callable[[str], str]:
    """A gettext for `lang`; untranslated text shows in English."""
    messages = _messages(lang)
    return lambda text: messages.get(text, text)


def language(request: Request) -> str:
    """The reader's language: ?lang=, then the cookie, then Accept-Language, then Vietnamese."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    accepted = request.headers.get("accept-language", "")
    for part in accepted.split(","):
        code = part.split(";")[0].strip()[:2].lower()
        if code in LANGUAGES:
            return code
    return DEFAULT
