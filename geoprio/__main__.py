"""``python -m geoprio``: the same as the ``geoprio`` command."""

import sys

from geoprio.cli import main

sys.exit(main())
