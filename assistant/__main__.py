"""`python -m assistant`: the `assistant` command, for when the console script is not on the
path."""

import sys

from assistant.front.cli import main

sys.exit(main())
