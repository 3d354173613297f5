"""Every string the web pages pass to _() has a Vietnamese and a Chinese translation."""

import ast
import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po
from jinja2.ext import babel_extract

from smartgate.operations.fees import OTHER_GOODS
from smartgate.policy.model import HOLD_TEXTS
from smartgate.queue.model import NOTICE_TEXTS
from smartgate.registry.model import DIRECTIONS, GATE_TYPES
from smartgate.shared.actor import AGENCIES
from smartgate.shared.lifecycle import TRIP_TRANSITIONS
from smartgate.shared.terms import DELIVERY_MODES
from smartgate.web import i18n, plan_view
from smartgate.web.names import FIELD_LABELS

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
            *plan, *_wordings(), *_history_actions(), *AGENCIES, OTHER_GOODS,
            *FIELD_LABELS.values(), *HOLD_TEXTS}  # fmt: skip


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
        if not message.id:
            continue
        # A plural's every form keeps the singular's placeholders (here "%(count)s").
        source = message.id[0] if message.pluralizable else message.id
        forms = message.string if message.pluralizable else (message.string,)
        for form in forms:
            assert sorted(placeholder.findall(str(source))) == sorted(
                placeholder.findall(str(form))
            ), message.id


def test_translator_uses_the_catalogs() -> None:
    assert i18n.translator("vi")("Gates") == "Cửa khẩu"
    assert i18n.translator("zh")("Gates") == "口岸"
    assert i18n.translator("vi")("tractor_swap") == "Đổi đầu kéo"
    assert i18n.translator("zh")("export") == "出口"
    assert i18n.translator("en")("Gates") == "Gates"


def _plurals() -> set[tuple[str, str]]:
    """Every {% trans count=... %} ... {% pluralize %} ... {% endtrans %} in the templates."""
    found: set[tuple[str, str]] = set()
    for source in (WEB / "templates").glob("*.html"):
        with source.open("rb") as handle:
            for _line, function, message, _ in babel_extract(handle, GETTEXT, [], {}):
                if function == "ngettext":
                    found.add((message[0], message[1]))
    return found


GETTEXT = ("_", "gettext", "ngettext")


def test_plurals_are_found_and_translated_in_every_form() -> None:
    plurals = _plurals()
    assert ("%(count)s trip", "%(count)s trips") in plurals
    for lang in LANGS:
        catalog = _catalog(lang)
        for singular, plural in plurals:
            message = catalog.get(singular)
            assert message is not None and message.pluralizable, f"{lang}: {singular}"
            assert message.id == (singular, plural)
            forms = message.string
            assert len(forms) == catalog.num_plurals and all(f.strip() for f in forms), singular


# Page-facing code: what it refuses is shown on the pages, so it must be a Wording that the
# catalogs translate, never English text built on the spot (f"..." or "...").
# (Accounts are managed with the CLI: `identity` words its refusals for the sign-in only.)
PAGE_FACING = ("declarations", "policy", "queue", "operations", "shared", "web")
NOT_SHOWN = {  # parsers of files the CLI loads; their refusals are never on a page
    "declarations/csv_import.py", "operations/fees.py", "operations/misreads.py",
    "queue/model.py:GateRules", "shared/validation.py:stray_character",
}  # fmt: skip
REFUSALS = {"FieldError", "NotFound", "Forbidden", "Conflict", "BadCredentials", "ValueError",
            "PlateError", "ContainerError", "TooManyRequests"}  # fmt: skip


def _english_refusals() -> list[str]:
    """`FieldError(field, "text")`, `raise Conflict(f"...")` and the like: refusals a page
    would show in English whatever its language."""
    found = []
    for package in PAGE_FACING:
        for path in sorted((WEB.parent / package).rglob("*.py")):
            where = str(path.relative_to(WEB.parent))
            if where in NOT_SHOWN:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                    continue
                if node.func.id not in REFUSALS or not node.args:
                    continue
                text = node.args[-1] if node.func.id == "FieldError" else node.args[0]
                if isinstance(text, ast.JoinedStr | ast.Constant) and _in_a_raise(node, path):
                    found.append(f"{where}:{node.lineno}")
    return found


def _in_a_raise(node: ast.Call, path: Path) -> bool:
    # ValueError is a refusal only where a schema's validator raises it; FieldError always.
    if isinstance(node.func, ast.Name) and node.func.id == "FieldError":
        return True
    return path.name in {"schemas.py", "plates.py", "containers.py", "validation.py"} or (
        node.func.id != "ValueError"  # type: ignore[attr-defined]
    )


def test_refusals_shown_on_pages_are_worded_for_translation() -> None:
    english = _english_refusals()
    assert not english, f"refusals in English only (use Wording): {english}"


def test_every_code_the_pages_show_has_english_words() -> None:
    # English pages read "tractor swap", not the code tractor_swap.
    codes = {text for text in _dynamic() if re.fullmatch(r"[a-z_.]+", text)}
    english = _catalog("en")
    missing = sorted(c for c in codes if english.get(c) is None)
    assert not missing, f"en: no words for {missing}"
    assert i18n.translator("en")("tractor_swap") == "tractor swap"
