"""The site behind a real nginx (HTTPS in front, waitress behind) as the README deploys it:
every absolute link is the public https:// address, the login limit sees each client's own
address, and the site works under a sub-path."""

from __future__ import annotations

import http.client
import json
import re
import shutil
import ssl
import subprocess
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.browser.conftest import PROJECT_ROOT, _free_port, _wait_until_up
from tests.helpers import instance_env
from tests.liveclient import form_fields
from tests.mailbox import Mailbox, smtp_server

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
PUBLIC = "https://seminars.example.org"
HOST = "seminars.example.org"
EMAIL = "olga@example.org"
PASSWORD = "a proxied organizer password"

pytestmark = pytest.mark.skipif(not Path(NGINX).exists(), reason="nginx is not installed")

NGINX_CONF = """
daemon off;
master_process off;
worker_processes 1;
pid {dir}/nginx.pid;
error_log {dir}/error.log;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {dir}/body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    server {{
        listen 127.0.0.1:{port} ssl;
        server_name {host};
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        client_max_body_size 25m;
        # The README's example: the whole site at the root ...
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
        # ... and the same site under a sub-path.
        location /seminars/ {{
            proxy_pass http://127.0.0.1:{app_port}/;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Forwarded-Prefix /seminars;
        }}
    }}
}}
"""


@dataclass
class Site:
    port: int
    cert: Path
    mailbox: Mailbox
    instance: Path
    env: dict[str, str]


def _run(args: list[str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Iterator[Site]:
    """The demo site with an organizer and mail, waitress behind nginx with a fresh certificate."""
    instance = tmp_path_factory.mktemp("proxied-instance")
    proxy_dir = tmp_path_factory.mktemp("nginx")
    _run(
        [
            "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
            "-keyout", str(proxy_dir / "key.pem"), "-out", str(proxy_dir / "cert.pem"),
            "-subj", f"/CN={HOST}", "-addext", f"subjectAltName=DNS:{HOST}",
        ]
    )  # fmt: skip
    with smtp_server() as (mailbox, smtp_port):
        (instance / "config.py").write_text(
            f'MAIL_HOST = "127.0.0.1"\nMAIL_PORT = {smtp_port}\nMAIL_SECURITY = "none"\n'
            'MAIL_FROM = "Seminar site <seminar@example.org>"\n'
        )
        env = {
            **instance_env(instance),
            "PRISEC_PROXY_HOPS": "1",
            "PRISEC_SITE_URL": PUBLIC + "/",
            # waitress is asked for /healthz directly by the test, as a health check would.
            "PRISEC_TRUSTED_HOSTS": "127.0.0.1",
            "PRISEC_SESSION_COOKIE_SECURE": "true",
        }
        flask = [sys.executable, "-m", "flask", "--app", "app"]
        _run([*flask, "db", "upgrade", "heads"], cwd=PROJECT_ROOT, env=env)
        _run([*flask, "seed-demo", "--if-empty"], cwd=PROJECT_ROOT, env=env)
        _run(
            [*flask, "organizer", "create", EMAIL, "--name", "Olga"],
            cwd=PROJECT_ROOT, env=env, input=PASSWORD + "\n",
        )  # fmt: skip
        app_port, port = _free_port(), _free_port()
        (proxy_dir / "nginx.conf").write_text(
            NGINX_CONF.format(dir=proxy_dir, port=port, app_port=app_port, host=HOST)
        )
        # waitress drops X-Forwarded-* by default; the app's ProxyFix (PRISEC_PROXY_HOPS)
        # is what decides how many of them to believe.
        waitress = [sys.executable, "-m", "waitress", "--no-clear-untrusted-proxy-headers"]
        app = subprocess.Popen(
            [*waitress, f"--listen=127.0.0.1:{app_port}", "app:app"],
            cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        nginx = subprocess.Popen(
            [NGINX, "-e", str(proxy_dir / "error.log"), "-p", str(proxy_dir),
             "-c", str(proxy_dir / "nginx.conf")],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            _wait_until_up(f"http://127.0.0.1:{app_port}", app)
            yield Site(port, proxy_dir / "cert.pem", mailbox, instance, env)
        finally:
            nginx.terminate()
            app.terminate()
            nginx.wait(timeout=10)
            app.wait(timeout=10)


class Visitor:
    """A browser at one client address, speaking HTTPS to nginx as seminars.example.org."""

    def __init__(self, site: Site, address: str = "127.0.0.1") -> None:
        self.site = site
        self.address = address
        self.cookies: dict[str, str] = {}
        self.context = ssl.create_default_context(cafile=str(site.cert))
        # The certificate names the public host; the connection goes to 127.0.0.1.
        self.context.check_hostname = False

    def request(self, path: str, fields: list[tuple[str, str]] | None = None):
        connection = http.client.HTTPSConnection(
            "127.0.0.1",
            self.site.port,
            context=self.context,
            source_address=(self.address, 0),
            timeout=30,
        )
        headers = {"Host": HOST}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urllib.parse.urlencode(fields)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            # As a browser does; over HTTPS the CSRF check wants a Referer from this site.
            headers["Referer"] = PUBLIC + path
        connection.request("POST" if fields is not None else "GET", path, body, headers)
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            self.cookies[name] = rest.split(";", 1)[0]
        connection.close()
        return response.status, text, response.headers

    def submit(self, path: str, having: str, **values: str):
        """Fill the form of `path` that has the field `having` and post it back to `path`."""
        status, html, _ = self.request(path)
        assert status == 200, (path, status)
        fields = [(name, values.pop(name, value)) for name, value in form_fields(html, having)]
        return self.request(path, fields + list(values.items()))

    def log_in(self, prefix: str = "", email: str = EMAIL, password: str = PASSWORD):
        return self.submit(f"{prefix}/login", "password", email=email, password=password)


def _absolute_links(html: str) -> list[str]:
    return re.findall(r'(?:href|content|value)="((?:https?|webcal)://[^"]+)"', html)


def _own(links: list[str]) -> list[str]:
    """The links that point at this site (not Google, players or the speakers' pages)."""
    return [
        link
        for link in links
        if urllib.parse.urlsplit(link).hostname in {HOST, "127.0.0.1", "localhost"}
    ]


def test_every_absolute_link_is_the_public_https_address(site):
    visitor = Visitor(site)
    status, body, _ = visitor.request("/api/v1/talks")
    assert status == 200
    talks = json.loads(body)
    first = talks["talks"][0] if isinstance(talks, dict) else talks[0]
    assert first["url"].startswith(PUBLIC + "/talks/")
    assert first["api_url"].startswith(PUBLIC + "/api/v1/talks/")
    assert first["series"]["url"].startswith(PUBLIC + "/series/")
    path = first["url"].removeprefix(PUBLIC)

    status, page, _ = visitor.request(path)
    assert status == 200
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', page).group(1)
    og_url = re.search(r'<meta property="og:url" content="([^"]+)"', page).group(1)
    assert canonical.startswith(PUBLIC + "/talks/")
    assert og_url.startswith(PUBLIC + "/talks/")

    status, series_page, _ = visitor.request(first["series"]["url"].removeprefix(PUBLIC))
    assert status == 200
    feed = re.search(r'value="(https?://[^"]+\.ics)"', series_page).group(1)
    assert feed.startswith(PUBLIC + "/series/")
    webcals = re.findall(r'href="(webcal://[^"]+)"', series_page)
    assert webcals
    assert all(link.startswith(f"webcal://{HOST}/") for link in webcals)
    google = re.findall(r'href="(https://calendar\.google\.com/[^"]+)"', series_page)
    assert any(urllib.parse.quote(f"webcal://{HOST}/", safe="") in link for link in google)
    for html in (page, series_page):
        own = _own(_absolute_links(html))
        assert own
        assert all(link.startswith((PUBLIC + "/", f"webcal://{HOST}/")) for link in own), own

    status, sitemap, _ = visitor.request("/sitemap.xml")
    locations = re.findall(r"<loc>([^<]+)</loc>", sitemap)
    assert locations
    assert all(loc.startswith(PUBLIC + "/") for loc in locations)

    status, atom, _ = visitor.request("/feed.atom")
    assert status == 200
    hrefs = re.findall(r'href="([^"]+)"', atom)
    assert hrefs
    assert all(href.startswith(PUBLIC + "/") for href in hrefs), hrefs

    status, _, headers = visitor.request("/api/v1/talks?per_page=1")
    link_header = headers.get("Link") or ""
    assert all(url.startswith(PUBLIC + "/") for url in re.findall(r"<([^>]+)>", link_header)), (
        link_header
    )


def test_invitation_and_password_reset_links_are_public(site):
    organizer = Visitor(site, "127.0.0.4")
    status, _, headers = organizer.log_in()
    assert status == 302
    assert headers["Location"] == "/dashboard"
    status, html, _ = organizer.request("/dashboard/accounts")
    assert status == 200
    fields = [(name, value) for name, value in form_fields(html, "role") if name == "csrf_token"]
    grace = "grace@example.org"
    status, html, _ = organizer.request(
        "/dashboard/accounts/invite", [*fields, ("email", grace), ("role", "admin")]
    )
    # E-mailed when the site sends mail; otherwise the page shows the link to pass on.
    assert status in (200, 303), html
    shown = re.search(r'value="(https?://[^"]+/invite/[^"]+)"', html)
    invitation = shown.group(1) if shown else site.mailbox.link(grace)
    assert invitation.startswith(PUBLIC + "/invite/")

    status, _, _ = Visitor(site, "127.0.0.5").submit("/forgot", "email", email=EMAIL)
    assert status == 200
    assert site.mailbox.link(EMAIL).startswith(PUBLIC + "/reset/")

    # Outside a request, from PRISEC_SITE_URL.
    printed = _run(
        [sys.executable, "-m", "flask", "--app", "app", "organizer", "reset-password", EMAIL],
        cwd=PROJECT_ROOT,
        env=site.env,
    ).stdout
    assert f"{PUBLIC}/reset/" in printed


def test_the_login_limit_locks_one_client_address_and_not_another(site):
    attacker = Visitor(site, "127.0.0.2")
    for i in range(10):
        status, _, _ = attacker.log_in(email=f"guess{i}@example.org", password="wrong")
        assert status == 401
    # The locked address is offered no form: nothing from there can log in for a while.
    status, page, headers = attacker.request("/login")
    assert status == 429
    assert "Too many failed logins from this address" in page
    assert int(headers["Retry-After"]) > 0
    status, _, _ = Visitor(site, "127.0.0.3").log_in()
    assert status == 302


def test_the_site_works_under_a_sub_path(site):
    visitor = Visitor(site, "127.0.0.6")
    status, home, _ = visitor.request("/seminars/")
    assert status == 200
    canonical = re.search(r'<link rel="canonical" href="([^"]+)"', home).group(1)
    assert canonical == PUBLIC + "/seminars/"
    paths = re.findall(r'(?:href|src|action)="(/[^"]*)"', home)
    assert paths
    assert all(path.startswith("/seminars/") for path in paths), paths
    stylesheet = re.search(r'<link rel="stylesheet" href="([^"]+)"', home).group(1)
    assert visitor.request(stylesheet)[0] == 200

    status, _, headers = visitor.request("/seminars/dashboard")
    assert status == 302
    login = headers["Location"]
    assert login.startswith("/seminars/login")
    status, _, headers = visitor.submit(login, "password", email=EMAIL, password=PASSWORD)
    assert status == 302
    assert headers["Location"] == "/seminars/dashboard"
    status, dashboard, _ = visitor.request("/seminars/dashboard")
    assert status == 200
    paths = re.findall(r'(?:href|src|action|hx-get|hx-post)="(/[^"]*)"', dashboard)
    assert paths
    assert all(path.startswith("/seminars/") for path in paths), paths
    new_talk = next(p for p in paths if p.endswith("/talks/new"))
    assert visitor.request(new_talk)[0] == 200
