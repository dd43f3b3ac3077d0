"""An HTTP client for a running server: an organizer who logs in and submits forms."""

from __future__ import annotations

import http.cookiejar
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser


class _Forms(HTMLParser):
    """The fields of every form on a page, with the values a browser would submit."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[list[tuple[str, str]]] = []
        self._select: str | None = None
        self._selected: str | None = None
        self._first_option: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {key: value or "" for key, value in attrs}
        if tag == "form":
            self.forms.append([])
        if not self.forms:
            return
        fields = self.forms[-1]
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "file", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in a:
                return
            fields.append((name, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select, self._selected, self._first_option = name, None, None
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in a:
                self._selected = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None and self.forms:
            chosen = self._selected if self._selected is not None else self._first_option
            self.forms[-1].append((self._select, chosen or ""))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self.forms:
            # A browser drops the one newline right after <textarea>.
            self.forms[-1].append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)


def form_fields(html: str, having: str) -> list[tuple[str, str]]:
    """The fields of the first form on the page that has a field named `having`."""
    parser = _Forms()
    parser.feed(html)
    for fields in parser.forms:
        if any(name == having for name, _ in fields):
            return fields
    raise LookupError(f"no form with a field {having!r}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # noqa: ANN002, ANN003 -- urllib's signature
        return None


class Organizer:
    """One organizer's browser: its own cookies, no automatic redirects."""

    def __init__(self, base: str, timeout: float = 30) -> None:
        self.base = base
        self.timeout = timeout
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()), _NoRedirect()
        )

    def request(
        self, path: str, fields: list[tuple[str, str]] | None = None
    ) -> tuple[int, str, dict[str, str]]:
        """GET `path`, or POST `fields` to it: status, body and headers."""
        body = urllib.parse.urlencode(fields).encode() if fields is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                return response.status, response.read().decode(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode(errors="replace"), dict(error.headers)

    def log_in(self, email: str, password: str) -> None:
        """Log in through the login page, as a person would."""
        _, html, _ = self.request("/login")
        fields = form_fields(html, "password")
        fields = [(n, v) for n, v in fields if n not in {"email", "password"}]
        status, body, _ = self.request(
            "/login", [*fields, ("email", email), ("password", password)]
        )
        assert status in {302, 303}, (status, body[:500])

    def edit_form(self, talk_id: int) -> list[tuple[str, str]]:
        """The talk's edit form as the page fills it."""
        status, html, _ = self.request(f"/dashboard/talks/{talk_id}/edit")
        assert status == 200, status
        return form_fields(html, "version")

    def save_talk(self, talk_id: int, fields: list[tuple[str, str]]) -> int:
        """Submit the edit form with the save button: 303 saved, 409 conflict, 422 refused."""
        status, _, _ = self.request(f"/dashboard/talks/{talk_id}/edit", [*fields, ("save", "1")])
        return status


def replace(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    """The form's fields with some values changed."""
    return [(name, values.get(name, value)) for name, value in fields]
