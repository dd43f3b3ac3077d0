"""Entry point for `flask run` and WSGI servers: `app:app`."""

import contextlib
import ctypes
import gc

from prisec import create_app

# glibc's <malloc.h>
_M_ARENA_MAX = -8


def _few_malloc_arenas() -> None:
    """Let glibc's malloc share two arenas among the server's threads (M_ARENA_MAX)."""
    # By default each thread that meets another in malloc gets an arena of its own (up to
    # eight a core), and each keeps what was freed in it: under waitress's eight threads a
    # worker of 10,000 talks grew by 7 MB more over two minutes of load, for nothing.
    # The GIL already keeps the threads from allocating at once. Elsewhere than glibc
    # (musl, macOS) there is no such call, or it does nothing.
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).mallopt(_M_ARENA_MAX, 2)


_few_malloc_arenas()
app = create_app()
# What start-up built (modules, mappers, templates' environment) lives as long as the
# process: frozen, the garbage collector no longer walks it on every full collection,
# which otherwise cost a request that allocates much (a cold feed) a good part of its time.
gc.freeze()
