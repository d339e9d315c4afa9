"""cleaner on datatrove's RayPipelineExecutor, on a real local Ray cluster, checked against
`cleaner clean`; and the README's cluster examples (Slurm, Ray) built against datatrove's current
executor signatures (Slurm cannot be submitted to here: there is no Slurm)."""
import ast
import inspect
import json
import os
import re
import secrets
import shutil
import tempfile
import threading
from copy import deepcopy

import pytest

from conftest import ROOT
from pipeline_checks import check_against_the_cli, check_stats, output_mtimes, pipeline

datatrove = pytest.importorskip("datatrove")

DEV = ROOT / "benchmarks" / "data" / "dev.jsonl"  # the development pages (MIT, see LICENSE-dev.md)
RUN_LIMIT = 180  # seconds for one executor run; it takes about 3 s on 2 cores


@pytest.fixture(scope="module")
def ray_cluster():
    """A local Ray cluster of 2 CPUs for this file's tests (one per process: Ray keeps the first
    cluster's token, so a second start in the same process fails), shut down afterwards. Started fresh (never an
    existing cluster named by RAY_ADDRESS), without dashboard or usage report, with its session
    files and its workers' temporary files (datatrove's task logs) in a temporary directory, and a
    token of its own for Ray's token authentication (Ray would otherwise write ~/.ray/auth_token)."""
    try:
        import ray
    except ImportError as e:
        pytest.skip(f"Ray cannot be imported ({e}); the test extra installs it only where PyPI has Ray wheels")
    # Short, under /tmp: Ray's sockets live in it, and a socket path must stay under 108 bytes.
    temp = tempfile.mkdtemp(prefix="cleaner-ray-", dir="/tmp" if os.path.isdir("/tmp") else None)
    try:
        with pytest.MonkeyPatch.context() as env:
            env.delenv("RAY_ADDRESS", raising=False)
            env.setenv("RAY_USAGE_STATS_ENABLED", "0")
            env.setenv("RAY_AUTH_TOKEN", secrets.token_hex(32))
            env.setenv("TMPDIR", temp)  # inherited by Ray's processes: datatrove writes $TMPDIR/ray_logs
            ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False,
                     configure_logging=False, object_store_memory=80 * 2**20, _temp_dir=os.path.join(temp, "ray"))
            try:
                yield ray
            finally:
                ray.shutdown()
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def dev_pages(folder, files=4):
    """The development pages' noisy text as datatrove records, spread over `files` input files."""
    records = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines()]
    folder.mkdir()
    for k in range(files):
        with open(folder / f"part{k}.jsonl", "w", encoding="utf-8") as out:
            for r in records[k::files]:
                out.write(json.dumps({"id": r["id"], "text": r["noisy"]}, ensure_ascii=False) + "\n")
    return len(records)


def run_within(executor, seconds=RUN_LIMIT):
    """executor.run(), failing the test instead of hanging it (a task Ray cannot place waits forever)."""
    failed = []

    def target():
        try:
            executor.run()
        except BaseException as e:  # noqa: BLE001 - re-raised in the test's thread
            failed.append(e)

    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"RayPipelineExecutor.run() did not finish within {seconds} s"
    if failed:
        raise failed[0]


# datatrove places its Ray actors with placement_group=..., which Ray 2.5x+ deprecates.
@pytest.mark.filterwarnings("ignore:placement_group.* parameter is deprecated:DeprecationWarning")
def test_pipeline_on_a_ray_cluster_equals_the_cli_and_its_stats_count_every_removal(ray_cluster, tmp_path):
    from datatrove.executor import RayPipelineExecutor

    # Each task asks Ray for mem_per_cpu_gb of memory (default 2 GB): ask little, and fail plainly,
    # rather than wait, where even that is not there.
    mem_gb = 0.25
    assert ray_cluster.cluster_resources().get("CPU") == 2
    assert ray_cluster.cluster_resources().get("memory", 0) >= 2 * mem_gb * 2**30, ray_cluster.cluster_resources()

    total = dev_pages(tmp_path / "in")
    logs = tmp_path / "logs"

    def executor():
        return RayPipelineExecutor(pipeline(tmp_path), tasks=4, workers=2, mem_per_cpu_gb=mem_gb,
                                   logging_dir=str(logs))

    run_within(executor())
    assert sorted(os.listdir(logs / "completions")) == ["00000", "00001", "00002", "00003"]
    removals, by_rule = check_against_the_cli(tmp_path, total)
    check_stats(logs, total, removals, by_rule)

    # A rerun finds every task completed and leaves the outputs alone.
    before = output_mtimes(tmp_path)
    run_within(executor())
    assert output_mtimes(tmp_path) == before


def readme_example(name):
    """The keyword arguments of the README's `name(pipeline, ...)` example, as written there."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for block in re.findall(r"```python\n(.*?)```", text, re.S):
        if f"{name}(" not in block:
            continue
        for node in ast.walk(ast.parse(block)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == name:
                assert [ast.unparse(a) for a in node.args] == ["pipeline"]
                return {k.arg: ast.literal_eval(k.value) for k in node.keywords}
    pytest.fail(f"README.md has no {name}(pipeline, ...) example")


def test_the_readme_slurm_example_builds_with_the_current_slurm_executor(tmp_path):
    import dill
    from datatrove.data import Document
    from datatrove.executor import SlurmPipelineExecutor

    kwargs = readme_example("SlurmPipelineExecutor")
    inspect.signature(SlurmPipelineExecutor).bind(pipeline(tmp_path), **kwargs)  # every name exists
    kwargs["logging_dir"] = str(tmp_path / "logs")
    executor = SlurmPipelineExecutor(pipeline(tmp_path), **kwargs)

    # The sbatch script it would submit (launch_job; sbatch itself cannot run here).
    script = executor.get_launch_file_contents(executor.get_sbatch_args(max_array=kwargs["tasks"]), "true")
    assert f"#SBATCH --time={kwargs['time']}" in script
    assert f"#SBATCH --partition={kwargs['partition']}" in script
    assert f"#SBATCH --cpus-per-task={kwargs['cpus_per_task']}" in script
    assert f"#SBATCH --array=0-{kwargs['tasks'] - 1}" in script
    assert f"source {kwargs['venv_path']}" in script

    # launch_job pickles the executor with dill for the nodes; the step comes back and still cleans.
    clone = dill.loads(dill.dumps(deepcopy(executor), fmode=dill.CONTENTS_FMODE))
    (doc,) = clone.pipeline[1].run(iter([Document(text="totor\nText.", id="a")]))
    assert doc.text == "Text." and doc.metadata["cleaner"]


def test_the_readme_ray_example_builds_with_the_current_ray_executor(tmp_path):
    from datatrove.executor import RayPipelineExecutor

    kwargs = readme_example("RayPipelineExecutor")
    inspect.signature(RayPipelineExecutor).bind(pipeline(tmp_path), **kwargs)
    kwargs["logging_dir"] = str(tmp_path / "logs")
    executor = RayPipelineExecutor(pipeline(tmp_path), **kwargs)
    assert (executor.world_size, executor.workers) == (kwargs["tasks"], kwargs.get("workers", kwargs["tasks"]))


@pytest.mark.filterwarnings("ignore:placement_group.* parameter is deprecated:DeprecationWarning")
def test_the_two_pass_repetition_runs_on_ray_in_order_and_equals_clean_repeated(ray_cluster, tmp_path):
    """Counting on Ray, then cleaning on Ray with the counts, gives what `cleaner clean --repeated`
    gives on the same records (the development pages have too few pages a site: generated ones)."""
    from datatrove.executor import RayPipelineExecutor
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter

    from cleaner.integrations.datatrove_repeated import RepeatCountStep, RepeatedCleanerStep
    from conftest import run_cli
    from test_repetition import page

    (tmp_path / "in").mkdir()
    records = [{"id": f"d{n}", "url": f"https://site{n % 2}.example/{n}", "text": page(n)} for n in range(24)]
    for part in range(3):
        with open(tmp_path / "in" / f"part{part}.jsonl", "w", encoding="utf-8") as f:
            f.writelines(json.dumps(r) + "\n" for r in records[part::3])
    counts, out = tmp_path / "counts", tmp_path / "out"
    reader = lambda: JsonlReader(str(tmp_path / "in"), compression=None, add_file_path=False)  # noqa: E731
    run_within(RayPipelineExecutor([reader(), RepeatCountStep(str(counts))], tasks=3, workers=2,
                                   mem_per_cpu_gb=0.25, logging_dir=str(tmp_path / "logs1")))
    run_within(RayPipelineExecutor([reader(), RepeatedCleanerStep(str(counts), k=3),
                                    JsonlWriter(str(out), compression=None)], tasks=3, workers=2,
                                   mem_per_cpu_gb=0.25, logging_dir=str(tmp_path / "logs2")))
    on_ray = {}
    for name in os.listdir(out):
        for line in open(out / name, encoding="utf-8"):
            r = json.loads(line)
            on_ray[r["id"]] = (r["text"], [(x["rule"], x["start"], x["end"]) for x in r["metadata"].get("cleaner", {}).get("removals", [])])

    corpus = tmp_path / "all.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    proc = run_cli("clean", corpus, "-o", tmp_path / "cli.jsonl", "--repeated", "3", "--quiet")
    assert proc.returncode == 0, proc.stderr
    by_cli = {}
    for line in (tmp_path / "cli.jsonl").read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        by_cli[r["id"]] = (r["text"], [(x["rule"], x["start"], x["end"]) for x in r.get("metadata", {}).get("cleaner", {}).get("removals", [])])
    assert on_ray == by_cli
    assert sum(rule == "repeated-in-site" for _, log in by_cli.values() for rule, _, _ in log) > 0
