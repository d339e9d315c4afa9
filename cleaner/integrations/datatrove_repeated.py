"""Repetition as a rule in datatrove: two pipelines, a counting one and a cleaning one.

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from cleaner.integrations.datatrove_repeated import RepeatCountStep, RepeatedCleanerStep

    # 1. count: each task counts the lines of its documents per group into counts/rank-NNNNN/
    LocalPipelineExecutor([JsonlReader("in/"), RepeatCountStep("counts/")], tasks=8,
                          logging_dir="logs/count").run()
    # 2. clean: the rules, then the lines on at least k pages of their group (the counts of every
    #    rank, merged once into counts/repeated-lines.bin by the first task that needs them)
    LocalPipelineExecutor([JsonlReader("in/"), RepeatedCleanerStep("counts/", k=3), JsonlWriter("out/")],
                          tasks=8, logging_dir="logs/clean").run()

Groups are the host of the document's ``url`` metadata (as datatrove's readers keep it), or the
value of ``group_by``: a metadata key (dotted for nested values), ``id``, or ``metadata.<key>``.
The counts folder must be one every task sees (local, or a shared file system); the counting step
writes plain files there. ``merge_counts(folder)`` merges the ranks' parts by hand.
"""
from __future__ import annotations

import os
from typing import Optional

try:
    from datatrove.data import DocumentsPipeline
    from datatrove.pipeline.base import PipelineStep
except ImportError as e:  # pragma: no cover - exercised in a test that hides datatrove
    raise ImportError(
        "cleaner.integrations.datatrove_repeated needs datatrove: pip install 'article-cleaner[datatrove]'"
    ) from e

from ..repetition import DEFAULT_K, DEFAULT_SHARE, SHARDS, LineCounter, RepeatedLines, group_of, remove_repeated
from .datatrove import CleanerStep

MERGED = "repeated-lines.bin"


def _record(doc) -> dict:
    """What ``group_of`` looks in: the metadata's keys at the top (``url``, ``site``), and ``id``,
    ``metadata`` as themselves."""
    return {**doc.metadata, "id": doc.id, "metadata": doc.metadata}


def merge_counts(folder: str, shards: int = SHARDS) -> RepeatedLines:
    """The counts of every rank under ``folder`` merged, saved as ``folder/repeated-lines.bin``
    (written beside its name and renamed), and returned. The ranks' parts stay."""
    parts = sorted(os.path.join(folder, d) for d in os.listdir(folder) if d.startswith("rank-"))
    repeated = LineCounter.combine(parts, shards)
    repeated.save(os.path.join(folder, MERGED))
    return repeated


def load_counts(folder: str) -> RepeatedLines:
    """The merged counts under ``folder``, merging the ranks' parts first if no task has yet."""
    path = os.path.join(folder, MERGED)
    if os.path.exists(path):
        return RepeatedLines.load(path)
    return merge_counts(folder)


class RepeatCountStep(PipelineStep):
    """The counting step: each document's distinct lines, counted once per page under its group.
    Documents pass through unchanged. Each rank writes its own part, ``output_folder/rank-NNNNN/``
    (bounded memory: keys spill to sharded files there). Counters: ``pages``, ``no_group``."""

    name = "🔁 repeat count"
    type = "📊 - STATS"

    def __init__(self, output_folder: str, group_by: Optional[str] = None, shards: int = SHARDS):
        super().__init__()
        self.output_folder = output_folder
        self.group_by = group_by
        self.shards = shards

    def run(self, data: DocumentsPipeline, rank: int = 0, world_size: int = 1) -> DocumentsPipeline:
        folder = os.path.join(self.output_folder, f"rank-{rank:05d}")
        if os.path.isdir(folder):  # a rerun of a failed task starts its part afresh
            for name in os.listdir(folder):
                os.remove(os.path.join(folder, name))
        counter = LineCounter(folder, self.shards)
        for doc in data:
            group = group_of(_record(doc), self.group_by)
            if group is None:
                self.stat_update("no_group")
            else:
                with self.track_time():
                    counter.add(group, doc.text)
                self.stat_update("pages")
            yield doc
        counter.close()


class RepeatedCleanerStep(CleanerStep):
    """``CleanerStep``, then ``remove_repeated`` with the counts under ``counts_folder`` (see
    ``RepeatCountStep``): the removals of both in one log under ``doc.metadata["cleaner"]``, the
    repeated lines under rule ``repeated-in-site``. Takes CleanerStep's options as well."""

    name = "🧹 cleaner (repeated lines)"

    def __init__(self, counts_folder: str, k: int = DEFAULT_K, share: float = DEFAULT_SHARE,
                 group_by: Optional[str] = None, **options):
        super().__init__(**options)
        self.counts_folder = counts_folder
        self.k = k
        self.share = share
        self.group_by = group_by
        self._repeated: Optional[RepeatedLines] = None

    def __getstate__(self):
        state = super().__getstate__()
        state["_repeated"] = None  # each worker loads the counts once
        return state

    @property
    def repeated(self) -> RepeatedLines:
        if self._repeated is None:
            self._repeated = load_counts(self.counts_folder)
        return self._repeated

    def clean_document(self, doc):
        cleaner = self.cleaner
        return remove_repeated(doc.text, cleaner.clean(doc.text), group_of(_record(doc), self.group_by),
                               self.repeated, k=self.k, share=self.share, clean=cleaner.clean)
