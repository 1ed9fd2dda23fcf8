"""The ``stance`` command line: :func:`main` (argparse subcommands, in :mod:`.main`)."""

from .commands import main

__all__ = ["main"]
