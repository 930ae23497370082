"""`python -m eval [options]`: the same as `assistant eval [options]`."""

import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main(["eval", *sys.argv[1:]]))
