"""The scoring models in use on a desktop, by kind (the previous one kept when a new one fails to load)."""

from __future__ import annotations

import base64
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from workbench.core.scoring.models.score_model import ModelLoadError, ScoreModel


class ModelRegistry:
    """The scoring models in use on a desktop, by kind.

    :meth:`install` loads a new model; if it fails, the previous model of that kind stays in
    use and the error is raised (and passed to ``on_error``, e.g. the message bridge).
    """

    def __init__(self, on_error: Callable[[str, ModelLoadError], None] | None = None) -> None:
        self._models: dict[str, ScoreModel] = {}
        self._on_error = on_error

    def get(self, kind: str) -> ScoreModel | None:
        """The model of ``kind`` in use, or ``None``."""
        return self._models.get(kind)

    @property
    def kinds(self) -> list[str]:
        return sorted(self._models)

    def install(self, source: bytes | str | Path | ScoreModel, kind: str | None = None) -> ScoreModel:
        """Load and use ``source``; on :class:`ModelLoadError` keep the previous model."""
        try:
            model = source if isinstance(source, ScoreModel) else ScoreModel.load(source)
            if kind is not None and model.kind != kind:
                raise ModelLoadError(f"expected a {kind} model, got a {model.kind} model")
            current = self._models.get(model.kind)
            if current is not None and model.version < current.version:
                raise ModelLoadError(
                    f"{model.kind} model version {model.version} is older than the one in use "
                    f"({current.version}); keeping the current one"
                )
        except ModelLoadError as exc:
            if self._on_error:
                self._on_error(kind or "?", exc)
            raise
        self._models[model.kind] = model
        return model

    def install_rows(self, rows: Sequence[Mapping[str, Any]]) -> list[ModelLoadError]:
        """Install the newest loadable model per kind from synced rows.

        ``rows`` are ScoringModelFile-like dicts (``kind``, ``version``, ``payload_b64``). For
        each kind, versions are tried newest first; the first that loads wins. Returns the
        errors met (for the message bridge); kinds with no loadable row keep their model.
        """
        errors: list[ModelLoadError] = []
        by_kind: dict[str, list[Mapping[str, Any]]] = {}
        for r in rows:
            by_kind.setdefault(str(r["kind"]), []).append(r)
        for kind, kind_rows in by_kind.items():
            for r in sorted(kind_rows, key=lambda r: -int(r["version"])):
                current = self._models.get(kind)
                if current is not None and int(r["version"]) <= current.version:
                    break
                try:
                    self.install(base64.b64decode(r["payload_b64"]), kind)
                    break
                except (ModelLoadError, ValueError) as exc:
                    errors.append(exc if isinstance(exc, ModelLoadError) else ModelLoadError(str(exc)))
        return errors
