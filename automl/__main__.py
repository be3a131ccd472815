"""``python -m automl`` runs the command line."""

import sys

from automl.cli import main

if __name__ == "__main__":
    sys.exit(main())
