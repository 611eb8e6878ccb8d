"""TLS end to end (issue #13, point 9): ``workbench-server serve --ssl-certfile/--ssl-keyfile``
serves HTTPS; the desktop's connection verifies certificates against a company CA bundle
(setting ``ca_bundle``), names what is wrong with a bad certificate in Chinese and English,
and refuses plain HTTP to another machine unless ``allow_plain_http``. A throw-away CA from
``trustme``; real servers on loopback (uvicorn, and nginx terminating TLS)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from server_stub.storage.db import open_central
from tests.integration.factories import PASSWORD, make_world
from tests.integration.nginxproc import NginxFront, nginx_binary
from tests.integration.serverproc import ServerProcess
from workbench.config import Settings
from workbench.desktop import Connection
from workbench.services.server_api import CertificateError, InsecureServerError, OfflineError


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA(organization_name="Workbench test CA")


@pytest.fixture
def store(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'central.db'}"
    open_central(url).dispose()
    make_world(url, customers_per_team=1)
    return url


def _pem_files(folder: Path, leaf: trustme.LeafCert, name: str) -> tuple[Path, Path]:
    cert, key = folder / f"{name}.pem", folder / f"{name}.key"
    cert.write_bytes(b"".join(blob.bytes() for blob in leaf.cert_chain_pems))
    key.write_bytes(leaf.private_key_pem.bytes())
    return cert, key


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "company-ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


def _https_server(store: str, tmp_path: Path, leaf: trustme.LeafCert, ca_file: Path, name: str) -> ServerProcess:
    cert, key = _pem_files(tmp_path, leaf, name)
    return ServerProcess(store, args=("--ssl-certfile", str(cert), "--ssl-keyfile", str(key)),
                         verify=str(ca_file)).start()


def _settings(tmp_path: Path, **values: object) -> Settings:
    settings = Settings(tmp_path / "settings.json")
    for key, value in values.items():
        settings.set(key, value)
    return settings


@pytest.fixture
def good_server(store: str, tmp_path: Path, ca: trustme.CA, ca_file: Path) -> Iterator[ServerProcess]:
    server = _https_server(store, tmp_path, ca.issue_cert("127.0.0.1", "localhost"), ca_file, "good")
    yield server
    server.stop()


def test_serve_speaks_https_and_the_desktop_trusts_the_company_ca(
    good_server: ServerProcess, tmp_path: Path, ca_file: Path
) -> None:
    assert good_server.base_url.startswith("https://")
    conn = Connection.from_settings(good_server.base_url, None, _settings(tmp_path, ca_bundle=str(ca_file)))
    try:
        assert conn.api.health()["status"] == "ok"
        assert conn.api.login("agent1", PASSWORD).user.username == "agent1"
        assert conn.api.pull(0).next_cursor > 0
    finally:
        conn.close()


def test_unknown_ca_is_named(good_server: ServerProcess, tmp_path: Path) -> None:
    conn = Connection.from_settings(good_server.base_url, None, _settings(tmp_path))  # system CAs only
    try:
        with pytest.raises(CertificateError) as err:
            conn.api.login("agent1", PASSWORD)
    finally:
        conn.close()
    assert err.value.problem == "unknown_ca" and err.value.host == "127.0.0.1"
    assert "ca_bundle" in str(err.value)


def test_expired_and_wrong_host_certificates_are_named(
    store: str, tmp_path: Path, ca: trustme.CA, ca_file: Path
) -> None:
    now = dt.datetime.now(dt.UTC)
    expired = ca.issue_cert("127.0.0.1", not_before=now - dt.timedelta(days=30), not_after=now - dt.timedelta(days=1))
    elsewhere = ca.issue_cert("workbench.other.example")
    for leaf, name, problem in ((expired, "expired", "expired"), (elsewhere, "elsewhere", "wrong_host")):
        cert, key = _pem_files(tmp_path, leaf, name)
        server = ServerProcess(store, args=("--ssl-certfile", str(cert), "--ssl-keyfile", str(key)), verify=False)
        server.start()
        try:
            conn = Connection.from_settings(server.base_url, None, _settings(tmp_path, ca_bundle=str(ca_file)))
            with pytest.raises(CertificateError) as err:
                conn.api.health()
            conn.close()
        finally:
            server.stop()
        assert err.value.problem == problem, (name, err.value.detail)


def test_plain_http_to_another_machine_is_refused_unless_allowed(tmp_path: Path) -> None:
    url = "http://192.0.2.10:8765"  # TEST-NET-1: never a real host
    conn = Connection.from_settings(url, None, _settings(tmp_path))
    with pytest.raises(InsecureServerError) as err:
        conn.api.login("agent1", PASSWORD)
    assert "192.0.2.10" in str(err.value)
    conn.close()
    allowed = Connection.from_settings(url, None, _settings(tmp_path, allow_plain_http=True))
    allowed.api._timeout = 0.3
    with pytest.raises(OfflineError) as offline:  # it really tried the network
        allowed.api.health()
    assert not isinstance(offline.value, CertificateError)
    allowed.close()
    # loopback over plain HTTP stays allowed (nothing leaves the machine)
    local = Connection.from_settings("http://127.0.0.1:9", None, _settings(tmp_path))
    with pytest.raises(OfflineError):
        local.api.health()
    local.close()


def test_unreadable_ca_bundle_is_named(tmp_path: Path) -> None:
    conn = Connection.from_settings("https://127.0.0.1:9", None,
                                    _settings(tmp_path, ca_bundle=str(tmp_path / "missing.pem")))
    with pytest.raises(CertificateError) as err:
        conn.api.health()
    conn.close()
    assert err.value.problem == "bad_bundle"


def test_certificate_problems_are_said_in_chinese_and_english(qapp: object) -> None:
    from workbench.i18n import install_language
    from workbench.views.server_messages import describe

    cases = [CertificateError(p, "wb.example") for p in ("unknown_ca", "expired", "wrong_host", "tls_failed",
                                                         "bad_bundle", "invalid")]
    cases.append(InsecureServerError("wb.example"))  # type: ignore[arg-type]
    try:
        assert install_language(qapp, "zh")  # type: ignore[arg-type]
        chinese = [describe(exc) for exc in cases]
        install_language(qapp, "en")  # type: ignore[arg-type]
        english = [describe(exc) for exc in cases]
    finally:
        install_language(qapp, "en")  # type: ignore[arg-type]
    assert english == [str(exc) for exc in cases]  # the services' English is the source text
    assert len(set(chinese)) == len(cases)
    for zh, en in zip(chinese, english, strict=True):
        assert "wb.example" in zh and zh != en
        assert any("\u4e00" <= ch <= "\u9fff" for ch in zh), zh
    assert "证书机构" in chinese[0] and "过期" in chinese[1] and "明文" in chinese[-1]


@pytest.mark.skipif(nginx_binary() is None, reason="nginx is not installed")
def test_tls_at_the_nginx_front(store: str, tmp_path: Path, ca: trustme.CA, ca_file: Path) -> None:
    """The other documented way: nginx terminates TLS, the app listens on loopback HTTP."""
    server = ServerProcess(store, args=("--forwarded-allow-ips", "127.0.0.1")).start()
    cert, key = _pem_files(tmp_path, ca.issue_cert("127.0.0.1", "localhost"), "front")
    nginx = NginxFront(tmp_path / "nginx", f"127.0.0.1:{server.port}", cert=cert, key=key)
    try:
        nginx.start(verify=str(ca_file))
        conn = Connection.from_settings(nginx.base_url, None, _settings(tmp_path, ca_bundle=str(ca_file)))
        assert conn.api.login("agent1", PASSWORD).user.username == "agent1"
        conn.close()
        untrusting = Connection.from_settings(nginx.base_url, None, _settings(tmp_path))
        with pytest.raises(CertificateError):
            untrusting.api.health()
        untrusting.close()
    finally:
        nginx.stop()
        server.stop()
