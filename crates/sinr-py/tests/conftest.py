"""What the tests of trained runs share: where the fixtures are, and the `sinr` binary that
`cargo test` built (SINR_BIN, as .ci/run sets it)."""

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
FIXTURES = ROOT / "crates/sinr-cli/tests/fixtures"
SINR = os.environ.get("SINR_BIN", str(ROOT / "target/debug/sinr"))


def sinr(*args):
    """Runs the `sinr` binary quietly; its stdout, or a failed assertion with its stderr."""
    out = subprocess.run([SINR, "-q", *map(str, args)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return out.stdout
