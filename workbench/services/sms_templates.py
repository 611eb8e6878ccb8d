"""The policy studio's SMS templates: drafts on the desk, published like policies.

Plain Python, no Qt. The server owns the published templates and the sensitive-word list;
the studio lists them (:meth:`SmsTemplateService.load`), keeps the admin's edits as local
drafts (table ``sms_template_drafts``, never synced), checks a body with the shared rules of
:mod:`workbench.core.sms_text` (the same the server applies) and publishes a draft by sending
it to the server as YAML, which validates it again against its own policies and words and
either applies it (new version, every desk told, audited) or refuses it with the reason and
changes nothing; the draft stays until a publish succeeds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from workbench.core.errors import UserError
from workbench.core.sms_text import (
    DEFAULT_SENSITIVE_WORDS,
    MAX_TEMPLATE_NAME,
    TEMPLATE_PURPOSES,
    SegmentInfo,
    TextIssue,
    template_id_problem,
    template_segments,
    validate_template,
)
from workbench.local_store.models import Policy, SmsTemplateDraft

__all__ = [
    "SmsTemplateService",
    "TemplateBook",
    "TemplateCheck",
    "TemplateDraft",
    "TemplateInvalid",
    "TemplateItem",
    "TemplateRemote",
]


class TemplateRemote(Protocol):
    """What the studio needs of the server (``ServerApi`` has it)."""

    def sms_templates(self) -> list[dict[str, Any]]: ...

    def sms_words(self) -> list[str]: ...

    def publish_sms_templates(self, yaml_text: str) -> dict[str, Any]: ...


class TemplateInvalid(UserError):
    """A template the desk will not save or publish; ``check`` says why."""

    def __init__(self, message: str, check: TemplateCheck | None = None) -> None:
        super().__init__(message)
        self.check = check


@dataclass(frozen=True)
class TemplateDraft:
    """The editor's fields."""

    id: str
    body: str
    name: str = ""
    policy_id: str | None = None
    purpose: str = "campaign"


@dataclass(frozen=True)
class TemplateItem:
    """One row of the studio's list: a published template, a draft, or a draft over one."""

    id: str
    name: str
    policy_id: str | None
    purpose: str
    body: str
    #: the server's version (None: never published)
    published_version: int | None = None
    #: a local draft exists (its fields are the ones above)
    draft: bool = False


@dataclass(frozen=True)
class TemplateCheck:
    """A body checked as it is typed: every problem (by position) and its segments."""

    body: str
    issues: tuple[TextIssue, ...]
    segments: SegmentInfo

    @property
    def ok(self) -> bool:
        return not self.issues


@dataclass(frozen=True)
class TemplateBook:
    """What the studio shows: the templates, the words bodies are checked against, the
    policies a template may belong to, and whether the server could be asked."""

    templates: tuple[TemplateItem, ...]
    words: tuple[str, ...]
    policies: tuple[tuple[str, str], ...] = ()
    #: empty when the server answered; else why not (the shipped words are used meanwhile)
    offline: str = ""
    words_from_server: bool = field(default=False)


class SmsTemplateService:
    """Drafts in the local store, published templates and words on the server."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        remote: Callable[[], TemplateRemote] | None = None,
        *,
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self._sf = session_factory
        self._remote = remote
        self._clock = clock or (lambda: dt.datetime.now(dt.UTC))
        self._words: tuple[str, ...] = DEFAULT_SENSITIVE_WORDS

    # ------------------------------------------------------------ reading

    def load(self) -> TemplateBook:
        """The server's templates merged with the local drafts (network: call off the GUI thread)."""
        published: list[dict[str, Any]] = []
        offline = ""
        from_server = False
        if self._remote is None:
            offline = "not connected to the server"
        else:
            try:
                api = self._remote()
                published = api.sms_templates()
                self._words = tuple(api.sms_words())
                from_server = True
            except UserError as exc:  # offline, refused: drafts still editable
                offline = str(exc)
        with self._sf() as s:
            drafts = {d.id: d for d in s.scalars(select(SmsTemplateDraft))}
            policies = tuple((p.id, p.name) for p in s.scalars(select(Policy).order_by(Policy.id)))
        items: dict[str, TemplateItem] = {}
        for t in published:
            tid = str(t.get("id"))
            items[tid] = TemplateItem(tid, str(t.get("name") or ""), t.get("policy_id"),
                                      str(t.get("purpose") or "campaign"), str(t.get("body") or ""),
                                      published_version=int(t.get("version") or 1))
        for d in drafts.values():
            base = items.get(d.id)
            items[d.id] = TemplateItem(d.id, d.name, d.policy_id, d.purpose, d.body,
                                       published_version=base.published_version if base else None, draft=True)
        return TemplateBook(tuple(items[k] for k in sorted(items)), self._words, policies, offline, from_server)

    # ------------------------------------------------------------ checking

    @staticmethod
    def check(body: str, words: Iterable[str] = DEFAULT_SENSITIVE_WORDS) -> TemplateCheck:
        """Every problem of ``body`` and its segments (pure and fast: runs on every keystroke)."""
        return TemplateCheck(body, tuple(validate_template(body, words)), template_segments(body))

    def validate(self, draft: TemplateDraft, words: Sequence[str] | None = None) -> TemplateCheck:
        """Check every field; raises :class:`TemplateInvalid` naming the first problem."""
        why = template_id_problem(draft.id)
        if why:
            raise TemplateInvalid(f"Template ID: {why}")
        if len(draft.name) > MAX_TEMPLATE_NAME:
            raise TemplateInvalid(f"Name: at most {MAX_TEMPLATE_NAME} characters")
        if draft.purpose not in TEMPLATE_PURPOSES:
            raise TemplateInvalid(f"Purpose: one of {', '.join(TEMPLATE_PURPOSES)}")
        check = self.check(draft.body, self._words if words is None else words)
        if not check.ok:
            raise TemplateInvalid(f"Template {draft.id}: {check.issues[0].describe()}", check)
        return check

    # ------------------------------------------------------------ writing

    def save_draft(self, draft: TemplateDraft, base_version: int | None = None) -> TemplateDraft:
        """Validate and keep ``draft`` on this desk (nothing is sent)."""
        self.validate(draft)
        with self._sf.begin() as s:
            row = s.get(SmsTemplateDraft, draft.id)
            if row is None:
                row = SmsTemplateDraft(id=draft.id, base_version=base_version)
                s.add(row)
            row.name, row.policy_id, row.purpose, row.body = draft.name, draft.policy_id, draft.purpose, draft.body
            row.updated_at = self._clock()
        return draft

    def discard_draft(self, template_id: str) -> str:
        with self._sf.begin() as s:
            row = s.get(SmsTemplateDraft, template_id)
            if row is not None:
                s.delete(row)
        return template_id

    def publish(self, draft: TemplateDraft, base_version: int | None = None) -> dict[str, Any]:
        """Save ``draft``, send it to the server, and drop the draft once the server took it.

        Raises:
            TemplateInvalid: the desk's own check failed (nothing sent).
            UserError: offline or refused by the server (``ServerRejected``, with its reason);
                the draft stays, the server changed nothing.
        """
        self.save_draft(draft, base_version)
        if self._remote is None:
            raise TemplateInvalid("Not connected to the server: the draft is saved on this desk.")
        item: dict[str, Any] = {"id": draft.id, "name": draft.name, "purpose": draft.purpose, "body": draft.body}
        if draft.policy_id:
            item["policy_id"] = draft.policy_id
        text = yaml.safe_dump({"sms_templates": [item]}, allow_unicode=True, sort_keys=False)
        report = self._remote().publish_sms_templates(text)
        self.discard_draft(draft.id)
        return report
