"""Message catalogs (Babel .po files) for vi / zh / en, chosen per request.

The .po files are the only committed form: each is compiled to a .mo in memory the first
time a page asks for its language, and read by `babel.support.Translations`."""

from collections.abc import Callable
from functools import lru_cache
from io import BytesIO
from pathlib import Path

from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations
from fastapi import Request

LANGUAGES = {"vi": "Tiếng Việt", "zh": "中文", "en": "English"}
DEFAULT = "vi"
COOKIE = "smartgate_lang"
LOCALE_DIR = Path(__file__).parent / "locale"


@lru_cache
def translations(lang: str) -> NullTranslations:
    """The compiled catalog of `lang` (English, the source language, has none)."""
    path = LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    if not path.exists():
        return NullTranslations()
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    compiled = BytesIO()
    write_mo(compiled, catalog)  # fuzzy entries stay out, as msgfmt leaves them
    compiled.seek(0)
    return Translations(compiled)


def translator(lang: str) -> Callable[[str], str]:
    """A gettext for `lang`; untranslated text shows in English."""
    return translations(lang).gettext


def plural(lang: str) -> Callable[[str, str, int], str]:
    """An ngettext for `lang`: the form of a text that fits a count."""
    return translations(lang).ngettext


def negotiate(accept_language: str) -> str | None:
    """The language of ours a browser's Accept-Language header prefers (by its q-values),
    or None when it accepts none of them."""
    return negotiate_locale(_preferred(accept_language), list(LANGUAGES), sep="-")


def _preferred(header: str) -> list[str]:
    # "zh-CN,zh;q=0.9,en;q=0.5": tags best first; q=0 means "not this one".
    weighted = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        tag = tag.strip().lower()
        if tag and tag != "*" and quality > 0:
            weighted.append((-quality, position, tag))
    return [tag for _, _, tag in sorted(weighted)]


def language(request: Request) -> str:
    """The reader's language: ?lang=, then the cookie, then Accept-Language, then Vietnamese."""
    for candidate in (request.query_params.get("lang"), request.cookies.get(COOKIE)):
        if candidate in LANGUAGES:
            return candidate
    return negotiate(request.headers.get("accept-language", "")) or DEFAULT
