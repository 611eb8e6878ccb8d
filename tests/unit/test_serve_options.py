"""``workbench-server serve``'s edge options turned into uvicorn settings."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from server_stub.serve import configure, uvicorn_options


def _args(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    configure(parser)
    return parser.parse_args(list(argv))


def test_forwarded_headers_are_trusted_from_nobody_by_default() -> None:
    opts = uvicorn_options(_args())
    assert opts["proxy_headers"] is False and opts["forwarded_allow_ips"] == ""
    assert "ssl_certfile" not in opts


def test_named_proxies_are_trusted() -> None:
    opts = uvicorn_options(_args("--forwarded-allow-ips", " 10.0.0.5, 127.0.0.1 ,"))
    assert opts["proxy_headers"] is True and opts["forwarded_allow_ips"] == "10.0.0.5,127.0.0.1"


def test_tls_needs_both_files(tmp_path: Path) -> None:
    cert, key = tmp_path / "c.pem", tmp_path / "k.pem"
    cert.write_text("x")
    key.write_text("y")
    with pytest.raises(SystemExit, match="go together"):
        uvicorn_options(_args("--ssl-certfile", str(cert)))
    with pytest.raises(SystemExit, match="no such file"):
        uvicorn_options(_args("--ssl-certfile", str(cert), "--ssl-keyfile", str(tmp_path / "missing.pem")))
    opts = uvicorn_options(_args("--ssl-certfile", str(cert), "--ssl-keyfile", str(key)))
    assert opts["ssl_certfile"] == str(cert) and opts["ssl_keyfile"] == str(key)
