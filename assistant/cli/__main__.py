"""`python -m assistant.cli`: the `assistant` command."""

import sys

from . import main

sys.exit(main())
