"""Print the core dependencies of setup.cfg pinned at their floors, one a line (numpy>=1.25: numpy==1.25.0).

``make test-floors`` installs these into a separate venv and runs the tests, so the floors are checked.
"""

from __future__ import annotations

import configparser
import re
from pathlib import Path

SETUP_CFG = Path(__file__).resolve().parent.parent / "setup.cfg"


def floor_pins(setup_cfg: Path = SETUP_CFG) -> list[str]:
    parser = configparser.ConfigParser()
    parser.read(setup_cfg)
    pins = []
    for line in parser["options"]["install_requires"].split("\n"):
        match = re.fullmatch(r"\s*([A-Za-z0-9_.\-\[\]]+)>=([0-9.]+)\s*", line)
        if match:
            name, version = match.groups()
            pins.append(f"{name}=={version if version.count('.') >= 2 else version + '.0'}")
    return pins


if __name__ == "__main__":
    print("\n".join(floor_pins()))
