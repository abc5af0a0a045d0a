"""Allow ``python -m rootable``."""

from rootable.cli import main

raise SystemExit(main())
