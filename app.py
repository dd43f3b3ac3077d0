"""Entry point for `flask run` and WSGI servers: `app:app`."""

from prisec import create_app

app = create_app()
