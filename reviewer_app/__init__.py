"""Reviewer workstation core: domain, wire contract, local store, client and review service.

Qt-free: nothing here imports PySide6 (checked by import-linter and by a unit test).
"""

__version__ = "0.1.0"
