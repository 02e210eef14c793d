"""Offline emulator of the Microsoft identity platform, Microsoft Graph and the
Exchange Online admin API, for the demo and the tests. See README.md."""


def __getattr__(name):
    # Imported on first use, so `python -m emulator` can name a missing dependency (PyJWT, cryptography,
    # PyYAML) and the venv command instead of failing on this import.
    if name == 'Emulator':
        from emulator.server import Emulator
        return Emulator
    raise AttributeError(name)
