"""Push and pull: the server half of the sync protocol (see docs/sync-protocol.md).

Push applies a batch of client mutations in one transaction:

1. take the change-log counter lock (``UPDATE cursor_counter``; a batch of new contact events
   only takes it when it appends to the log): pushes are serialised, so "server order" is well
   defined, last-writer-wins is the order of commits, and cursors commit in order (a puller
   reading ``cursor > C`` never skips one);
2. bind the client id to the user on first use (another user's client id is refused);
3. look up every mutation id in ``applied_mutations``: a replay gets ``duplicate`` with the
   earlier result and changes nothing;
4. validate each new mutation against the shared rules (:mod:`workbench.core.codes`) and
   the caller's scope, apply it, and collect its change-log entries;
5. append all changes at once, store each mutation's result, commit.

Pull returns the change-log entries after a cursor that the caller's scope may see.

The rooms of this package:

- :mod:`.errors`: what can be refused (a mutation, a push, a cursor) and the mutation itself;
- :mod:`.validation`: push validation, field by field, and the business limits;
- :mod:`.scope`: scopes, written once (who may write or see a customer; which log rows a pull
  returns);
- :mod:`.wire`: rows as wire data, changes of rows, strict JSON;
- :mod:`.batch`: the state of one push transaction and the server's attribution;
- :mod:`.handlers`: conflict handling per entity and op;
- :mod:`.push`, :mod:`.pull`, :mod:`.lookup`, :mod:`.publish`: the operations.

Everything other modules use is importable from ``server_stub.sync`` itself.
"""

from __future__ import annotations

from server_stub.sync.batch import _Batch, _own_fields
from server_stub.sync.errors import BadCursor, Duplicate, Mutation, PushForbidden, Rejected
from server_stub.sync.handlers import HANDLERS
from server_stub.sync.lookup import lookup
from server_stub.sync.publish import publish
from server_stub.sync.pull import MAX_PULL_LIMIT, PullPage, page_json, pull, pull_statement
from server_stub.sync.push import MAX_BATCH, lock_log, push
from server_stub.sync.scope import (
    customer_scope_ok,
    customer_visible,
    customer_writable,
    scope_filter,
)
from server_stub.sync.validation import (
    _check_contact_limits,
    _check_customer_limits,
    _check_text,
    _coercer,
    _require_id,
    cid_ok,
    coerce_row,
    coerce_value,
    random_id_ok,
)
from server_stub.sync.wire import (
    PRIVATE_USER_FIELDS,
    REFERENCE_ENTITIES,
    change_for,
    wire_row,
    wire_values,
)

__all__ = [
    "HANDLERS", "MAX_BATCH", "MAX_PULL_LIMIT", "PRIVATE_USER_FIELDS", "REFERENCE_ENTITIES", "BadCursor",
    "CustomerRef", "Duplicate", "Mutation", "PullPage", "PushForbidden", "Rejected", "_Batch",
    "_check_contact_limits", "_check_customer_limits", "_check_text", "_coercer", "_own_fields",
    "_require_id", "change_for", "cid_ok", "coerce_row", "coerce_value", "customer_scope_ok",
    "customer_visible", "customer_writable", "lock_log", "lookup", "page_json", "publish", "pull",
    "pull_statement", "push", "random_id_ok", "scope_filter", "wire_row", "wire_values",
]
