"""``python -m sovsim``: the ``sovsim`` command (job scripts call it through the interpreter they name)."""

from sovsim.cli import main

if __name__ == "__main__":
    main(prog_name="sovsim")
