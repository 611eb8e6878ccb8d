"""``workbench-server serve``: run the HTTP API with uvicorn.

Edge defaults are the safe ones: forwarded headers (``X-Forwarded-For`` / ``-Proto``) are
trusted from nobody unless ``--forwarded-allow-ips`` names the proxies, ``/docs`` and
``/openapi.json`` are off unless ``--enable-docs``, and ``--ssl-certfile`` / ``--ssl-keyfile``
serve HTTPS directly (or terminate TLS at nginx, see ``deploy/nginx/workbench.conf``).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

import uvicorn


def configure(parser: argparse.ArgumentParser) -> None:
    """Options of ``serve``."""
    parser.add_argument("--db", help="central store URL (default: $WORKBENCH_SERVER_DB or a SQLite file "
                                     "in the user's data folder)")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
    parser.add_argument("--workers", type=int, default=1,
                        help="worker processes (default 1; use PostgreSQL for more than one)")
    parser.add_argument("--log-level", default="warning", help="uvicorn log level (default warning)")
    parser.add_argument("--sms-url", default=None,
                        help="SMS gateway, e.g. kannel://user:pass@127.0.0.1:13013 (default: $WORKBENCH_SMS_URL; "
                             "without one, SMS wait in the outbox)")
    parser.add_argument("--forwarded-allow-ips", default="",
                        help="trust X-Forwarded-For / X-Forwarded-Proto only from these proxy addresses "
                             "(comma-separated, e.g. the nginx host); default: from nobody")
    parser.add_argument("--enable-docs", action="store_true",
                        help="serve /docs, /redoc and /openapi.json (off by default)")
    parser.add_argument("--ssl-certfile", help="serve HTTPS with this certificate (PEM, with the chain)")
    parser.add_argument("--ssl-keyfile", help="private key of --ssl-certfile (PEM)")


def uvicorn_options(args: argparse.Namespace) -> dict[str, Any]:
    """The uvicorn settings that follow from the command line (edge behaviour only).

    Raises:
        SystemExit: an inconsistent or unreadable TLS option.
    """
    allow = ",".join(a.strip() for a in (args.forwarded_allow_ips or "").split(",") if a.strip())
    opts: dict[str, Any] = {
        # uvicorn trusts X-Forwarded-For from 127.0.0.1 unless told otherwise: not us
        "proxy_headers": bool(allow),
        "forwarded_allow_ips": allow,
        "server_header": False,
    }
    cert, key = getattr(args, "ssl_certfile", None), getattr(args, "ssl_keyfile", None)
    if bool(cert) != bool(key):
        raise SystemExit("serve: --ssl-certfile and --ssl-keyfile go together")
    if cert and key:
        for path in (cert, key):
            if not Path(path).is_file():
                raise SystemExit(f"serve: no such file: {path}")
        opts["ssl_certfile"] = cert
        opts["ssl_keyfile"] = key
    return opts


def run(args: argparse.Namespace) -> int:
    """Migrate the store once, then serve until interrupted."""
    from server_stub.storage.db import default_db_url, open_central

    options = uvicorn_options(args)
    url = args.db or default_db_url()
    open_central(url).dispose()  # migrate once, before any worker starts
    os.environ["WORKBENCH_SERVER_DB"] = url  # workers build their app from the environment
    if args.enable_docs:
        os.environ["WORKBENCH_ENABLE_DOCS"] = "1"
    if args.sms_url:
        os.environ["WORKBENCH_SMS_URL"] = args.sms_url
    from server_stub.sms.gateway import GatewayConfigError, SmsSettings, make_sender

    try:  # a wrong SMS gateway URL or a missing secret stops the start, with the reason
        make_sender(SmsSettings.from_env())
    except GatewayConfigError as exc:
        print(f"error: {exc}")
        return 2
    if args.workers > 1 and url.startswith("sqlite"):
        print("note: several workers on SQLite serialise on the database file; PostgreSQL scales better")
    from workbench.core.logfiles import server_log_config

    uvicorn.run(
        "server_stub.api.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=max(1, args.workers),
        log_level=args.log_level,
        timeout_graceful_shutdown=10,
        log_config=server_log_config(args.log_level),  # stderr and a rotating log file
        **options,
    )
    return 0
