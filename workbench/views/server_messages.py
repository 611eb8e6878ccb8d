"""Errors of the server connection, said in the interface language (中文 first, English too).

The services raise typed errors with English messages (they never import Qt); what the user
must do about a certificate or an insecure address is worded here, through Qt's translator.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication

from workbench.services.server_api import CertificateError, InsecureServerError
from workbench.views.errors import user_message


def certificate_text(problem: str, host: str) -> str:
    """What is wrong with the server's certificate, and what to do about it."""
    if problem == "unknown_ca":
        text = QCoreApplication.translate(
            "ServerMessages", "The certificate of {host} is not signed by a certificate authority this computer trusts. "
                  "Ask IT for the company CA bundle and set it as ca_bundle in the settings.")
    elif problem == "expired":
        text = QCoreApplication.translate(
            "ServerMessages", "The certificate of {host} has expired (or is not valid yet: check this computer's clock).")
    elif problem == "wrong_host":
        text = QCoreApplication.translate(
            "ServerMessages", "The certificate presented by {host} is for another server name. Check the server address.")
    elif problem == "tls_failed":
        text = QCoreApplication.translate(
            "ServerMessages", "Could not set up a secure connection to {host} (is it an HTTPS server?).")
    elif problem == "bad_bundle":
        text = QCoreApplication.translate(
            "ServerMessages", "The CA bundle set as ca_bundle in the settings cannot be read: {host}.")
    else:
        text = QCoreApplication.translate("ServerMessages", "The certificate of {host} is not valid.")
    return text.format(host=host)


def insecure_text(host: str) -> str:
    """Why plain HTTP to ``host`` is refused."""
    return QCoreApplication.translate(
        "ServerMessages", "Refusing plain HTTP to {host}: passwords and customer data would cross the network unencrypted. "
              "Use an https:// address, or allow plain HTTP (allow_plain_http) in the settings.").format(host=host)


def describe(exc: BaseException) -> str:
    """The message to show for ``exc`` (translated for connection security problems)."""
    if isinstance(exc, CertificateError):
        return certificate_text(exc.problem, exc.host)
    if isinstance(exc, InsecureServerError):
        return insecure_text(exc.host)
    return user_message(exc)


def is_security_problem(exc: BaseException) -> bool:
    """True if the user (or IT) must change a setting before this server can be used."""
    return isinstance(exc, CertificateError | InsecureServerError)
