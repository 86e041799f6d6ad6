#!/usr/bin/python3
"""Generate a large synthetic table with Dask's distributed scheduler, one row range per task.

Row i of a seed is the same row whichever process makes it (`mlgan generate --first-row`), so a table of N rows
is K independent tasks: task k runs the command-line tool on rows [k*N/K, (k+1)*N/K) and writes one Parquet part.
A task that is lost with its worker is simply run again by the scheduler; the part it writes is the same bytes.

    /usr/bin/python3 dask_generate.py --model adult.zip --rows 2000000 --parts 40 --out parts/ \
        [--seed 1] [--workers 3] [--kill-one] [--verify]

--kill-one kills a worker process (SIGKILL) while tasks are running, to show that the result is still complete.
--verify then makes the same rows in one process and compares `mlgan digest` of the parts with that of the
single file: the row count and the SHA-256 of the rows' values must be equal.

Needs Dask's distributed scheduler (Debian: apt-get install python3-distributed) and the tool: by default
`dotnet <repository>/src/Microsoft.ML.Gan.Cli/bin/Release/net10.0/mlgan.dll` (dotnet build -c Release first), or
--mlgan "mlgan" for the installed tool. Every tool process gets OMP_NUM_THREADS=1: workers share the machine.
"""
import argparse
import os
import shlex
import signal
import subprocess
import sys
import time
from pathlib import Path

try:
    from dask.distributed import Client, LocalCluster, as_completed
except ImportError:
    sys.exit("Dask's distributed scheduler is not installed for this Python "
             f"({sys.executable}): on Debian, apt-get install python3-distributed.")

REPOSITORY = Path(__file__).resolve().parents[2]
DEFAULT_TOOL = f"dotnet {REPOSITORY / 'src/Microsoft.ML.Gan.Cli/bin/Release/net10.0/mlgan.dll'}"


def tool_environment():
    env = dict(os.environ)
    env["OMP_NUM_THREADS"] = "1"
    return env


def generate_part(tool, model, seed, first, count, path):
    """One task: rows [first, first + count) of the seed, written by the tool (atomically) to path."""
    command = shlex.split(tool) + ["generate", model, "--seed", str(seed), "--first-row", str(first),
                                   "--rows", str(count), "--out", path]
    done = subprocess.run(command, env=tool_environment(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.strip()}")
    return path, first, count, os.getpid()


def digest(tool, model, files):
    """The tool's row count and SHA-256 of the rows of these files, read in order."""
    command = shlex.split(tool) + ["digest", "--model", model] + [str(f) for f in files]
    done = subprocess.run(command, env=tool_environment(), capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} ... exited {done.returncode}: {done.stderr.strip()}")
    return done.stdout.strip()


def ranges(rows, parts):
    bounds = [rows * k // parts for k in range(parts + 1)]
    return [(k, bounds[k], bounds[k + 1] - bounds[k]) for k in range(parts)]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", required=True, help="a model written by mlgan train (zip) or exported as ONNX")
    parser.add_argument("--rows", type=int, required=True, help="rows in all")
    parser.add_argument("--parts", type=int, default=20, help="tasks, one Parquet part each (default 20)")
    parser.add_argument("--out", required=True, help="folder for part-00000.parquet, ... (made if missing)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--workers", type=int, default=3, help="worker processes of the local cluster (default 3)")
    parser.add_argument("--kill-one", action="store_true", help="kill one worker while tasks run")
    parser.add_argument("--verify", action="store_true", help="compare the parts with one process's rows")
    parser.add_argument("--mlgan", default=DEFAULT_TOOL, help=f"how to start the tool (default: {DEFAULT_TOOL})")
    args = parser.parse_args()
    if args.rows < 1 or args.parts < 1 or args.parts > args.rows:
        parser.error("--rows must be at least 1 and --parts between 1 and --rows")
    if args.kill_one and args.workers < 2:
        parser.error("--kill-one needs at least two workers")
    model = str(Path(args.model).resolve())
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("part-*.parquet"):
        stale.unlink()

    # Processes, one thread each: the tool's libtorch and ONNX Runtime threads are the parallelism inside a task.
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        started = time.monotonic()
        tasks = ranges(args.rows, args.parts)
        futures = [client.submit(generate_part, args.mlgan, model, args.seed, first, count,
                                 str(out / f"part-{k:05d}.parquet"), key=f"part-{k:05d}", pure=False)
                   for k, first, count in tasks]
        killed = None
        finished = 0
        for future in as_completed(futures):
            path, first, count, pid = future.result()
            finished += 1
            print(f"  {Path(path).name}: rows {first:,} to {first + count - 1:,} (worker process {pid})", flush=True)
            if args.kill_one and killed is None and finished < len(tasks):
                # A worker that is running a task now: kill its process outright, as a lost machine would be lost.
                busy = [address for address, keys in client.processing().items() if keys]
                if busy:
                    pids = client.run(os.getpid, workers=[busy[0]])
                    killed = (busy[0], pids[busy[0]], list(client.processing()[busy[0]]))
                    os.kill(killed[1], signal.SIGKILL)
                    print(f"killed worker {killed[0]} (process {killed[1]}) while it held {', '.join(killed[2])} (running or queued)", flush=True)
        elapsed = time.monotonic() - started

    parts = sorted(out.glob("part-*.parquet"))
    print(f"{len(parts)} parts of {args.parts} written in {elapsed:.1f} s by {args.workers} workers"
          + (f"; worker process {killed[1]} was killed midway" if killed else ""))
    if len(parts) != args.parts:
        sys.exit(f"FAIL: {args.parts - len(parts)} parts are missing")
    if args.kill_one and killed is None:
        sys.exit("FAIL: no worker was busy when one should have been killed; use more --parts")
    parts_digest = digest(args.mlgan, model, parts)
    print(f"parts: {parts_digest}")
    if args.verify:
        whole = out / "one-process.parquet"
        command = shlex.split(args.mlgan) + ["generate", model, "--seed", str(args.seed), "--rows", str(args.rows),
                                             "--out", str(whole)]
        subprocess.run(command, env=tool_environment(), check=True, capture_output=True)
        single = digest(args.mlgan, model, [whole])
        whole.unlink()
        print(f"one process: {single}")
        if not parts_digest.startswith(f"{args.rows} rows ") or parts_digest != single:
            sys.exit("FAIL: the parts are not the rows one process makes")
        print("PASS: the parts hold every row once, equal to one process's rows")


if __name__ == "__main__":
    main()
