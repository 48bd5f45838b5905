"""A sweep's jobs composed from the cached config equal Hydra's own composition (sim.runner.compose)."""

from __future__ import annotations

import shutil

import pytest
from hydra._internal.config_loader_impl import ConfigLoaderImpl
from hydra._internal.utils import create_config_search_path
from hydra.core.utils import setup_globals
from hydra.types import RunMode
from omegaconf import OmegaConf, open_dict

from sim.runner.compose import CONFIG_DIR, register

register()  # the schemas; importing sim.runner.compose installed the memoized load_sweep_config
MEMOIZED = ConfigLoaderImpl.load_sweep_config
HYDRA = MEMOIZED.hydra  # Hydra's own


@pytest.fixture(scope="module")
def master():
    setup_globals()  # Hydra's resolvers (now, ...), as in a sweep
    loader = ConfigLoaderImpl(config_search_path=create_config_search_path(CONFIG_DIR))
    config = loader.load_configuration(
        "config",
        overrides=["experiment=sensitivity_screen", "size=smoke", "seed=range(2)", "hydra.job.chdir=false"],
        run_mode=RunMode.MULTIRUN,
    )
    return loader, config


SWEEP = ["experiment=sensitivity_screen", "size=smoke"]
JOBS = [  # each job's own overrides in launch order: repeated key sets with new values, new group choices between
    [*SWEEP, "sensitivity.point=0", "scenario=baseline", "seed=0"],
    [*SWEEP, "sensitivity.point=0", "scenario=baseline", "seed=1"],
    [*SWEEP, "sensitivity.point=3", "scenario=no_ai", "seed=1"],
    [*SWEEP, "sensitivity.point=5", "scenario=baseline", "seed=1"],
    [*SWEEP, "sensitivity.point=5", "scenario=no_ai", "seed=0"],
    [*SWEEP, "sensitivity.point=5", "scenario=no_ai", "seed=0", "steps=7"],
    [*SWEEP, "sensitivity.point=6", "scenario=no_ai", "seed=1", "steps=9"],
    [*SWEEP, "sensitivity.point=6", "scenario=no_ai", "seed=1", "population=city"],
]


def test_memoized_jobs_equal_hydras_composition(master):
    loader, config = master
    assert HYDRA is not None and HYDRA is not MEMOIZED
    reused = MEMOIZED.reused
    for number, overrides in enumerate(JOBS):
        memoized = MEMOIZED(loader, config, list(overrides))
        fresh = HYDRA(loader, config, list(overrides))
        for job in (memoized, fresh):  # as the launcher numbers its jobs
            with open_dict(job):
                job.hydra.job.num, job.hydra.job.id = number, f"sim_{number}"
        assert OmegaConf.to_yaml(memoized) == OmegaConf.to_yaml(fresh), overrides
        task = [key for key in fresh if key != "hydra"]  # the run's own config, interpolations resolved
        resolved = [OmegaConf.to_yaml(OmegaConf.masked_copy(job, task), resolve=True) for job in (memoized, fresh)]
        assert resolved[0] == resolved[1], overrides
    assert MEMOIZED.reused - reused == 4  # jobs 1, 3, 4 and 6 repeat an earlier job's groups and keys


def test_a_job_with_a_bad_value_fails_as_in_hydra(master):
    loader, config = master
    good = ["experiment=sensitivity_screen", "size=smoke", "sensitivity.point=0", "scenario=baseline", "seed=0"]
    MEMOIZED(loader, config, good)  # cached: the next job is set on a copy
    bad = [*good[:-1], "seed=many"]
    with pytest.raises(Exception) as memoized:
        MEMOIZED(loader, config, bad)
    with pytest.raises(Exception) as fresh:
        HYDRA(loader, config, bad)
    assert type(memoized.value) is type(fresh.value)
    assert "seed" in str(memoized.value) and "many" in str(memoized.value)


def test_a_config_file_edited_between_jobs_is_read_again(tmp_path):
    configs = tmp_path / "configs"
    shutil.copytree(CONFIG_DIR, configs)
    loader = ConfigLoaderImpl(config_search_path=create_config_search_path(str(configs)))
    master = loader.load_configuration("config", overrides=["seed=range(2)"], run_mode=RunMode.MULTIRUN)
    assert MEMOIZED(loader, master, ["seed=0"]).steps == 120
    main = configs / "config.yaml"
    main.write_text(main.read_text(encoding="utf-8").replace("steps: 120", "steps: 121", 1), encoding="utf-8")
    assert MEMOIZED(loader, master, ["seed=1"]).steps == 121
