"""``python -m api.cli``: the same as the ``kgmatch`` command."""

from api.cli import main

main()
