"""``python -m benchmarks.slurm``: write (or with --dry-run print) the sweep's job script."""

import sys

from . import main

sys.exit(main())
