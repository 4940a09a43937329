"""The message catalogues: complete Simplified Chinese, compiled .mo files current, and used by the pages.

English is the msgid language, so the English catalogue carries no translations; Simplified
Chinese (the default language) must translate every message. Regenerate with
`cd gongjiang && gongjiang makemessages -l zh_Hans -l en --no-obsolete --ignore "static/*"`,
translate, then `python scripts/compile_messages.py`.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from pathlib import Path

import polib
import pytest
from django.utils import translation

PACKAGE_DIR = Path(__file__).resolve().parents[2]
LOCALE_DIR = PACKAGE_DIR / "locale"
ZH_PO = LOCALE_DIR / "zh_Hans" / "LC_MESSAGES" / "django.po"
PO_PATHS = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))
SKIPPED_DIRS = {"tests", "migrations", "static", "locale", "__pycache__"}

PLACEHOLDER_RE = re.compile(
    r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdiouxXeEfFgGcr]"
    r"|%[-#0 +]*\d*(?:\.\d+)?[sdiouxXeEfFgGcr]"
    r"|\{\w*\}"
)
_STRING = r"(\"(?:[^\"\\\n]|\\.)*\"|'(?:[^'\\\n]|\\.)*')"
GETTEXT_NAMES = {"_", "_l", "gettext", "gettext_lazy", "gettext_noop"}
TRANSLATE_TAG_RE = re.compile(r"\{%\s*(?:translate|trans)\s+" + _STRING)


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER_RE.findall(text.replace("%%", "")))


def source_files(suffix: str) -> list[Path]:
    return [
        path
        for path in sorted(PACKAGE_DIR.rglob(f"*{suffix}"))
        if not SKIPPED_DIRS.intersection(path.relative_to(PACKAGE_DIR).parts)
    ]


def extracted_msgids() -> dict[str, str]:
    """Literal msgids found in the package's Python files and templates, each with where it was found."""
    found: dict[str, str] = {}
    for path in source_files(".py"):
        # Parsed, so that a message written as adjacent literals over several lines is found whole.
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id in GETTEXT_NAMES
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                found.setdefault(node.args[0].value, f"{path.relative_to(PACKAGE_DIR)}:{node.lineno}")
    for path in source_files(".html"):
        text = path.read_text(encoding="utf-8")
        for match in TRANSLATE_TAG_RE.finditer(text):
            line = text.count("\n", 0, match.start()) + 1
            found.setdefault(match.group(1)[1:-1], f"{path.relative_to(PACKAGE_DIR)}:{line}")
    return found


@pytest.fixture(scope="module")
def zh_catalogue() -> polib.POFile:
    return polib.pofile(str(ZH_PO))


def test_both_catalogues_exist() -> None:
    assert {path.parent.parent.name for path in PO_PATHS} >= {"zh_Hans", "en"}


def test_every_message_has_a_chinese_translation_with_the_same_placeholders(zh_catalogue) -> None:
    assert zh_catalogue.metadata["Plural-Forms"].startswith("nplurals=1;")
    problems = []
    for entry in zh_catalogue:
        if entry.obsolete:
            continue
        if entry.fuzzy:
            problems.append(f"{entry.msgid!r}: fuzzy")
        if entry.msgid_plural:
            forms, source = list(entry.msgstr_plural.values()), entry.msgid_plural
        else:
            forms, source = [entry.msgstr], entry.msgid
        if not forms or not all(forms):
            problems.append(f"{entry.msgid!r}: not translated")
            continue
        problems += [
            f"{entry.msgid!r}: placeholders of {form!r} differ"
            for form in forms
            if placeholders(form) != placeholders(source)
        ]
    assert not problems, "\n".join(problems)


def _entries(entries) -> dict[tuple[str | None, str, str | None], object]:
    return {
        (e.msgctxt or None, e.msgid, e.msgid_plural or None): (
            tuple(e.msgstr_plural[k] for k in sorted(e.msgstr_plural)) if e.msgid_plural else e.msgstr
        )
        for e in entries
    }


@pytest.mark.parametrize("po_path", PO_PATHS, ids=lambda p: p.parent.parent.name)
def test_compiled_catalogue_is_up_to_date(po_path: Path) -> None:
    po = polib.pofile(str(po_path))
    mo_path = po_path.with_suffix(".mo")
    assert mo_path.exists(), f"{mo_path} is missing; run scripts/compile_messages.py"
    compiled = polib.mofile(po.to_binary())
    committed = polib.mofile(str(mo_path))
    assert _entries(committed) == _entries(compiled), f"{mo_path} is stale; run scripts/compile_messages.py"
    assert committed.metadata.get("Plural-Forms") == po.metadata.get("Plural-Forms")


def test_every_marked_string_in_the_source_is_in_the_catalogue(zh_catalogue) -> None:
    found = extracted_msgids()
    assert len(found) > 100, "the extraction regexes found suspiciously few strings"
    assert "Persons" in found and "Log in" in found
    catalogue = {entry.msgid for entry in zh_catalogue if not entry.obsolete}
    # Django stores a literal % of a template {% translate %} string doubled (%%), in the catalogue and
    # at lookup alike, so a template string is present when either spelling is.
    missing = sorted(
        f"{where}: {msgid!r}"
        for msgid, where in found.items()
        if msgid not in catalogue and not (".html:" in where and msgid.replace("%", "%%") in catalogue)
    )
    assert not missing, "not in the catalogue (run makemessages and translate):\n" + "\n".join(missing)


def _records(n: int) -> str:
    return translation.ngettext("%(counter)s record", "%(counter)s records", n) % {"counter": n}


def test_gettext_follows_the_active_language() -> None:
    with translation.override("zh-hans"):
        assert translation.gettext("Persons") == "人员"
        assert translation.gettext("Log in") == "登录"
        assert _records(1) == "共1条记录" and _records(3) == "共3条记录"
    with translation.override("en"):
        assert translation.gettext("Persons") == "Persons"
        assert _records(1) == "1 record" and _records(3) == "3 records"


@pytest.fixture
def keep_language():
    # The locale middleware activates the request's language in this thread; restore it afterwards.
    with translation.override(translation.get_language()):
        yield


@pytest.mark.usefixtures("keep_language")
def test_login_page_is_chinese_by_default(client) -> None:
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    page = response.content.decode()
    assert "登录" in page and "用户名" in page and '<html lang="zh-hans">' in page
    assert "Log in" not in page


@pytest.mark.usefixtures("keep_language")
def test_login_page_in_english_from_accept_language(client) -> None:
    response = client.get("/accounts/login/", headers={"accept-language": "en"})
    page = response.content.decode()
    assert "Log in" in page and "User name" in page
    assert "登录" not in page


@pytest.mark.usefixtures("keep_language")
def test_language_switch_sets_the_cookie(client) -> None:
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert client.cookies["django_language"].value == "en"
    page = client.get("/accounts/login/").content.decode()
    assert "Log in" in page and "登录" not in page

    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/accounts/login/"})
    assert "登录" in client.get("/accounts/login/").content.decode()
