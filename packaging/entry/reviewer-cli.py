"""Frozen entry point of `reviewer-cli`, the second executable of the same one-folder build."""

import sys

from reviewer_app.cli import main

sys.exit(main())
