"""``python -m benchmarks.slurm``: write and submit (--dry-run: print) the job script."""

import sys

from . import main

sys.exit(main())
