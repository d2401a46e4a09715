"""The `paperboy` command line: one click group (main.py) with each concern's verbs added to it.

context.py holds what every verb shares (Context, fail, say, the exit codes); papers.py, search.py,
serve.py, crawl.py, site.py, digest.py and settings.py hold the verbs of one concern each.
"""

from server.cli.main import main

__all__ = ["main"]
