"""Documents/s of the datatrove pipeline (JsonlReader -> CleanerStep -> JsonlWriter, 8 tasks) on
LocalPipelineExecutor and on RayPipelineExecutor (a local Ray cluster of 2 CPUs), with 1 and 2
workers, against `cleaner clean --jobs 1/2` on the same corpus, all in one run.

    .venv/bin/python benchmarks/bench_datatrove.py [--mb 50] [--no-ray]

"docs/s" is the whole command (Python start, imports, and for Ray the cluster's start and stop);
"run() docs/s" is the executor's run() alone. Without Ray installed (`pip install 'cleaner[ray]'`)
the Ray rows are left out, and the output says so.
"""
from __future__ import annotations

import argparse
import importlib.util
import os
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_corpus import OUT, PY, build_corpus, timed  # noqa: E402

TASKS = 8  # one an input file

# argv: input folder, output folder, logging folder, workers, file to write run()'s seconds to
PIPELINE = """
import sys, time
from datatrove.executor import LocalPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from cleaner.integrations.datatrove import CleanerStep
src, out, logs, workers, took = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
t = time.perf_counter()
LocalPipelineExecutor([JsonlReader(src, compression=None, add_file_path=False), CleanerStep(),
                       JsonlWriter(out, compression=None)],
                      tasks=%d, workers=workers, logging_dir=logs).run()
open(took, "w").write(str(time.perf_counter() - t))
""" % TASKS

# The same on a fresh local Ray cluster of 2 CPUs (as tests/test_ray.py starts it).
RAY = """
import os, sys, time
import ray
from datatrove.executor import RayPipelineExecutor
from datatrove.pipeline.readers import JsonlReader
from datatrove.pipeline.writers import JsonlWriter
from cleaner.integrations.datatrove import CleanerStep
src, out, logs, workers, took = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
ray.init(address="local", num_cpus=2, include_dashboard=False, log_to_driver=False, configure_logging=False,
         object_store_memory=80 * 2**20, _temp_dir=os.path.join(os.environ["TMPDIR"], "ray"))
t = time.perf_counter()
RayPipelineExecutor([JsonlReader(src, compression=None, add_file_path=False), CleanerStep(),
                     JsonlWriter(out, compression=None)],
                    tasks=%d, workers=workers, mem_per_cpu_gb=0.5, logging_dir=logs).run()
open(took, "w").write(str(time.perf_counter() - t))
ray.shutdown()
""" % TASKS


def run_pipeline(script: str, split: Path, workers: int) -> tuple[float, float]:
    """(seconds of the whole command, seconds of run()), on fresh output and logging folders."""
    out, logs, took = OUT / "dt-out", OUT / "dt-logs", OUT / "dt-took"
    shutil.rmtree(out, ignore_errors=True)
    shutil.rmtree(logs, ignore_errors=True)
    t, _ = timed([PY, "-c", script, str(split), str(out), str(logs), str(workers), str(took)])
    if sum(1 for f in out.iterdir() for _ in f.open("rb")) != sum(1 for f in split.iterdir() for _ in f.open("rb")):
        raise SystemExit(f"{out}: not every document was written")
    return t, float(took.read_text())


def ray_environment() -> dict:
    """Ray's settings for the runs: no usage report, a token of its own for token authentication
    (not ~/.ray/auth_token), its session files and its workers' temporary files (datatrove's task
    logs) in a short temporary directory (its sockets live there), never an existing cluster."""
    temp = tempfile.mkdtemp(prefix="cleaner-ray-", dir="/tmp" if os.path.isdir("/tmp") else None)
    return {"RAY_USAGE_STATS_ENABLED": "0", "RAY_AUTH_TOKEN": secrets.token_hex(32), "TMPDIR": temp}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mb", type=float, default=50)
    ap.add_argument("--no-ray", action="store_true", help="leave out the Ray rows (each starts a Ray cluster: ~5 s)")
    args = ap.parse_args()
    corpus = build_corpus(args.mb)
    docs = sum(1 for _ in corpus.open("rb"))
    mb = corpus.stat().st_size / 1e6
    split = OUT / "dt-in"
    shutil.rmtree(split, ignore_errors=True)
    split.mkdir(parents=True)
    lines = corpus.read_bytes().splitlines(keepends=True)
    for k in range(TASKS):  # one input file a datatrove task
        (split / f"part{k}.jsonl").write_bytes(b"".join(lines[k::TASKS]))
    rows, times = [], {}
    for workers in (1, 2):
        t, t_run = run_pipeline(PIPELINE, split, workers)
        rows.append((f"datatrove pipeline, {workers} worker(s)", t, t_run))
        times["local", workers] = t, t_run
    ray_note = ""
    if args.no_ray:
        ray_note = "Ray rows left out: --no-ray"
    elif importlib.util.find_spec("ray") is None:
        ray_note = "Ray rows left out: ray is not installed (pip install 'cleaner[ray]')"
    else:
        env = ray_environment()
        saved = {k: os.environ.get(k) for k in [*env, "RAY_ADDRESS"]}
        os.environ.update(env)
        os.environ.pop("RAY_ADDRESS", None)
        try:
            for workers in (1, 2):
                t, t_run = run_pipeline(RAY, split, workers)
                rows.append((f"datatrove pipeline on Ray, {workers} worker(s)", t, t_run))
                times["ray", workers] = t, t_run
        except SystemExit as e:  # Ray installed but not working here: say so, measure the rest
            rows = [r for r in rows if "Ray" not in r[0]]
            times = {k: v for k, v in times.items() if k[0] != "ray"}
            ray_note = f"Ray rows left out: the Ray run failed ({e})"
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v
            shutil.rmtree(env["TMPDIR"], ignore_errors=True)
    cli_out = OUT / "dt-cleaned.jsonl"
    for jobs in (1, 2):
        t, _ = timed([PY, "-m", "cleaner", "clean", str(corpus), "-o", str(cli_out), "--jobs", str(jobs)])
        rows.append((f"cleaner clean --jobs {jobs}", t, None))
        times["cli", jobs] = t, None
    print(f"corpus: {corpus.name}, {docs} documents, {mb:.0f} MB; datatrove: {TASKS} tasks, one a file")
    print(f"{'run':44} {'docs/s':>9} {'MB/s':>7} {'run() docs/s':>13}")
    for name, t, t_run in rows:
        print(f"{name:44} {docs / t:9.0f} {mb / t:7.1f} {f'{docs / t_run:.0f}' if t_run else '-':>13}")
    if ray_note:
        print(ray_note)
    kinds = [k for k in ("local", "ray", "cli") if (k, 1) in times]
    names = {"local": "Local", "ray": "Ray", "cli": "cleaner clean"}
    print("2 workers / 1 worker, whole command: " + ", ".join(
        f"{names[k]} {times[k, 1][0] / times[k, 2][0]:.2f}x" for k in kinds))
    if "ray" in kinds:
        for i, what in ((0, "whole command"), (1, "run() alone")):
            print(f"Ray / Local, {what}: " + ", ".join(
                f"{w} worker(s) {times['local', w][i] / times['ray', w][i]:.2f}x" for w in (1, 2)))
    print("Local / cleaner clean, whole command: " + ", ".join(
        f"{w} worker(s) {times['cli', w][0] / times['local', w][0]:.2f}x" for w in (1, 2)))
    cli_out.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
