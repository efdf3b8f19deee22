"""``python -m cathlog``: the admin and automation command line."""

import sys

from cathlog.cli import main

sys.exit(main())
