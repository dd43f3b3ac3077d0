"""Entry point for `flask run` and WSGI servers: `app:app`."""

import gc

from prisec import create_app

app = create_app()
# What start-up built (modules, mappers, templates' environment) lives as long as the
# process: frozen, the garbage collector no longer walks it on every full collection,
# which otherwise cost a request that allocates much (a cold feed) a good part of its time.
gc.freeze()
