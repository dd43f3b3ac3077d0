"""Importers: schedules and paper lists from static sites, parsed purely, then applied."""
