"""cleaner as a datatrove pipeline step (a formatter).

    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from cleaner.integrations.datatrove import CleanerStep

    pipeline = [JsonlReader("in/"), CleanerStep(disable=["stray-tokens"]), JsonlWriter("out/")]

The step takes the CLI's options, compiles the rules once per worker process, replaces ``doc.text``
with the clean text, keeps the removal log under ``doc.metadata["cleaner"]`` exactly as the JSONL
mode does, and counts removals per rule and per category with ``stat_update`` (merged by datatrove
into the run's ``stats.json``).
"""
from __future__ import annotations

from typing import Iterable, Optional

try:
    from datatrove.data import DocumentsPipeline
    from datatrove.pipeline.base import PipelineStep
except ImportError as e:  # pragma: no cover - exercised in a test that hides datatrove
    raise ImportError(
        "cleaner.integrations.datatrove needs datatrove: pip install 'cleaner[datatrove]'"
    ) from e

from ..api import Cleaner
from ..jsonl import metadata_log, version_of


class CleanerStep(PipelineStep):
    name = "🧹 cleaner"
    type = "✂️ - FORMAT"

    def __init__(
        self,
        rules: Optional[Iterable[str]] = None,
        extra: Iterable[str] = (),
        disable: Iterable[str] = (),
        timeout: float = 2.0,
        drop_empty: bool = False,
    ):
        """``rules``: packs replacing the defaults (the CLI's --only-rules); ``extra``: packs added
        after them (--rules); ``disable``: rule ids or categories; ``drop_empty``: leave out documents
        with no text left."""
        super().__init__()
        self.config = dict(rules=list(rules) if rules is not None else None, extra=list(extra),
                           disable=list(disable), timeout=timeout)
        self.drop_empty = drop_empty
        Cleaner(**self.config)  # validate here, in the driver, before any worker starts
        self._cleaner: Optional[Cleaner] = None

    def __getstate__(self):
        state = self.__dict__.copy()
        state["_cleaner"] = None  # each worker compiles its own, once
        return state

    @property
    def cleaner(self) -> Cleaner:
        if self._cleaner is None:
            self._cleaner = Cleaner(**self.config, check=False)
        return self._cleaner

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        cleaner = self.cleaner
        version = version_of(cleaner)
        for doc in data:
            self.stat_update("total")
            with self.track_time():
                result = cleaner.clean(doc.text)
            if result.removals:
                doc.text = result.text
                doc.metadata["cleaner"] = metadata_log(version, result.removals)
                self.stat_update("changed")
                self.stat_update("removals", value=len(result.removals))
                for r in result.removals:
                    self.stat_update(f"rule/{r.rule}", f"category/{r.category}")
            else:
                self.stat_update("unchanged")
            if self.drop_empty and not doc.text.strip():
                self.stat_update("dropped_empty")
                continue
            yield doc
