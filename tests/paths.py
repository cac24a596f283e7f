"""Where the shared real captures live: ../shared/fixtures beside the clone, or STATUSMON_SHARED."""

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("STATUSMON_SHARED", ROOT.parent / "shared"))
FIXTURES = SHARED / "fixtures"
GOLDEN = ROOT / "tests" / "golden"
