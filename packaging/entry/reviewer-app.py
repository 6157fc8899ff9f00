"""Frozen entry point of `reviewer-app` (PyInstaller runs a script, not `module:function`)."""

import sys

from reviewer_app.__main__ import main

sys.exit(main())
