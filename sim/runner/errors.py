"""Every bad input as one line: Hydra's and OmegaConf's errors reworded, a non-zero exit.

Hydra prints its composition errors over several lines (and a traceback for YAML or file
errors). :func:`guard` runs the Hydra entry point with ``HYDRA_FULL_ERROR`` set so that errors
reach it as exceptions, then prints ``error: KEY = VALUE ...: allowed ...`` and exits with
:data:`BAD_INPUT`. A user who sets ``HYDRA_FULL_ERROR=1`` gets Hydra's full traceback instead.
"""

from __future__ import annotations

import difflib
import errno
import os
import re
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

import yaml
from hydra.errors import ConfigCompositionException, MissingConfigException, OverrideParseException
from omegaconf.errors import ConfigAttributeError, ConfigKeyError, OmegaConfBaseException, ValidationError

from sim.core.schema import ConfigError, describe_type, schema_fields, unknown_key
from sim.runner import compose

# Exit status, the same for ``python -m sim``, ``python -m sim.collect`` and ``python -m sim.report``
# (README "Can I trust it?"); every failure is one line on stderr:
OK = 0
FAILED = 1  # a sweep job failed, is missing or fails its checks; or an unexpected error
BAD_INPUT = 2  # a config value, an override, a directory that is not what it should be (argparse's convention)
ENVIRONMENT = 3  # the machine refused: disk full, no permission, read-only file system, out of memory
INTERRUPTED = {signal.SIGINT: 130, signal.SIGTERM: 143}  # 128 + the signal, the shell's convention
FULL_ERROR = "HYDRA_FULL_ERROR"
ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.ENOMEM, errno.EMFILE}


class Interrupted(KeyboardInterrupt):
    """SIGTERM turned into an exception, so that atomic writes remove their temporary files."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_interrupted(signum: int, _frame: object) -> NoReturn:
    raise Interrupted(signum)


def _chain(error: BaseException) -> list[BaseException]:
    """The error and its causes, outermost first."""
    seen: list[BaseException] = []
    while error is not None and error not in seen:
        seen.append(error)
        error = error.__cause__ or error.__context__
    return seen


def _source(error: BaseException) -> str:
    """' (in ai/moderate.yaml)' when Hydra says which config file the error came from."""
    found = re.match(r"In '([^']+)':", str(error))
    return f" (in {found.group(1)}.yaml)" if found else ""


def _override_value(message: str, key: str) -> str | None:
    """The value a command-line override gave ``key``, from Hydra's message text."""
    found = re.search(rf"(?:use \+|override ){re.escape(key)}=(.*)$", message, flags=re.MULTILINE)
    return found.group(1).strip() if found else None


GROUPS = tuple(sorted(compose.GROUP_SCHEMAS))  # config groups a scenario file chooses under defaults:


def _path_of(class_name: str) -> str | None:
    """The dotted path of the schema's settings of this dataclass ('AIConfig' -> 'ai'), or None."""
    return next((path for path, kind in schema_fields() if getattr(kind, "__name__", None) == class_name), None)


def _settings_given_a_value(error: OmegaConfBaseException, where: str) -> str | None:
    """A value where a group of settings belongs (``ai: fast`` in a scenario file), in words, or None."""
    found = re.match(r"Merge error: \w+ is not a subclass of (\w+)\. value: (.*)", str(error.msg or ""))
    path = _path_of(found.group(1)) if found else None
    if path is None:
        return None
    value = found.group(2).strip()
    if path in GROUPS and re.fullmatch(r"\w+", value):
        return (
            f"{path}: {value}{where} sets a value where the {path} group's settings belong: a preset is chosen "
            f"under defaults: as '- override /{path}: {value}' (on the command line: {path}={value})"
        )
    return f"{path} = {value}{where} is not {path}'s settings: allowed its keys as indented 'key: value' lines"


def _omegaconf_line(error: OmegaConfBaseException, outer: BaseException) -> str:
    key = error.full_key or str(error.key)
    where = _source(outer)
    if not error.full_key and error.key is None:
        settings = _settings_given_a_value(error, where)
        if settings:
            return settings
    if isinstance(error, ConfigKeyError | ConfigAttributeError):
        if "." not in str(key) and where.startswith(f" (in {key}/"):  # a scenario, experiment or size file, headless
            return (
                f"{key}/{where[len(key) + 6 : -1]}: its keys land under '{key}:', not at the top level: allowed "
                f"'# @package _global_' as the file's first line, as every shipped {key} file has"
            )
        override = re.search(r"Could not override '([^']+)'", str(outer))
        name = override.group(1) if override else key
        value = _override_value(str(outer), name)
        return str(unknown_key(key, value, where=where, given=name))
    if isinstance(error, ValidationError):
        merging = re.search(r"Error merging override ([^=\s]+)=(.*)$", str(outer), flags=re.MULTILINE)
        if merging and str(key).isdigit():  # an element of a list given on the command line: name the whole list
            name, given = merging.group(1), merging.group(2).strip()
            return f"{name} = {given}{where} has the wrong type: allowed {describe_type(name)}"
        value = error.value if error.value is not None else _override_value(str(outer), key)
        if value is None or value == "":  # 'key:' with nothing after it in a file, or 'key=' on the command line
            return f"{key}{where} is empty: allowed {describe_type(key)}"
        return f"{key} = {value!r}{where} has the wrong type: allowed {describe_type(key)}"
    return f"{key}{where}: {str(error.msg).splitlines()[0]}"


def _missing_option(error: MissingConfigException) -> str:
    path = error.missing_cfg_file or ""
    if "/" not in path:
        return f"{' '.join(str(error).split())}: allowed a folder holding config.yaml (--config-path=DIR)"
    group, name = path.rsplit("/", 1)
    options = [option for option in (error.options or []) if not option.endswith("_schema")]
    inner = group.rsplit("/", 1)[-1]
    if "/" in group and not options and inner in GROUPS:  # '- regulation: none' in a scenario's defaults:
        return (
            f"{inner}: {name} under defaults: in a {group.split('/')[0]} file is read as a file of its own: "
            f"allowed '- override /{inner}: {name}'"
        )
    top, _, typed = path.partition("/")
    if "/" in typed and top in compose.merge_order():  # a config group given a path: scenario=configs/scenario/x.yaml
        return f"{top} = {typed!r} is a path: allowed the file's name alone, {top}={name.removesuffix('.yaml')}"
    misnamed = Path(compose.CONFIG_DIR) / group / f"{name}.yml"  # CONFIG_DIR read when asked (a test points it)
    hint = f" ({group}/{misnamed.name} is there: config files end in .yaml)" if misnamed.is_file() else ""
    close = difflib.get_close_matches(name, options, n=1)
    hint = hint or (f" (did you mean {close[0]!r}?)" if close else "")
    return f"{group} = {name!r} is not a known {group}{hint}: allowed {', '.join(options)}"


def _yaml_line(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    where = f"{mark.name} line {mark.line + 1}, column {mark.column + 1}" if mark else "a config file"
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"broken YAML in {where}: {problem}: allowed 'key: value' lines, nested by indenting two spaces"


def one_line(error: BaseException) -> str:
    """The user's message for ``error``: one line naming the key, the value and what is allowed."""
    chain = _chain(error)
    for link in chain:
        if isinstance(link, ConfigError):
            return str(link)
        if isinstance(link, yaml.YAMLError):
            return _yaml_line(link)
        if isinstance(link, MissingConfigException):
            return _missing_option(link)
        if isinstance(link, OverrideParseException):
            first = str(link).splitlines()[0]
            if "=" not in link.override:  # 'seed = 3' reaches Hydra as three arguments
                return (
                    f"cannot read the override {link.override!r}: allowed key=value with no spaces around '=', "
                    "e.g. steps=24"
                )
            return f"cannot read the override {link.override!r} ({first}): allowed key=value, e.g. steps=24"
        if isinstance(link, OmegaConfBaseException):
            return _omegaconf_line(link, error)
        if isinstance(link, MemoryError) and str(link):
            return str(link)
        if isinstance(link, MemoryError):
            return (
                "out of memory: the run needs more memory than this machine has free: allowed a smaller "
                "population (population=classroom or population.workers.<occupation>=N)"
            )
        if isinstance(link, OSError) and link.errno in ENVIRONMENT_ERRNOS:
            where = f" writing '{link.filename}'" if link.filename else ""
            reason = link.strerror or os.strerror(link.errno)
            return f"the machine refused{where}: {reason} (free space or fix permissions, then rerun)"
        if isinstance(link, OSError) and link.filename:
            return (
                f"output '{link.filename}' cannot be written ({link.strerror}): allowed a folder you can "
                "create and write to (hydra.run.dir=PATH, or hydra.sweep.dir=PATH with -m)"
            )
    if isinstance(error, ConfigCompositionException):
        return _sweep_without_multirun(str(error)) or _defaults_line(str(error)) or " ".join(str(error).split())
    return f"unexpected {type(error).__name__}: {' '.join(str(error).split())} (HYDRA_FULL_ERROR=1 shows where)"


def _defaults_line(message: str) -> str | None:
    """Hydra's complaints about a defaults list (a scenario file's ``override /GROUP: CHOICE``), in words."""
    inside = re.match(r"In '([^']+)': ", message) or re.match(r"In ([\w/]+): ", message)  # quoted in some only
    where = f" (in {inside.group(1)}.yaml)" if inside else ""
    found = re.search(r"is defined before '[\w/]+/(\w+)@\w+: ([^']+)'", message)  # '- regulation: X' after an override
    if found:
        group, choice = found.groups()
        return f"{group}: {choice}{where} under defaults: lacks 'override /': allowed '- override /{group}: {choice}'"
    found = re.search(r"Could not override '([^']+)'\.\s+(?:No match in the defaults list|Did you mean)", message)
    if found:
        target = found.group(1)
        if target.count("@") == 1 and target.split("@")[1].startswith("scenario."):  # no '# @package _global_'
            group = target.split("@")[0]
            return (
                f"override /{group}{where} finds nothing: a scenario file starts with the line '# @package _global_' "
                f"(then '- override /{group}: CHOICE' under defaults:)"
            )
        if "@" in target:  # 'override regulation:' without its '/'
            group = target.split("@")[1]
            return f"override {group}{where} lacks its '/': allowed '- override /{group}: CHOICE'"
        close = difflib.get_close_matches(target, GROUPS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        return f"override /{target}{where} names no config group{hint}: allowed {', '.join(GROUPS)}"
    found = re.search(r"Multiple values for (\w+)\. To override a value use 'override \w+: ([^']+)'", message)
    if found:
        group, choice = found.groups()
        if inside:
            return f"{group}: {choice}{where} chooses {group} twice: allowed '- override /{group}: {choice}'"
        return f"+{group}={choice} adds a second {group}: allowed {group}={choice} (without the +)"
    return None


def _sweep_without_multirun(message: str) -> str | None:
    """Hydra's 'Ambiguous value' / 'requires --multirun' for a list of values in a single run, in words."""
    found = re.search(r"(?:Ambiguous value for argument|Sweep parameters) '([^']+)'", message)
    if not found or "=" not in found.group(1):
        return None
    key, value = found.group(1).split("=", 1)
    return several_values(key, value)


def several_values(key: str, value: str) -> str:
    """The line for ``key=value`` giving several values to a single run, pointing out a decimal comma (``1,5``)."""
    decimal = re.fullmatch(r"-?\d+,\d+", value) and describe_type(key).startswith("a number")
    hint = f" (a decimal is written with a point: {key}={value.replace(',', '.')})" if decimal else ""
    return (
        f"{key} = {value} gives several values{hint}: allowed one value, or add -m to sweep them "
        f"(python -m sim -m ... {key}={value})"
    )


def decimal_comma(override: str) -> str | None:
    """:func:`several_values`' line for ``key=1,5`` given to a number, else None."""
    key, _, value = override.lstrip("+~").partition("=")
    if not re.fullmatch(r"-?\d+,\d+", value):
        return None
    try:
        number = describe_type(key).startswith("a number")
    except Exception:  # not a key of the schema: the check reports that itself
        return None
    return several_values(key, value) if number else None


def is_environment(error: BaseException) -> bool:
    """True when the machine, not the input, stopped the work: a full disk, no permission, no memory."""
    return any(
        isinstance(link, MemoryError) or (isinstance(link, OSError) and link.errno in ENVIRONMENT_ERRNOS)
        for link in _chain(error)
    )


def exit_code(error: BaseException, default: int = BAD_INPUT) -> int:
    """The exit status for ``error``: ENVIRONMENT, BAD_INPUT for bad input, else ``default``."""
    if is_environment(error):
        return ENVIRONMENT
    if _is_bad_input(error) or isinstance(error, ValueError | FileNotFoundError | NotADirectoryError):
        return BAD_INPUT
    return default


def interrupted(stop: KeyboardInterrupt) -> int:
    """Print the one line for an interruption; return its exit status (130 for SIGINT, 143 for SIGTERM)."""
    signum = getattr(stop, "signum", signal.SIGINT)
    print(f"error: interrupted by {signal.Signals(signum).name}: nothing was left half-written", file=sys.stderr)
    return 128 + signum


_TRACEBACK_WANTED = [False]  # the user set HYDRA_FULL_ERROR=1 (guard sets it for Hydra either way)


def traceback_wanted() -> bool:
    """True when the user asked for tracebacks (``HYDRA_FULL_ERROR=1``) for the command being guarded."""
    return _TRACEBACK_WANTED[0]


def located(error: BaseException, overrides: list[str], choices: dict | None = None) -> BaseException:
    """A bad value's error naming the config file that set it (a file, not the command line), else ``error``.

    ``choices`` are Hydra's runtime choices of the run: by default those of the job Hydra is running, else
    composed from ``overrides``.
    """
    from hydra.core.hydra_config import HydraConfig

    key = getattr(error, "key", None)
    if not isinstance(error, ConfigError) or key is None:
        return error
    try:
        if choices is None:
            running = HydraConfig.initialized()
            choices = dict(HydraConfig.get().runtime.choices) if running else compose.runtime_choices(*overrides)
        where = compose.source_file(key, choices, overrides)
    except Exception:  # naming the file is a courtesy: the error itself stands without it
        return error
    return ConfigError(f"{error} (set in {where})") if where else error  # without its key: located once


def fail(error: BaseException) -> NoReturn:
    """Print ``error`` as one line on stderr and exit with its status (environment, bad input, or failed)."""
    print(f"error: {one_line(error)}", file=sys.stderr)
    sys.exit(ENVIRONMENT if is_environment(error) else BAD_INPUT if _is_bad_input(error) else FAILED)


def guard(entry: Callable[[], None]) -> None:
    """Run ``entry`` (a ``@hydra.main`` function); report any failure as one line on stderr."""
    setting = os.environ.get(FULL_ERROR)
    show_traceback = _TRACEBACK_WANTED[0] = setting == "1"
    os.environ[FULL_ERROR] = "1"  # Hydra raises instead of printing; restored below
    previous = signal.signal(signal.SIGTERM, _raise_interrupted)
    try:
        entry()
    except KeyboardInterrupt as stop:
        signum = getattr(stop, "signum", signal.SIGINT)
        name = signal.Signals(signum).name
        print(f"error: interrupted by {name}: the run is incomplete (no summary.json)", file=sys.stderr)
        sys.exit(128 + signum)  # the shell's convention for a process ended by a signal
    except Exception as error:
        if show_traceback:
            raise
        fail(error)
    finally:
        _TRACEBACK_WANTED[0] = False
        signal.signal(signal.SIGTERM, previous)
        if setting is None:
            os.environ.pop(FULL_ERROR, None)
        else:
            os.environ[FULL_ERROR] = setting


def _is_bad_input(error: BaseException) -> bool:
    bad = (ConfigError, yaml.YAMLError, ConfigCompositionException, OverrideParseException, OmegaConfBaseException)
    bad += (OSError,)
    return any(isinstance(link, bad) for link in _chain(error))
