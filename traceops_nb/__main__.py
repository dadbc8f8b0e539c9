"""`python -m traceops_nb`: the traceops-nb command line (traceops_nb/cli.py)."""

import sys

from .cli import main

sys.exit(main())
