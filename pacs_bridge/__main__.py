"""``python -m pacs_bridge``: run the bridge with settings from the environment."""

from __future__ import annotations

import asyncio
import logging
import signal

from pacs_bridge.main import run_bridge
from pacs_bridge.settings import BridgeSettings


async def _main() -> None:
    settings = BridgeSettings()
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await run_bridge(settings, stop)


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()
