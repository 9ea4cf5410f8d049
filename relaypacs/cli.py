"""The ``relaypacs`` command: run the stack or one service, set up CouchDB, manage accounts.

    relaypacs up                    everything on one machine, with demo clinic and users
    relaypacs gateway               the auth/sync gateway (FastAPI under uvicorn)
    relaypacs bridge                the PACS bridge daemon
    relaypacs couch-setup           create databases, _security and design documents
    relaypacs clinic add ID NAME    a clinic (and its database)
    relaypacs user add NAME ROLE    a user (password from --password or prompted)
    relaypacs vapid-keys            a VAPID key pair for Web Push

This module is the composition root: the only place that imports both services.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import logging
import sys
from collections.abc import Sequence

from relaypacs.settings import CoreSettings


def _couch_setup(args: argparse.Namespace) -> int:
    from couch_design_docs.setup import setup

    settings = CoreSettings()

    async def run() -> None:
        async with settings.couch_client() as client:
            report = await setup(client, settings.names, clinic_ids=args.clinic or ())
        print(
            f"created {len(report.created)} databases, updated {len(report.security)} "
            f"security objects and {len(report.design)} design documents"
        )

    asyncio.run(run())
    return 0


def _clinic_add(args: argparse.Namespace) -> int:
    from sync_gateway.accounts.service import create_clinic
    from sync_gateway.settings import GatewaySettings

    settings = GatewaySettings()
    destinations = []
    if args.stow_url:
        destinations.append(
            {
                "name": args.destination_name,
                "kind": args.destination_kind,
                "stow_url": args.stow_url,
                "auth": "basic" if args.stow_user else "none",
                "username": args.stow_user,
                "secret": args.stow_password,
            }
        )

    async def run() -> None:
        async with settings.couch_client() as client:
            await create_clinic(client, settings.names, args.clinic_id, args.name, destinations)
        print(f"clinic {args.clinic_id} ready")

    asyncio.run(run())
    return 0


def _user_add(args: argparse.Namespace) -> int:
    from sync_gateway.accounts.service import create_user
    from sync_gateway.settings import GatewaySettings

    settings = GatewaySettings()
    password = args.password or getpass.getpass(f"password for {args.username}: ")

    async def run() -> None:
        async with settings.couch_client() as client:
            await create_user(
                client,
                settings.names,
                settings,
                username=args.username,
                password=password,
                role=args.role,
                clinic=args.clinic,
                email=args.email,
            )
        print(f"user {args.username} ({args.role}) created")

    asyncio.run(run())
    return 0


def _gateway(args: argparse.Namespace) -> int:
    from sync_gateway.main import serve
    from sync_gateway.settings import GatewaySettings

    serve(GatewaySettings(), host=args.host, port=args.port)
    return 0


def _bridge(args: argparse.Namespace) -> int:
    from pacs_bridge.__main__ import main  # logging set up, SIGTERM/SIGINT stop it cleanly

    main()
    return 0


def _vapid_keys(args: argparse.Namespace) -> int:
    from relaypacs.webpush import VapidKeys

    keys = VapidKeys.generate()
    print(f"RELAYPACS_VAPID_PRIVATE_KEY={keys.private_key}")
    print(f"RELAYPACS_VAPID_PUBLIC_KEY={keys.public_key}")
    return 0


def _up(args: argparse.Namespace) -> int:
    from relaypacs.stack import run_stack

    return run_stack(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="relaypacs", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    up = sub.add_parser("up", help="run the whole stack on this machine with demo accounts")
    up.add_argument("--data-dir", default="var", help="where databases and objects live")
    up.add_argument("--host", default="127.0.0.1")
    up.add_argument("--port", type=int, default=8080, help="gateway port (next free if taken)")
    up.add_argument("--no-bridge", action="store_true", help="do not start the bridge")
    up.set_defaults(func=_up)

    gateway = sub.add_parser("gateway", help="run the auth/sync gateway")
    gateway.add_argument("--host", default="127.0.0.1")
    gateway.add_argument("--port", type=int, default=8080)
    gateway.set_defaults(func=_gateway)

    bridge = sub.add_parser("bridge", help="run the PACS bridge daemon")
    bridge.set_defaults(func=_bridge)

    vapid = sub.add_parser("vapid-keys", help="print a new VAPID key pair for Web Push")
    vapid.set_defaults(func=_vapid_keys)

    couch = sub.add_parser("couch-setup", help="create databases, security and design docs")
    couch.add_argument("--clinic", action="append", help="also set up this clinic's database")
    couch.set_defaults(func=_couch_setup)

    clinic = sub.add_parser("clinic", help="manage clinics").add_subparsers(
        dest="action", required=True
    )
    clinic_add = clinic.add_parser("add", help="create a clinic and its database")
    clinic_add.add_argument("clinic_id")
    clinic_add.add_argument("name")
    clinic_add.add_argument("--stow-url", help="DICOMweb root of the clinic's PACS")
    clinic_add.add_argument("--destination-name", default="pacs")
    clinic_add.add_argument(
        "--destination-kind", default="dicomweb", choices=["orthanc", "dcm4chee", "dicomweb"]
    )
    clinic_add.add_argument("--stow-user")
    clinic_add.add_argument("--stow-password")
    clinic_add.set_defaults(func=_clinic_add)

    user = sub.add_parser("user", help="manage users").add_subparsers(dest="action", required=True)
    user_add = user.add_parser("add", help="create a user")
    user_add.add_argument("username")
    user_add.add_argument("role", choices=["clinician", "radiographer", "radiologist", "admin"])
    user_add.add_argument("--clinic", help="the clinic (clinicians and radiographers)")
    user_add.add_argument("--email")
    user_add.add_argument("--password", help="prompted for when omitted")
    user_add.set_defaults(func=_user_add)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=CoreSettings().log_level, format="%(asctime)s %(name)s %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per CouchDB request
    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
