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
        "cleaner.integrations.datatrove needs datatrove: pip install 'article-cleaner[datatrove]'"
    ) from e

from ..api import Cleaner
from ..jsonl import metadata_log, version_of
from ..language import code_of


class CleanerStep(PipelineStep):
    """A datatrove step that cleans each document's text and keeps the log of what went.

    Documents in, documents out, in order: ``doc.text`` becomes the clean text and
    ``doc.metadata["cleaner"]`` holds the removals (rule, category, start/end in the original text,
    the removed text unless ``log_text=False``, replacement), as the CLI's JSONL mode writes them.
    A document with nothing to remove passes through untouched. Counters in ``stats.json``:
    ``total``, ``changed``, ``unchanged``, ``removals``, ``rule/<id>``, ``category/<name>``,
    ``dropped_empty``.
    """

    name = "🧹 cleaner"
    type = "✂️ - FORMAT"

    def __init__(
        self,
        rules: Optional[Iterable[str]] = None,
        extra: Iterable[str] = (),
        disable: Iterable[str] = (),
        timeout: float = 2.0,
        drop_empty: bool = False,
        log_text: bool = True,
        lang: str = "auto",
        lang_field: Optional[str] = "language",
    ):
        """``rules``: packs replacing the defaults (the CLI's --only-rules); ``extra``: packs added
        to them (--rules); ``disable``: rule ids or categories; ``timeout``: seconds one pattern may
        run on one line; ``drop_empty``: leave out documents with no text left; ``log_text``: keep
        the removed text in the log (False: spans and rule ids only, --no-log-text); ``lang``: the
        texts' language (ISO 639-1), ``"auto"`` to tell it per text, ``"none"`` for the core packs
        only; ``lang_field``: the metadata field that holds a document's own language, as
        datatrove's language filters write it (``"language"``), used where present."""
        super().__init__()
        self.config = dict(rules=list(rules) if rules is not None else None, extra=list(extra),
                           disable=list(disable), timeout=timeout, lang=lang)
        self.lang_field = lang_field
        self.drop_empty = drop_empty
        self.log_text = log_text
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

    def clean_document(self, doc):
        """The CleanResult for one document (a subclass may add a stage: see datatrove_repeated)."""
        own = doc.metadata.get(self.lang_field) if self.lang_field else None
        return self.cleaner.clean(doc.text, code_of(own))

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        version = version_of(self.cleaner)
        for doc in data:
            self.stat_update("total")
            with self.track_time():
                result = self.clean_document(doc)
            if result.removals:
                doc.text = result.text
                doc.metadata["cleaner"] = metadata_log(version, result.removals, self.log_text, result.language)
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
