"""``python -m simcenter``: the same as the ``simcenter`` command."""

import sys

from .cli import main

sys.exit(main())
