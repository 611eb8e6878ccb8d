"""SMS: the gateway behind a small interface, the outbox, delivery reports, replies and
campaigns (issue 15). See :mod:`server_stub.sms.gateway` for configuration."""
