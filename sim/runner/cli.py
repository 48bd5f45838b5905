"""Command line: ``python -m sim`` / ``fashion-sim``, a thin Hydra wrapper around ``sim.runner.run.run``."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path

import hydra
from hydra.core.hydra_config import HydraConfig
from hydra.experimental.callback import Callback
from hydra.types import RunMode
from omegaconf import DictConfig, OmegaConf

from sim.runner import io
from sim.runner.compose import CONFIG_DIR, register
from sim.runner.errors import fail, located, traceback_wanted
from sim.runner.jobs import run_job
from sim.runner.progress import halt_watchers

# at import, not in entry(): a sweep's workers import this module to run their job and compose its
# config in their own process, which needs the schema in that process's ConfigStore
register()


@hydra.main(version_base="1.3", config_path=CONFIG_DIR, config_name="config")
def main(cfg: DictConfig) -> None:
    """Run one simulation into Hydra's output directory and print where it went."""
    from sim.runner.run import run  # imported here so that `--help` and config errors stay fast

    logging.getLogger("MESA").setLevel(logging.WARNING)
    hydra_cfg = HydraConfig.get()
    out_dir = Path(hydra_cfg.runtime.output_dir)
    if hydra_cfg.mode == RunMode.MULTIRUN:  # sweep jobs: skip when done, record failures, go on
        run_job(cfg, out_dir, list(hydra_cfg.overrides.task))
        return
    try:
        swept = list(hydra_cfg.sweeper.params or {})
        if swept:  # an experiment's sweep run without -m would quietly be one config of it
            from sim.core.schema import ConfigError

            experiment = hydra_cfg.runtime.choices.get("experiment")
            raise ConfigError(
                f"experiment={experiment} is a sweep (of {', '.join(swept)}): allowed python -m sim -m "
                f"experiment={experiment} ..., which runs every job of it"
            )
        run(cfg, out_dir)
    except Exception as error:  # reported here: raised out of the job, Hydra would print a line of its own first
        if traceback_wanted():
            raise
        fail(located(error, list(hydra_cfg.overrides.task), dict(hydra_cfg.runtime.choices)))
    print(f"results: {out_dir}")


class CheckFirst(Callback):
    """Config checks before Hydra writes anything: a bad value stops with its one line and the folder untouched.

    A single run into a folder that holds an earlier run: Hydra records the new config in ``.hydra/``
    before the run starts, and the run removes the earlier results before it checks its values, so a
    bad value would cost the earlier run; a valid run replaces it. A ``-m`` sweep: a bad value every
    job shares (not a swept key) would fail each job in turn and leave empty combined tables.
    """

    def on_run_start(self, config: DictConfig, **kwargs) -> None:
        if not io.is_run_dir(Path(str(config.hydra.run.dir))):
            return  # a new folder: the run checks its own config, at no extra cost
        from sim.runner.run import validate

        overrides, choices = list(config.hydra.overrides.task), dict(config.hydra.runtime.choices)
        try:
            validate(_task_config(config), choices, overrides)
        except Exception as error:  # Hydra turns a callback's exception into a warning: stop here instead
            _stop(error, overrides, choices)

    def on_multirun_start(self, config: DictConfig, **kwargs) -> None:
        """The config Hydra composed for the sweep (every shared value, the swept keys at their defaults), checked
        once; a bad swept value fails its own jobs only, and the others run."""
        from sim.core.schema import ConfigError, to_schema
        from sim.runner import limits
        from sim.runner.collect import planned_jobs

        overrides, choices = list(config.hydra.overrides.task), dict(config.hydra.runtime.choices)
        try:
            limits.check_bounds(to_schema(_task_config(config)))
        except ConfigError as error:
            plan = planned_jobs(config)
            swept = plan[1] if plan is not None else None
            if error.key is not None and swept is not None and error.key not in swept:
                _stop(error, overrides, choices)
        except Exception:  # anything else the jobs report themselves, each in its own folder
            return


def _task_config(config: DictConfig) -> DictConfig:
    """The run's config without Hydra's own node, as Hydra hands it to the job."""
    return OmegaConf.masked_copy(config, [key for key in config if key != "hydra"])


def _stop(error: BaseException, overrides: list[str], choices: dict) -> None:
    if traceback_wanted():
        traceback.print_exc()
    fail(located(error, overrides, choices))


def check(argv: list[str] | None = None) -> int:
    """``python -m sim.check KEY=VALUE ...``: compose and validate without running; print ``ok`` or the error.

    Returns 0 when every config is valid, 2 (a bad input) otherwise. Comma-separated values and
    ``range()`` are expanded as ``-m`` would, and each config is checked.
    """
    from sim.runner.errors import BAD_INPUT, decimal_comma, located, one_line

    args = list(sys.argv[1:] if argv is None else argv)
    if {"-h", "--help"} & set(args):
        print("usage: python -m sim.check [-m] [GROUP=CHOICE ...] [KEY=VALUE ...]\n")
        print("Compose and validate a config without running it: print ok, or the one-line error and exit 2.")
        print("Comma-separated values and range() are expanded as -m would, and each config is checked.")
        return 0
    overrides = [arg for arg in args if arg not in ("-m", "--multirun")]
    jobs = [overrides]
    comma = next(filter(None, map(decimal_comma, overrides)), None)
    if comma and not {"-m", "--multirun"} & set(args):  # as python -m sim says it: 1,5 is not one and a half
        print(f"error: {comma}", file=sys.stderr)
        return BAD_INPUT
    try:
        jobs = _sweep_jobs(overrides)
        _check_each(jobs)
    except Exception as error:
        print(f"error: {one_line(located(error, jobs[0]))}", file=sys.stderr)
        return BAD_INPUT
    sweep = "" if len(jobs) == 1 or {"-m", "--multirun"} & set(args) else ": a sweep, run with python -m sim -m"
    print("ok" if len(jobs) == 1 else f"ok ({len(jobs)} configs{sweep})")  # without -m a run stops at a sweep
    return 0


def _sweep_jobs(overrides: list[str]) -> list[list[str]]:
    """Each job's overrides as ``-m`` would run them: the command line's sweeps (``seed=0,1``) over the sweep of
    the experiment it names (``hydra.sweeper.params``), the command line winning for a key in both."""
    from hydra._internal.core_plugins.basic_sweeper import BasicSweeper
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.runner.collect import expand_sweep
    from sim.runner.compose import sweeper_params

    parsed = OverridesParser.create().parse_overrides(overrides)
    first = BasicSweeper.split_arguments(parsed, None)[0][0]  # one job of the command line, for its experiment
    params = sweeper_params(*first)
    if not params and not any(override.is_sweep_override() for override in parsed):
        return [overrides]
    return [list(job) for job in expand_sweep(params, overrides)[0]]


def _check_each(jobs: list[list[str]]) -> None:
    """Validate each job's config as a run checks it, less the memory (this machine's); jobs that differ only in
    plain values (``seed=3``) share one composition.

    As a sweep's jobs do (``sim.runner.compose.memoize_sweep_compose``): the config groups and other overrides
    are composed once, and each job's plain values are applied to a copy by Hydra's own function.
    """
    import copy
    from pathlib import Path

    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.core.schema import to_schema
    from sim.runner import limits
    from sim.runner.compose import CONFIG_DIR, compose, is_plain_value

    def plain(override) -> bool:
        return is_plain_value(override, lambda key: (Path(CONFIG_DIR) / key).is_dir())  # a group is a folder

    parser, composed = OverridesParser.create(), {}
    for job in jobs:
        parsed = parser.parse_overrides(job)
        rest = tuple(override.input_line for override in parsed if not plain(override))
        if rest not in composed:
            composed[rest] = compose(*rest)
        config = copy.deepcopy(composed[rest])
        ConfigLoaderImpl._apply_overrides_to_config([override for override in parsed if plain(override)], config)
        config = to_schema(config)
        limits.check_bounds(config)
        _check_scenario_named(config, job)


def _check_scenario_named(config, overrides: list[str]) -> None:
    """As a run checks it (sim.runner.run.check_scenario_named): a scenario chosen on the command line names itself."""
    from sim.runner.run import check_scenario_named

    chosen = [override.split("=", 1)[1] for override in overrides if override.startswith("scenario=")]
    if chosen:
        check_scenario_named(config, {"scenario": chosen[-1]}, overrides)


# Bash completion for both forms of the command: Hydra's own script completes `fashion-sim` and
# `python FILE.py`, not `python -m sim`. Each form asks the program itself (`-sc query=bash`) with the
# line rewritten as `fashion-sim ...`, which Hydra's query expects.
BASH_COMPLETION = r"""_fashion_sim_complete()
{
    local words=($COMP_LINE) program rest
    if [[ "${words[0]}" == *python* && "${words[1]}" == "-m" && "${words[2]}" == "sim" ]]; then
        program="${words[0]} -m sim"
    elif [[ "${words[0]}" == *fashion-sim ]]; then
        program="${words[0]}"
    else
        return  # another python command: bash's default completion (files)
    fi
    rest="${COMP_LINE:${#program}}"
    local line="fashion-sim${rest:0:$((COMP_POINT - ${#program}))}"
    local choices
    choices=$(COMP_LINE="$line" COMP_POINT=${#line} $program -sc query=bash 2>/dev/null)
    COMPREPLY=($(compgen -o nospace -o default -W "$choices" -- "${words[$COMP_CWORD]}"))
}
COMP_WORDBREAKS=${COMP_WORDBREAKS//=}
complete -o nospace -o default -F _fashion_sim_complete fashion-sim python python3
"""


def _completion(args: list[str]) -> bool:
    """Handle ``--shell-completion``: our bash script for ``install=bash``; Hydra's query without ``*_schema``.

    Returns True when the install script was printed (nothing left to run).
    """
    if "install=bash" in args:
        print(BASH_COMPLETION, end="")
        return True
    from hydra.plugins.completion_plugin import CompletionPlugin

    query = CompletionPlugin._query
    if not getattr(query, "_sim_hides_schemas", False):  # the schemas the configs extend are not choices

        def visible_query(self, config_name, line):
            return [option for option in query(self, config_name, line) if not option.endswith("_schema")]

        visible_query._sim_hides_schemas = True
        CompletionPlugin._query = visible_query
    return False


def entry() -> None:
    """``python -m sim`` and ``fashion-sim``: :func:`main` with every failure as one line (sim.runner.errors)."""
    from sim.runner.errors import guard

    args = sys.argv[1:]
    if {"-sc", "--shell-completion"} & set(args) and _completion(args):
        return
    folder = next((arg for arg in args if arg.startswith("hydra.run.dir=")), None)
    if {"-m", "--multirun"} & set(args) and folder and not any(arg.startswith("hydra.sweep.dir=") for arg in args):
        from sim.core.schema import ConfigError
        from sim.runner.errors import fail

        fail(
            ConfigError(
                f"{folder} names a single run's folder: with -m allowed hydra.sweep.dir={folder.split('=', 1)[1]}"
            )
        )
    try:
        guard(main)
    finally:
        halt_watchers()  # a sweep that stopped on an error leaves its progress thread running
