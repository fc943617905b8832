"""Errors that pvyield raises for user mistakes.

Every error a user can cause (a malformed site file, an unreadable weather file, a bad
option) is a :class:`PvyieldError`. The command line turns one into a short message and
exit code 2; library users can catch the base class.
"""

from __future__ import annotations


class PvyieldError(Exception):
    """Base class of every error caused by user input."""


class SiteError(PvyieldError):
    """A site file is missing, unreadable or does not follow the schema."""


class WeatherError(PvyieldError):
    """A weather file or source cannot be read or does not make physical sense."""


class ModelError(PvyieldError):
    """A model option or a combination of options is invalid."""
