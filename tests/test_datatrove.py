"""cleaner inside datatrove: a real pipeline on LocalPipelineExecutor, checked against `cleaner clean`."""
import json
import subprocess
import sys

import pytest

from conftest import ROOT, SAMPLES, read
from pipeline_checks import check_against_the_cli, check_stats, output_mtimes, pipeline

datatrove = pytest.importorskip("datatrove")


def corpus(folder, files=4, per_file=60):
    texts = [read(p) for p in SAMPLES] + ["Nothing to remove here.\n", "totor\nA short one.\n\nComments"]
    folder.mkdir()
    n = 0
    for f in range(files):
        with open(folder / f"part{f}.jsonl", "w", encoding="utf-8") as out:
            for _ in range(per_file):
                out.write(json.dumps({"id": f"doc-{n}", "text": texts[n % len(texts)]}) + "\n")
                n += 1
    return n


def test_pipeline_equals_the_cli_and_its_stats_count_every_removal(tmp_path):
    from datatrove.executor import LocalPipelineExecutor

    total = corpus(tmp_path / "in")
    logs = tmp_path / "logs"
    LocalPipelineExecutor(pipeline(tmp_path), tasks=4, workers=2, logging_dir=str(logs)).run()

    removals, by_rule = check_against_the_cli(tmp_path, total)
    check_stats(logs, total, removals, by_rule)

    # A rerun finds every task completed and leaves the outputs alone.
    before = output_mtimes(tmp_path)
    LocalPipelineExecutor(pipeline(tmp_path), tasks=4, workers=2, logging_dir=str(logs)).run()
    assert output_mtimes(tmp_path) == before


def test_drop_empty_and_disabled_rules(tmp_path):
    from datatrove.data import Document

    from cleaner.integrations.datatrove import CleanerStep

    step = CleanerStep(disable=["stray-tokens"], drop_empty=True)
    docs = [Document(text="read more on the war\n\nComments", id="empty"), Document(text="totor\nText.", id="kept")]
    out = list(step.run(iter(docs)))
    assert [d.id for d in out] == ["kept"] and out[0].text == "totor\nText."
    assert "cleaner" not in out[0].metadata


def test_a_documents_language_field_picks_its_packs():
    from datatrove.data import Document

    from cleaner.integrations.datatrove import CleanerStep

    text = "Der Gemeinderat stimmt am Dienstag über den Haushalt ab.\nMehr zum Thema\n"
    step = CleanerStep()
    out = list(step.run(iter([Document(text=text, id="de", metadata={"language": "de"}),
                              Document(text=text, id="none", metadata={"language": "xx"}),
                              Document(text=text, id="told", metadata={"language": "de"})])))
    assert out[0].text == "Der Gemeinderat stimmt am Dienstag über den Haushalt ab.\n"
    assert out[0].metadata["cleaner"]["language"] == "de"
    assert out[1].text == text  # a language without packs: the core packs, which leave German alone
    quiet = list(CleanerStep(lang_field=None, lang="none").run(iter([Document(text=text, id="x", metadata={"language": "de"})])))
    assert quiet[0].text == text


def test_core_imports_without_datatrove_and_the_adapter_says_what_to_install():
    code = ("import sys; sys.modules['datatrove'] = None\n"
            "import cleaner; assert cleaner.clean('totor\\nText.').text == 'Text.'\n"
            "try:\n    import cleaner.integrations.datatrove\nexcept ImportError as e:\n    print(e)\n")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "cleaner.integrations.datatrove needs datatrove: pip install 'article-cleaner[datatrove]'"


def test_dask_recipe_from_the_readme(tmp_path):
    db = pytest.importorskip("dask.bag")
    texts = [read(p) for p in SAMPLES] * 4

    # --- the README's recipe ---
    from cleaner import Cleaner

    def clean_partition(texts):
        cleaner = Cleaner()  # compiled once per partition
        return [cleaner.clean(t).text for t in texts]

    cleaned = db.from_sequence(texts, npartitions=3).map_partitions(clean_partition).compute(scheduler="processes", num_workers=2)
    # ---
    from cleaner import clean

    assert cleaned == [clean(t).text for t in texts]
