"""A ``-m`` sweep that says what it is doing: one progress line, and no per-job chatter.

:class:`ProgressCallback` (registered in ``configs/config.yaml`` under ``hydra.callbacks``) runs in
the sweep's main process. When the sweep starts it

* quiets the launcher's lines (``Joblib.Parallel(...)``, ``Launching jobs ...``, one ``#N : ...``
  per job) unless ``hydra.verbose`` is set;
* makes Hydra's basic sweeper compose, before launching, the first job only, and check the
  group choices (``scenario=...``) of the others, instead of composing every job: it did that
  one job at a time on one core, 0.1-0.4 s each, before any job ran (each job still composes and
  validates its own config, and a job whose values are bad fails alone);
* watches the job folders from a background thread and prints ``sweep: 12/66 done, 0 failed,
  about 1m20s left``, rewritten in place on a terminal and as a line every ``interval`` seconds
  otherwise (a log file).
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hydra.experimental.callback import Callback

from sim.runner.io import COMPLETE_MARKER
from sim.runner.jobs import ERROR_FILE

QUIET_LOGGERS = (  # the launchers' per-sweep and per-job INFO lines
    "hydra_plugins.hydra_joblib_launcher._core",
    "hydra_plugins.hydra_joblib_launcher.joblib_launcher",
    "hydra._internal.core_plugins.basic_launcher",
)


def planned_jobs(config: Any) -> list[list[str]] | None:
    """Each job's overrides, in job order, from the sweep's params and command line; None if unknown."""
    from omegaconf import OmegaConf

    from sim.runner.collect import expand_sweep

    try:
        params = config.hydra.sweeper.get("params")
        params = OmegaConf.to_container(params, resolve=True) if params is not None else {}
        grid, _ = expand_sweep(params, list(config.hydra.overrides.task))
    except Exception as error:  # another sweeper, or a sweep the parser cannot expand without the config loader
        logging.getLogger(__name__).debug("cannot count the sweep's jobs: %s", error)
        return None
    return grid


def jobs_to_validate(batch: list[list[str]], seen: set[str]) -> list[list[str]]:
    """The jobs of ``batch`` with an override not in ``seen`` (which this updates)."""
    chosen = []
    for overrides in batch:
        new = [override for override in overrides if override not in seen]
        if new:
            chosen.append(overrides)
            seen.update(new)
    return chosen


def _validate_new_values_only() -> None:
    """Hydra's basic sweeper: before launching, compose one job, and check the other jobs' new group choices.

    Hydra composes every job in the sweep's main process before launching any, one at a time on one
    core (0.1-0.4 s each, a tenth of a demo sweep's wall time). Here the first job is composed (a
    misspelt key or group choice common to all jobs fails there), and each later job that brings a
    new value is composed only when it names a config group option that does not exist (so that
    Hydra's own message, with the options, is what the user sees). Every job still composes and
    validates its own config, and a job whose config is bad fails alone with its one-line error.
    """
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper

    if getattr(BasicSweeper.validate_batch_is_legal, "_sim_patched", False):
        return
    original = BasicSweeper.validate_batch_is_legal

    def validate_batch_is_legal(self, batch):
        from hydra.core.override_parser.overrides_parser import OverridesParser

        seen = self.__dict__.setdefault("_sim_seen_overrides", set())
        chosen = jobs_to_validate([list(job) for job in batch], seen)
        loader = self.hydra_context.config_loader if getattr(self, "hydra_context", None) else self.config_loader
        if chosen and "_sim_first" not in self.__dict__:  # the sweep's first job, composed in full
            self._sim_first = loader.load_sweep_config(master_config=self.config, sweep_overrides=chosen.pop(0))
        known = self.__dict__.setdefault("_sim_group_options", {})  # each key's group options, asked once

        def group_options(key: str) -> list[str]:
            if key not in known:
                known[key] = loader.get_group_options(key)  # builds a config repository: tenths of a second
            return known[key]

        for overrides in chosen:
            parsed = OverridesParser.create().parse_overrides(overrides)
            if _names_a_missing_option(parsed, group_options):
                original(self, [overrides])  # raises Hydra's own error, which names the options
            _check_values(parsed, group_options, self._sim_first)

    validate_batch_is_legal._sim_patched = True
    BasicSweeper.validate_batch_is_legal = validate_batch_is_legal


def _names_a_missing_option(overrides: list, group_options: Callable[[str], list[str]]) -> bool:
    """True when an override chooses a config group option that the config search path does not have."""
    for override in overrides:
        options = group_options(override.key_or_group)
        value = override.value()
        if options and not (isinstance(value, str) and value in options):
            return True
    return False


def _check_values(overrides: list, group_options: Callable[[str], list[str]], first: Any) -> None:
    """Set each plain ``key=value`` override on the first job's config, so a value of the wrong type fails now.

    Raises as Hydra's composition would (``Error merging override ...``, from the type error).
    """
    from hydra.core.override_parser.types import OverrideType
    from hydra.errors import ConfigCompositionException
    from omegaconf import OmegaConf, read_write
    from omegaconf.errors import OmegaConfBaseException

    for override in overrides:
        key = override.key_or_group
        if (
            override.type != OverrideType.CHANGE
            or key.startswith("hydra.")
            or group_options(key)
            or OmegaConf.select(first, key) is None
        ):
            continue  # a group choice, an addition or a deletion, Hydra's own keys: the job checks them itself
        try:
            with read_write(first):
                OmegaConf.update(first, key, override.value(), merge=True)
        except OmegaConfBaseException as error:
            raise ConfigCompositionException(f"Error merging override {override.input_line}") from error


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    return f"{seconds // 60}m{seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"


def progress_line(done: int, failed: int, total: int | None, elapsed: float, rate: float | None = None) -> str:
    """``sweep: 12/66 done, 1 failed, about 1m20s left``; ``rate``: jobs finished per second, when known."""
    of = f"/{total}" if total else ""
    line = f"sweep: {done + failed}{of} done, {failed} failed"
    if total and done + failed >= total:
        return f"{line}, in {_duration(elapsed)}"
    if total and rate:
        return f"{line}, about {_duration((total - done - failed) / rate)} left"
    return f"{line}, {_duration(elapsed)} so far"


class Watcher:
    """Counts the finished jobs of a sweep directory and prints the progress line until stopped."""

    def __init__(self, sweep_dir: Path, total: int | None, interval: float, stream: Any = None) -> None:
        self.sweep_dir, self.total, self.interval = Path(sweep_dir), total, interval
        self.stream = stream if stream is not None else sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.started = time.monotonic()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="sweep-progress", daemon=True)
        self.initial = sum(self.count())  # jobs already finished before the sweep (a rerun skips them)
        self.last_line = ""
        self.first: tuple[float, int] | None = None  # (time, jobs finished) when the first job finished

    def count(self) -> tuple[int, int]:
        """(complete, failed) job folders."""
        folders = (
            [self.sweep_dir / str(number) for number in range(self.total)]
            if self.total
            else [path for path in self.sweep_dir.glob("*") if path.is_dir()]
        )
        done = failed = 0
        for folder in folders:
            if (folder / COMPLETE_MARKER).is_file():
                done += 1
            elif (folder / ERROR_FILE).is_file():
                failed += 1
        return done, failed

    def line(self) -> str:
        done, failed = self.count()
        now, counted = time.monotonic(), done + failed - self.initial
        if counted > 0 and self.first is None:
            self.first = (now, counted)  # the workers have started: measure the pace from here
        rate = None
        if self.first is not None and counted > self.first[1] and now > self.first[0]:
            rate = (counted - self.first[1]) / (now - self.first[0])
        elif counted > 0:
            rate = counted / (now - self.started)
        return progress_line(done, failed, self.total, now - self.started, rate)

    def show(self, final: bool = False) -> None:
        line = self.line()
        if self.tty:
            self.stream.write("\r\033[K" + line + ("\n" if final else ""))
        elif final or line != self.last_line:
            self.stream.write(line + "\n")
        self.stream.flush()
        self.last_line = line

    def _loop(self) -> None:
        pause = min(self.interval, 0.5) if self.tty else self.interval
        while not self.stop.wait(pause):
            try:
                self.show()
            except (OSError, ValueError):  # the sweep directory went away, or the stream closed
                return

    def start(self) -> None:
        _RUNNING.add(self)
        self.thread.start()

    def finish(self) -> None:
        self.halt()
        self.show(final=True)

    def halt(self) -> None:
        """Stop the thread without a last line (a sweep that failed before it ended: its error says why)."""
        _RUNNING.discard(self)
        self.stop.set()
        if self.thread.ident is not None:  # started
            self.thread.join(timeout=5)


_RUNNING: set[Watcher] = set()  # started and not yet stopped


def halt_watchers() -> None:
    """Stop every watcher still running: Hydra calls no callback when a sweep raises before it ends."""
    for watcher in list(_RUNNING):
        watcher.halt()


class ProgressCallback(Callback):
    """Hydra callback (``hydra.callbacks.progress`` in configs/config.yaml): the sweep's progress line."""

    def __init__(self, interval: float = 15.0) -> None:
        self.interval = float(interval)  # seconds between lines when stderr is not a terminal
        self.watcher: Watcher | None = None

    def __getstate__(self) -> dict:  # the launcher pickles Hydra's callbacks for its workers: not the thread
        return {**self.__dict__, "watcher": None}

    def on_multirun_start(self, config: Any, **kwargs: Any) -> None:
        _validate_new_values_only()
        if not config.hydra.verbose:
            for name in QUIET_LOGGERS:
                logging.getLogger(name).setLevel(logging.WARNING)
        jobs = planned_jobs(config)
        self.watcher = Watcher(Path(config.hydra.sweep.dir), len(jobs) if jobs else None, self.interval)
        self.watcher.start()

    def on_multirun_end(self, config: Any, **kwargs: Any) -> None:
        if self.watcher is not None:
            self.watcher.finish()
            self.watcher = None
