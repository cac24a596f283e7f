"""`python -m monitor.simulate [options]`: the same as `statusmon simulate`."""

import sys

from monitor.simulate.cli import main

sys.exit(main(sys.argv[1:]))
