"""Training programs behind ``scratch train NAME``.

Each module here is one subcommand: a docstring whose first line is its help,
``add_arguments(parser)`` and ``run(args) -> int``. Modules whose names start with an
underscore are shared pieces, not subcommands; ``save_checkpoint`` / ``load_checkpoint``
(``_checkpoint``) are the one checkpoint format of every command.
"""

from ._checkpoint import Checkpoint, load_checkpoint, rng_state, save_checkpoint, set_rng_state

__all__ = ["Checkpoint", "load_checkpoint", "rng_state", "save_checkpoint", "set_rng_state"]
