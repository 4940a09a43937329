"""Compile gongjiang/locale/*/LC_MESSAGES/django.po to django.mo with polib (no GNU gettext needed).

Before writing anything, the Simplified Chinese catalogue is checked: every entry must have a
translation, none may be fuzzy, and each translation must carry the same placeholders
(%(name)s, %s, %d, {name}) as its msgid. On a problem the script names the msgid and exits 1.

Usage: python scripts/compile_messages.py [--check]
  --check  verify the catalogues and that the committed .mo files are current, write nothing
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from pathlib import Path

import polib

LOCALE_DIR = Path(__file__).resolve().parent.parent / "gongjiang" / "locale"
CHECKED_LANGUAGES = {"zh_Hans"}

# %(name)s and friends, bare %s / %d, and str.format fields; "%%" is a literal percent sign.
PLACEHOLDER_RE = re.compile(
    r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdiouxXeEfFgGcr]"
    r"|%[-#0 +]*\d*(?:\.\d+)?[sdiouxXeEfFgGcr]"
    r"|\{\w*\}"
)


def placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER_RE.findall(text.replace("%%", "")))


def entry_problems(entry: polib.POEntry) -> list[str]:
    """What is wrong with one entry of a catalogue that must be fully translated."""
    label = repr(entry.msgid) + (f" (context {entry.msgctxt!r})" if entry.msgctxt else "")
    problems = []
    if entry.fuzzy:
        problems.append(f"{label}: fuzzy")
    if entry.msgid_plural:
        forms = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
        expected = placeholders(entry.msgid_plural)
    else:
        forms = [entry.msgstr]
        expected = placeholders(entry.msgid)
    if not forms or any(not form for form in forms):
        problems.append(f"{label}: empty msgstr")
        return problems
    for form in forms:
        if placeholders(form) != expected:
            problems.append(
                f"{label}: placeholders {sorted(placeholders(form).elements())} "
                f"differ from the msgid's {sorted(expected.elements())}"
            )
    return problems


def catalogue_problems(po: polib.POFile) -> list[str]:
    return [p for entry in po if not entry.obsolete for p in entry_problems(entry)]


def main(argv: list[str]) -> int:
    check_only = "--check" in argv
    po_paths = sorted(LOCALE_DIR.glob("*/LC_MESSAGES/django.po"))
    if not po_paths:
        print(f"no catalogues under {LOCALE_DIR}", file=sys.stderr)
        return 1
    failed = False
    for po_path in po_paths:
        language = po_path.parent.parent.name
        po = polib.pofile(str(po_path))
        if language in CHECKED_LANGUAGES:
            problems = catalogue_problems(po)
            if problems:
                failed = True
                for problem in problems:
                    print(f"{po_path}: {problem}", file=sys.stderr)
                continue
        mo_path = po_path.with_suffix(".mo")
        data = po.to_binary()
        if check_only:
            if not mo_path.exists() or mo_path.read_bytes() != data:
                failed = True
                print(f"{mo_path} is out of date; run scripts/compile_messages.py", file=sys.stderr)
            continue
        if not mo_path.exists() or mo_path.read_bytes() != data:
            mo_path.write_bytes(data)
        print(f"{mo_path.relative_to(LOCALE_DIR.parent.parent)}: {len(po.translated_entries())} messages")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
