"""The lead lifecycle on the server (issue 17): central scoring, call-backs, the team pool.

Each job is a plain function over the central store; :mod:`server_stub.lifecycle.scheduler`
runs them at configured times (one scheduler for all of them).
"""
