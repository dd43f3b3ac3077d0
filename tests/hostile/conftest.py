"""Fixtures of the hostile-input tests."""

import pytest

from prisec import demo


@pytest.fixture
def site(app, organizer_client):
    """The demo site, an organizer logged in."""
    demo.seed_demo()
    return organizer_client
