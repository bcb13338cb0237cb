"""``python -m crossbar_sim``: the ``crossbar-sim`` command line."""

from crossbar_sim.cli import main

raise SystemExit(main())
