"""Composing configs: the one place that knows where ``configs/`` is and registers the schema with Hydra.

The CLI, the tests, the science tools and the benchmark all compose a run's config through
:func:`compose` (Hydra's DictConfig) or :func:`load_config` (the validated ``SimConfig``).
"""

from __future__ import annotations

from pathlib import Path

from hydra import compose as hydra_compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from omegaconf import DictConfig, OmegaConf

from sim.core.schema import AIConfig, PopulationConfig, RegulationConfig, SimConfig, to_schema


def config_dir() -> Path:
    """``configs/`` at the top of a source tree, else the copy an installed wheel holds in ``sim/configs``."""
    package = Path(__file__).resolve().parents[1]
    source_tree = package.parent / "configs"
    if (source_tree / "config.yaml").is_file():
        return source_tree
    return package / "configs"  # in a source tree, a link to the one above; in a wheel, the files themselves


CONFIG_DIR = str(config_dir())


def design_points(base_samples: int, parameters: list) -> int:
    """Points of a Saltelli design without second order: N (k + 2); the ``design_points`` resolver."""
    return int(base_samples) * (len(parameters) + 2)


def register_resolvers() -> None:
    """The project's OmegaConf resolvers (``${design_points:N,PARAMETERS}``)."""
    if not OmegaConf.has_resolver("design_points"):
        OmegaConf.register_new_resolver("design_points", design_points)


# the config groups whose files the schema types (each file extends GROUP_schema); a scenario chooses among them
GROUP_SCHEMAS = {"population": PopulationConfig, "ai": AIConfig, "regulation": RegulationConfig}


def register() -> None:
    """Put the schemas in Hydra's ConfigStore; the main config lists ``sim_schema`` first."""
    register_resolvers()
    store = ConfigStore.instance()
    store.store(name="sim_schema", node=SimConfig)
    for group, schema in GROUP_SCHEMAS.items():
        store.store(group=group, name=f"{group}_schema", node=schema)


def compose(*overrides: str, hydra: bool = False) -> DictConfig:
    """The composed config of ``configs/`` with these overrides (Hydra's own errors propagate); with ``hydra``, also
    Hydra's own settings of the run under ``hydra`` (its runtime choices, an experiment's sweep)."""
    register()
    with initialize_config_dir(config_dir=CONFIG_DIR, version_base="1.3"):
        return hydra_compose("config", overrides=list(overrides), return_hydra_config=hydra)


def runtime_choices(*overrides: str) -> dict:
    """The config group options these overrides compose (``hydra.runtime.choices``: group -> option or None)."""
    return dict(compose(*overrides, hydra=True).hydra.runtime.choices)


def merge_order() -> list[str | None]:
    """The config groups whose chosen files make a run's values, in the order config.yaml's defaults list merges
    them (later wins); None stands for config.yaml itself (``_self_``). Hydra's own groups are left out."""
    from sim.runner import io

    order: list[str | None] = []
    for entry in io.read_yaml(Path(CONFIG_DIR) / "config.yaml")["defaults"]:
        if entry == "_self_":
            order.append(None)
        elif isinstance(entry, dict) and "/" not in next(iter(entry)):  # not 'override hydra/...' nor the schema
            order.append(next(iter(entry)))
    return order


def source_file(key: str, choices: dict, overrides: list[str]) -> str | None:
    """The config file that set the dotted ``key`` last (``configs/scenario/NAME.yaml``), or None when the command
    line set it or no file of ``choices`` (``hydra.runtime.choices``) does."""
    import yaml
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from sim.runner import io

    if any(override.key_or_group == key for override in OverridesParser.create().parse_overrides(overrides)):
        return None
    found = None
    for group in merge_order():
        option = choices.get(group) if group else "config"
        path = Path(CONFIG_DIR) / (group or "") / f"{option}.yaml"
        if not option or not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        tree = yaml.safe_load(text) or {}
        if group and "# @package _global_" not in text:  # a group's file holds the keys under its group's name
            tree = {group: tree}
        if io.select(tree, key) is not None:
            found = f"configs/{group + '/' if group else ''}{option}.yaml"
    return found


def sweeper_params(*overrides: str) -> dict:
    """``hydra.sweeper.params`` of the config these overrides compose (an experiment's sweep), resolved."""
    params = compose(*overrides, hydra=True).hydra.sweeper.params
    return OmegaConf.to_container(params, resolve=True) if params is not None else {}


def load_config(*overrides: str) -> SimConfig:
    """The validated config of ``configs/`` with these overrides, as the CLI would run it."""
    return to_schema(compose(*overrides))


def _sources_state(search_path: list) -> tuple:
    """Path, size and modification time of every YAML file in the search path's folders."""
    state = []
    for element in search_path:
        folder = (element.path or "").removeprefix("file://")
        if folder and "://" not in folder:  # pkg:// and structured:// sources do not change while a sweep runs
            for path in sorted(Path(folder).rglob("*.yaml")):
                stat = path.stat()
                state.append((str(path), stat.st_size, stat.st_mtime_ns))
    return tuple(state)


def is_plain_value(override, group_exists) -> bool:
    """A ``key=value`` override that Hydra applies after composing (not a group choice, ``+``/``~``, package,
    sweep or dict/list value): jobs that differ only in these share one composition. ``group_exists(key)``
    says whether a key names a config group."""
    from hydra.core.override_parser.types import OverrideType

    return (
        override.type == OverrideType.CHANGE
        and override.package is None
        and not override.is_hydra_override()
        and not override.is_sweep_override()
        and isinstance(override.value(), int | float | str | bool | type(None))
        and not group_exists(override.key_or_group)
    )


def memoize_sweep_compose() -> None:
    """Compose a sweep's jobs from a cached config when they differ from an earlier job in plain values only.

    Hydra composes every job of a ``-m`` sweep from scratch (0.2-0.4 s: the defaults tree, the YAML
    files, the merges), as long as a city run itself. Jobs that choose the same config groups and
    override the same keys differ only in those keys' values, which Hydra sets after composing
    (``ConfigLoaderImpl._apply_overrides_to_config``); so the first such job is composed in full and
    each later one is a copy of it with its own values and its own record of overrides. Anything
    else (a group choice, ``+``/``~``, a package, a dict or list value) composes in full as before.
    A config file edited since, or another search path, composes in full again. The result equals
    Hydra's own (tests/test_compose_memo.py compares them job by job).
    """
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    if getattr(ConfigLoaderImpl.load_sweep_config, "_sim_memoized", False):
        return
    original = ConfigLoaderImpl.load_sweep_config
    cache: dict[tuple, DictConfig] = {}

    def load_sweep_config(self, master_config: DictConfig, sweep_overrides: list[str]) -> DictConfig:
        import copy
        import os

        from hydra._internal.config_loader_impl import get_overrides_dirname
        from hydra.core.override_parser.overrides_parser import OverridesParser

        overrides = [*OmegaConf.to_container(master_config.hydra.overrides.hydra), *sweep_overrides]
        parsed = OverridesParser.create().parse_overrides(overrides)
        # group_exists looks through the search path
        is_plain = [is_plain_value(override, self.repository.group_exists) for override in parsed]
        values = [override for override, simple in zip(parsed, is_plain, strict=True) if simple]
        key = (
            master_config.hydra.job.config_name,
            os.getcwd(),
            _sources_state(self.config_search_path.get_path()),  # a config file edited since: compose again
            tuple(o.key_or_group if simple else o.input_line for o, simple in zip(parsed, is_plain, strict=True)),
        )
        if key not in cache:
            config = original(self, master_config, sweep_overrides)
            cache[key] = copy.deepcopy(config)
            return config
        load_sweep_config.reused += 1
        config = copy.deepcopy(cache[key])
        ConfigLoaderImpl._apply_overrides_to_config(values, config)
        task = [override for override in parsed if not override.is_hydra_override()]
        config.hydra.overrides.task = [override.input_line for override in task]
        job = config.hydra.job
        job.override_dirname = get_overrides_dirname(
            overrides=task,
            kv_sep=job.config.override_dirname.kv_sep,
            item_sep=job.config.override_dirname.item_sep,
            exclude_keys=job.config.override_dirname.exclude_keys,
        )
        OmegaConf.copy_cache(from_config=master_config, to_config=config)
        return config

    load_sweep_config._sim_memoized, load_sweep_config.hydra = True, original
    load_sweep_config.reused = 0  # jobs composed from the cache, in this process
    ConfigLoaderImpl.load_sweep_config = load_sweep_config


# at import: a sweep's worker process imports this module (through the job function) before composing its jobs
memoize_sweep_compose()
