"""One job of a ``-m`` sweep: skip it when already done, and keep the sweep going when it fails.

A sweep job is complete when :func:`sim.runner.io.is_complete` holds and its ``job.json`` records the
same overrides as this job and the same code version (a hash of the modules that build and
write a run and of every config file): a sweep directory reused for a different sweep, or rerun
after the model or a default changed, is rerun, not mistaken for done; before a sweep starts,
:func:`place_finished_jobs` moves finished jobs to their numbers in its grid. A job that raises writes
its one-line error to ``error.txt`` in its own directory and returns, so the launcher goes on
with the other jobs.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import shutil
import sys
import threading
import time
from pathlib import Path

from omegaconf import DictConfig

from sim.runner import io
from sim.runner.compose import CONFIG_DIR

ERROR_FILE = "error.txt"
JOB_RECORD = "job.json"

log = logging.getLogger(__name__)


# what a job's results depend on: the core, the runner (minus the sweep bookkeeping and the CLI's wording),
# the science tools a job may call (a sensitivity design point) and every config file; editing the report,
# the benchmark or the bookkeeping does not rerun finished jobs
BOOKKEEPING = ("runner/collect.py", "runner/jobs.py", "runner/cli.py", "runner/errors.py")
RESULT_PACKAGES = ("core", "runner", "science")


@functools.cache
def code_version() -> str:
    """SHA-256 (first 16 hex digits) of the modules of RESULT_PACKAGES (less BOOKKEEPING) and the configs."""
    package = Path(__file__).resolve().parents[1]
    sources = [
        path
        for name in RESULT_PACKAGES
        for path in sorted((package / name).rglob("*.py"))
        if path.relative_to(package).as_posix() not in BOOKKEEPING
    ]
    named = [(path.relative_to(package.parent).as_posix(), path) for path in sources]
    configs = Path(CONFIG_DIR)  # the source tree's configs/, or the copy inside an installed package
    named += [("configs/" + path.relative_to(configs).as_posix(), path) for path in sorted(configs.rglob("*.yaml"))]
    digest = hashlib.sha256()
    for name, path in named:
        digest.update(name.encode() + b"\0" + path.read_bytes().replace(b"\r\n", b"\n"))
    return digest.hexdigest()[:16]


def job_record(job_dir: Path) -> dict:
    """A finished job's ``job.json`` (overrides and code version); empty when absent or unreadable."""
    try:
        record = json.loads((Path(job_dir) / JOB_RECORD).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def recorded_overrides(job_dir: Path) -> list[str] | None:
    """The overrides a finished job ran with, from its ``job.json``; None when absent or unreadable."""
    overrides = job_record(job_dir).get("overrides")
    return list(overrides) if isinstance(overrides, list) else None


def job_key(overrides: list[str]) -> tuple[str, ...]:
    """A job's identity: its overrides in any order (``seed=1 ai=fast`` is ``ai=fast seed=1``)."""
    return tuple(sorted(str(override) for override in overrides))


def is_done(job_dir: Path, overrides: list[str]) -> bool:
    """True when ``job_dir`` holds a complete run made with these overrides (in any order) by this code."""
    recorded = recorded_overrides(job_dir)
    return (
        io.is_complete(job_dir)
        and recorded is not None
        and job_key(recorded) == job_key(overrides)
        and job_record(job_dir).get("code") == code_version()
    )


EARLIER_JOBS = "earlier_jobs"  # a sweep folder's finished jobs that the sweep now run into it does not have


def place_finished_jobs(sweep_dir: Path, planned: list[list[str]]) -> tuple[int, int]:
    """Before a sweep runs into a folder that holds finished jobs: each moved to the number its overrides have now.

    Hydra numbers a sweep's jobs in grid order, so a sweep with one more seed, or its keys typed in
    another order, gives most jobs new numbers: moved there, they are skipped as done instead of
    run again. A finished job the new sweep lacks, whose number a new job would overwrite, moves to
    ``earlier_jobs/`` (kept, out of the combined tables). Returns (jobs moved into place, jobs set aside).
    """
    sweep_dir = Path(sweep_dir)
    wanted = {job_key(overrides): str(number) for number, overrides in enumerate(planned)}
    parked = sweep_dir / EARLIER_JOBS
    found = [path for path in sweep_dir.iterdir() if path.is_dir() and path.name.isdigit()]
    found += sorted(parked.iterdir()) if parked.is_dir() else []
    moving, aside = [], []
    for folder in found:
        record = job_record(folder)
        recorded = record.get("overrides")
        if not isinstance(recorded, list) or not io.is_complete(folder):
            continue
        target = wanted.get(job_key(recorded))
        if target is None:
            if folder.parent == sweep_dir and int(folder.name) < len(planned):  # a new job would overwrite it
                aside.append(folder)
        elif not (folder.parent == sweep_dir and folder.name == target) and record.get("code") == code_version():
            moving.append((folder, target))  # done, in another folder: is_done there, once moved
    if not moving and not aside:
        return 0, 0
    parked.mkdir(exist_ok=True)
    staged = []
    for folder, target in moving:  # all out of the way first: a job may move to a number another one leaves
        staged.append((_free(parked / f"{target}.moving"), target))
        folder.rename(staged[-1][0])
    for folder in aside:
        folder.rename(_free(parked / folder.name))
    for stage, target in staged:
        destination = sweep_dir / target
        if destination.exists() and io.is_complete(destination):  # older code's job: it runs again, its folder kept
            destination.rename(_free(parked / f"{target}.replaced"))
        elif destination.exists():  # an unfinished or failed job, which runs again: no result to keep
            shutil.rmtree(destination)
        stage.rename(destination)
    if not any(parked.iterdir()):
        parked.rmdir()
    return len(moving), len(aside)


def _free(path: Path) -> Path:
    """``path``, or ``path-2``, ``path-3``, ... the first name not taken."""
    candidate, number = path, 1
    while candidate.exists():
        number += 1
        candidate = path.with_name(f"{path.name}-{number}")
    return candidate


def one_line(error: BaseException) -> str:
    """The error as one line: the message of a ConfigError, ``Type: message`` for anything else."""
    from sim.core.schema import ConfigError

    message = " ".join(str(error).split()) or repr(error)
    return message if isinstance(error, ConfigError) else f"{type(error).__name__}: {message}"


MAIN_PID = "SIM_SWEEP_MAIN_PID"  # set by the sweep's main process (CollectCallback.on_multirun_start)
_watching = threading.Event()


def _watch_parent(parent: int, period: float) -> None:
    while True:
        time.sleep(period)
        if os.getppid() != parent:  # the sweep's main process died (SIGKILL): its worker must not live on
            os._exit(137)


def _is_worker() -> bool:
    """True in a joblib (loky) worker process of a sweep."""
    return any("popen_loky" in arg for arg in getattr(sys, "orig_argv", sys.argv))


def end_with_the_sweep(period: float = 1.0) -> bool:
    """In a sweep's joblib worker: end this process when the sweep's main process dies.

    A joblib (loky) worker outlives a main process killed with SIGKILL; a daemon thread watches
    the parent's pid and ends the worker within ``period`` seconds of the parent's death (then the
    resource trackers, whose pipes the workers held, end too). Called when a worker imports this
    module (it does to run its first job) and again for each job. Returns True when watching.
    """
    main = os.environ.get(MAIN_PID)
    if not main or not main.isdigit() or int(main) == os.getpid() or not _is_worker():
        return False
    if os.getppid() != int(main):  # the main process is already gone
        os._exit(137)
    if not _watching.is_set():
        _watching.set()
        threading.Thread(target=_watch_parent, args=(int(main), period), daemon=True, name="sweep-watch").start()
    return True


def _log_to_files(message: str, traceback: bool) -> None:
    """Log an error to the log files only (Hydra's job log, cli.log), not again to the console."""
    record = log.makeRecord(log.name, logging.ERROR, __file__, 0, message, (), sys.exc_info() if traceback else None)
    for handler in logging.getLogger().handlers:
        if isinstance(handler, logging.FileHandler):
            handler.handle(record)


def run_job(cfg: DictConfig, job_dir: Path, overrides: list[str]) -> str:
    """Run one sweep job into ``job_dir``; return "skipped", "complete" or "failed" (never raises on failure)."""
    end_with_the_sweep()
    job_dir = Path(job_dir)
    if is_done(job_dir, overrides):
        log.info("job %s already complete with these overrides and this code: skipped", job_dir.name)
        return "skipped"
    from sim.runner.run import run  # the model is imported only when a job really runs

    io.mark_incomplete(job_dir)  # also when the job fails before run() gets to clear it
    for stale in (JOB_RECORD, ERROR_FILE):
        (job_dir / stale).unlink(missing_ok=True)
    try:
        run(cfg, job_dir)
    except Exception as error:
        from sim.core.schema import ConfigError
        from sim.runner.errors import located

        message = one_line(located(error, list(overrides)))
        io.write_atomic(job_dir / ERROR_FILE, lambda tmp: tmp.write_text(message + "\n", encoding="utf-8"))
        # the terminal gets one line on stderr; the job's log file the same, with the traceback of any error that
        # is not a bad value
        _log_to_files(f"job {job_dir.name} failed: {message}", traceback=not isinstance(error, ConfigError))
        print(f"job {job_dir.name} failed: {message}", file=sys.stderr)
        return "failed"
    io.write_json({"overrides": list(overrides), "code": code_version()}, job_dir / JOB_RECORD)
    return "complete"


end_with_the_sweep()  # a worker starts watching as soon as it imports the job's code
