"""Offline emulator of the Microsoft identity platform, Microsoft Graph and the
Exchange Online admin API, for the demo and the tests. See README.md."""

from emulator.server import Emulator  # noqa: F401
