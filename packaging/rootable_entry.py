"""Entry script of the PyInstaller bundle: the same ``main`` as the ``rootable`` console script."""

from rootable.cli import main

raise SystemExit(main())
