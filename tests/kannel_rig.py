"""The Kannel chain of the tests (bearerbox + smsbox + fakesmsc): see
:mod:`server_stub.sms.kannel_local`, which the demo uses too."""

from server_stub.sms.kannel_local import (  # noqa: F401
    PASSWORD,
    USER,
    KannelRig,
    ReceivedSms,
    assemble,
    fakesmsc_path,
    kannel_missing,
    parse_fakesmsc_line,
)
