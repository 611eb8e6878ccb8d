"""``workbench-server serve``: run the HTTP API with uvicorn."""

from __future__ import annotations

import argparse
import os

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
    parser.add_argument("--forwarded-allow-ips", default=None,
                        help="trust X-Forwarded-For from these proxies (comma-separated), e.g. a load balancer")


def run(args: argparse.Namespace) -> int:
    """Migrate the store once, then serve until interrupted."""
    from server_stub.storage.db import default_db_url, open_central

    url = args.db or default_db_url()
    open_central(url).dispose()  # migrate once, before any worker starts
    os.environ["WORKBENCH_SERVER_DB"] = url  # workers build their app from the environment
    if args.workers > 1 and url.startswith("sqlite"):
        print("note: several workers on SQLite serialise on the database file; PostgreSQL scales better")
    kwargs = {}
    if args.forwarded_allow_ips:
        kwargs["forwarded_allow_ips"] = args.forwarded_allow_ips
        kwargs["proxy_headers"] = True
    from workbench.core.logfiles import server_log_config

    kwargs["log_config"] = server_log_config(args.log_level)  # stderr and a rotating log file
    uvicorn.run(
        "server_stub.api.app:app_from_env",
        factory=True,
        host=args.host,
        port=args.port,
        workers=max(1, args.workers),
        log_level=args.log_level,
        timeout_graceful_shutdown=10,
        **kwargs,
    )
    return 0
