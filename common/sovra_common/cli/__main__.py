"""``python -m sovra_common.cli`` is ``sovra``."""

import sys

from sovra_common.cli.app import main

sys.exit(main())
