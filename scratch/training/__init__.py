"""Training programs behind ``scratch train NAME``.

Each module here is one subcommand: a docstring whose first line is its help,
``add_arguments(parser)`` and ``run(args) -> int``.
"""
