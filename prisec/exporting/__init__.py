"""Exporting the site: a JSON document of every table, and the public pages as static files."""
