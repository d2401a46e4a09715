"""Build the static archive site: `python build.py [--data DIR] [--config FILE] [OPTIONS]`.

The same builder, with the same options, as `paperboy build` (`python build.py --help` lists
them); the site map is in server/site/builder.py.
"""

from __future__ import annotations

import sys

from server.cli import main

_GROUP_OPTIONS = ("--data", "--config")  # options of `paperboy` itself, before its verb


def argv(args: list[str]) -> list[str]:
    """`paperboy` arguments for these build.py arguments: --data and --config go first."""
    head, rest, words = [], [], iter(args)
    for word in words:
        if word in _GROUP_OPTIONS:
            head += [word, next(words, "")]
        elif word.startswith(tuple(f"{o}=" for o in _GROUP_OPTIONS)):
            head.append(word)
        else:
            rest.append(word)
    return [*head, "build", *rest]


if __name__ == "__main__":
    main(argv(sys.argv[1:]), prog_name="build.py")
