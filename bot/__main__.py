"""The command line: `digest-bot run | console | ingest | search | parse`."""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from bot.cli import run_cli

    try:
        return run_cli(sys.argv[1:] if argv is None else argv)
    except BrokenPipeError:  # `digest-bot search ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
