"""Every string the web pages pass to _() has a Vietnamese and a Chinese translation."""

import ast
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from smartgate.operations.fees import OTHER_GOODS
from smartgate.queue.model import NOTICE_TEXTS
from smartgate.registry.model import DIRECTIONS, GATE_TYPES
from smartgate.shared.actor import AGENCIES
from smartgate.shared.lifecycle import TRIP_TRANSITIONS
from smartgate.shared.terms import DELIVERY_MODES
from smartgate.web import i18n, plan_view

WEB = Path(i18n.__file__).parent
SOURCES = sorted((WEB / "templates").glob("*.html")) + [WEB / "routes.py"]
LANGS = ("vi", "zh")

# _("literal") in a template or in routes.py
LITERAL = re.compile(r"""\b_\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')\s*\)""")
# the login error, which login.html shows as _(error)
LOGIN_ERROR = re.compile(r"""\berror\s*=\s*"([^"]+)\"""")


def _literals() -> set[str]:
    found: set[str] = set()
    for source in SOURCES:
        for double, single in LITERAL.findall(source.read_text(encoding="utf-8")):
            found.add(double or single)
    return found


def _wordings() -> set[str]:
    """Every Wording("...") in the source: the refusals users read on the web pages."""
    found: set[str] = set()
    for path in (WEB.parent).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "Wording"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.add(node.args[0].value)
    return found


def _history_actions() -> set[str]:
    """What a trip's history says was done: "created" and each amendment's action."""
    amendments = (WEB.parent / "declarations" / "amendments.py").read_text(encoding="utf-8")
    return {"created", *re.findall(r'return "([a-z]+\.[a-z]+)"', amendments)}


def _dynamic() -> set[str]:
    """Values the pages pass to _() through variables, from the code that defines them."""
    errors = set(LOGIN_ERROR.findall((WEB / "routes.py").read_text(encoding="utf-8")))
    notices = {text for _, text in NOTICE_TEXTS.values()}
    plan = {label for _, label, _ in plan_view.FIGURES} | {plan_view.HELD}
    return {*GATE_TYPES, *DIRECTIONS, *DELIVERY_MODES, *TRIP_TRANSITIONS, *errors, *notices,
            *plan, *_wordings(), *_history_actions(), *AGENCIES, OTHER_GOODS}  # fmt: skip


def _catalog(lang: str) -> Catalog:
    with (WEB / "locale" / lang / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_extraction_finds_the_pages_strings() -> None:
    literals, dynamic = _literals(), _dynamic()
    assert {"Gates", "Sign in", "Trip declared."} <= literals
    assert {"international", "export", "tractor_swap", "declared"} <= dynamic
    assert "Wrong username or password" in dynamic
    assert "slot {slot} is full ({quota} places); pick another" in dynamic
    assert {"created", "goods.added", "status.changed"} <= dynamic


@pytest.mark.parametrize("lang", LANGS)
def test_every_string_is_translated(lang: str) -> None:
    catalog = _catalog(lang)
    wanted = _literals() | _dynamic()
    untranslated = sorted(
        text
        for text in wanted
        if (message := catalog.get(text)) is None or not str(message.string).strip()
    )
    assert not untranslated, f"{lang}: no translation for {untranslated}"
    fuzzy = sorted(str(m.id) for m in catalog if m.id and m.fuzzy)
    assert not fuzzy, f"{lang}: fuzzy entries {fuzzy}"


@pytest.mark.parametrize("lang", LANGS)
def test_placeholders_survive_translation(lang: str) -> None:
    # Keep python-format / brace placeholders identical if any are ever added.
    placeholder = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}")
    for message in _catalog(lang):
        if message.id:
            assert sorted(placeholder.findall(str(message.id))) == sorted(
                placeholder.findall(str(message.string))
            ), message.id


def test_translator_uses_the_catalogs() -> None:
    assert i18n.translator("vi")("Gates") == "Cửa khẩu"
    assert i18n.translator("zh")("Gates") == "口岸"
    assert i18n.translator("vi")("tractor_swap") == "Đổi đầu kéo"
    assert i18n.translator("zh")("export") == "出口"
    assert i18n.translator("en")("Gates") == "Gates"
