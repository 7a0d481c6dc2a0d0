"""``python -m simcenter``: the same as the ``simcenter`` command."""

import sys

from .present.cli import main

sys.exit(main())
