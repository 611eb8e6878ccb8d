"""The sensitive-word list (敏感词) on the server: starts as the shipped default (the
migration fills it), edited by administrators."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server_stub.storage.models import SensitiveWord
from workbench.core.entities import utcnow

MAX_WORDS = 5000


def load_words(session: Session) -> list[str]:
    """The words in force."""
    return list(session.execute(select(SensitiveWord.word)).scalars())


def replace_words(session: Session, words: Iterable[str], user_id: str | None) -> list[str]:
    """Make the list exactly ``words`` (trimmed, duplicates dropped); returns it sorted.

    Raises:
        ValueError: an empty or over-long word, a control character, or too many words.
    """
    clean: set[str] = set()
    for raw in words:
        word = raw.strip()
        if not word or len(word) > 40:
            raise ValueError(f"a sensitive word must be 1 to 40 characters: {raw!r}")
        if any(ord(ch) < 32 or ch == "\x7f" for ch in word):
            raise ValueError(f"control character in the word {raw!r}")
        clean.add(word)
    if len(clean) > MAX_WORDS:
        raise ValueError(f"at most {MAX_WORDS} words")
    session.execute(delete(SensitiveWord))
    now = utcnow()
    session.add_all(SensitiveWord(word=w, added_by=user_id, added_at=now) for w in sorted(clean))
    return sorted(clean)
