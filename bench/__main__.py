"""``python -m bench NAME [ARGS...]``: run the benchmark in module ``bench.NAME``.

Each benchmark module has ``main(argv: list[str]) -> int`` and prints, as its last line,
one JSON object of results.  Adding a benchmark means adding a module; this file stays as
it is.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def available() -> list[str]:
    return sorted(
        m.name
        for m in pkgutil.iter_modules([str(Path(__file__).parent)])
        if not m.name.startswith("_")
    )


def main(argv: list[str]) -> int:
    # `status-latency` names the module bench.status_latency
    name = argv[0].replace("-", "_") if argv else ""
    if name not in available():
        names = ",".join(n.replace("_", "-") for n in available())
        print(f"usage: python -m bench {{{names}}} [args...]", file=sys.stderr)
        return 2
    module = importlib.import_module(f"bench.{name}")
    return int(module.main(argv[1:]) or 0)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
