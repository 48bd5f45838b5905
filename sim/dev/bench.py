"""``python -m sim.bench [--json]``: how fast the model runs on this machine, against Mesa's own example.

Measures, in one command:

* per population preset (each in a fresh subprocess, so peak memory is that preset's own):
  workers, steps, build time, wall time of the steps, agent-steps per second and peak resident
  memory. Agent-steps are workers x steps (the preset's workforce at the start, as
  docs/design.md section 9 defines them and as the Boltzmann reference counts its agents); as workers exit, a step
  moves fewer of them, so the workers active at each step are also counted and reported
  (``active_worker_steps``) with their own ratio to the reference;
* Mesa's Boltzmann wealth example (1,000 agents) run in this process for the same wall-clock
  budget as the national steps, and each preset's ratio to it;
* each of those timings is the fastest of ``--repeats`` rounds (5), each on a freshly built model,
  as ``timeit`` reports: other processes on the machine can only slow a run down, so the fastest
  is the most repeatable figure. The presets and the reference take turns (a round of each
  preset, then the reference, ``--repeats`` times), so a change in the machine's load over the
  minutes of the benchmark reaches the model and the reference alike;
* the share of a national step spent in each stage of :class:`sim.core.model.FashionMarket`;
* sweep throughput: the ``policy_comparison`` experiment at city (every scenario, a few seeds)
  under Hydra's joblib launcher on all cores and under the basic launcher (one process, a loop),
  in runs per second, and their ratio;
* sweep efficiency (``sweep_efficiency``): the model's own build-and-step seconds summed over that
  sweep's jobs (each job's config built and stepped again here, one at a time, after the sweep),
  divided by the joblib sweep's wall seconds x cores: the share of the machine a sweep spends in
  the model rather than in starting Python, composing configs, writing files and collecting.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

PRESETS = ("classroom", "city", "national")
STAGES = {  # benchmark label -> stage method of FashionMarket, in step order
    "demand": "draw_demand",
    "adoption": "adopt_ai",
    "licensing": "license_twins",
    "mode choice": "choose_modes",
    "matching": "book_crews",
    "pay": "pay",
    "adjustment": "adjust",
    "recording": "record",
}
REPEATS = 5  # runs per timing; the fastest is reported (see the module docstring)
TARGETS = {
    "national_vs_boltzmann_min": 30.0,
    "national_peak_memory_mib_max": 1024.0,
    "national_vs_city_cost_per_agent_step_max": 2.0,
    "sweep_speedup_min": 1.5,
    "sweep_efficiency_min": 0.5,
}


def measure_preset(preset: str, steps: int) -> dict:
    """Build and run one preset in this process, timing the steps (and each stage of them) only."""
    from sim.core.model import FashionMarket
    from sim.runner.compose import load_config

    logging.getLogger("MESA").setLevel(logging.WARNING)  # Mesa logs every step at INFO
    cfg = load_config(f"population={preset}", f"steps={steps}")
    started = time.perf_counter()
    model = FashionMarket(cfg)
    build = time.perf_counter() - started
    workers = int(model.workers.view("active").sum())  # the preset's workforce at the start

    stage_time = dict.fromkeys(STAGES, 0.0)
    for label, method in STAGES.items():
        setattr(model, method, _timed(getattr(model, method), stage_time, label))
    active_worker_steps = 0
    wall = cpu = 0.0
    for _ in range(steps):
        active_worker_steps += int(model.workers.view("active").sum())  # the workers this step moves
        started, cpu_started = time.perf_counter(), time.process_time()
        model.step()
        wall += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
    stage_time["other"] = wall - sum(stage_time.values())
    agent_steps = workers * steps
    return {
        "preset": preset,
        "workers": workers,
        "workers_at_end": int(model.workers.view("active").sum()),
        "brands": int(model.brands.size),
        "steps": steps,
        "build_seconds": round(build, 3),
        "steps_seconds": round(wall, 3),
        "ms_per_step": round(1000 * wall / steps, 2),
        "agent_steps": agent_steps,
        "agent_steps_per_second": round(agent_steps / wall),
        "active_worker_steps": active_worker_steps,
        "active_worker_steps_per_second": round(active_worker_steps / wall),
        "cpu_seconds": round(cpu, 3),
        "agent_steps_per_cpu_second": round(agent_steps / cpu),
        "peak_memory_mib": _peak_memory_mib(),
        "stage_shares": {label: round(seconds / wall, 4) for label, seconds in stage_time.items()},
    }


def _peak_memory_mib() -> float:
    """This process's peak resident memory, MiB.

    On Linux the high-water mark of its own memory (VmHWM): ``ru_maxrss`` is carried across the
    fork and exec that start a child, so a child of a large benchmark process would report its
    parent's peak. Elsewhere ``ru_maxrss`` (KiB on Linux, bytes on macOS).
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (1024 * 1024 if sys.platform == "darwin" else 1024), 1)


def _timed(method, totals: dict, label: str):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        result = method(*args, **kwargs)
        totals[label] += time.perf_counter() - started
        return result

    return wrapper


def measure_in_subprocess(preset: str, steps: int) -> dict:
    """Run :func:`measure_preset` in a fresh interpreter, so its peak memory is the preset's own."""
    done = subprocess.run(
        [sys.executable, "-m", "sim.bench", "--preset", preset, "--steps", str(steps)],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"benchmark of {preset} failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def boltzmann_reference(budget_seconds: float, agents: int = 1000) -> dict:
    """Mesa's Boltzmann wealth example, built afresh and stepped in this process until the budget is spent."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Mesa's experimental data recorder may warn
        from mesa.examples.basic.boltzmann_wealth_model.model import BoltzmannScenario, BoltzmannWealth

        model = BoltzmannWealth(BoltzmannScenario(n=agents, rng=0))
        steps = 0
        started, cpu_started = time.perf_counter(), time.process_time()
        while time.perf_counter() - started < budget_seconds:
            model.step()
            steps += 1
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    del model
    gc.collect()  # the model's agents and data go before the next round
    return {
        "agents": agents,
        "steps": steps,
        "steps_seconds": round(wall, 3),
        "agent_steps_per_second": round(agents * steps / wall),
        "agent_steps_per_cpu_second": round(agents * steps / cpu),
    }


def sweep_overrides(seeds: int) -> list[str]:
    """The sweep measured: the ``policy_comparison`` experiment (every scenario) at city, ``seeds`` seeds each."""
    return ["experiment=policy_comparison", "population=city", f"seed=range({seeds})"]


def _multirun(overrides: list[str], launcher: str, sweep_dir: Path) -> float:
    """Wall time of one ``python -m sim -m`` multirun with the given launcher."""
    command = [sys.executable, "-m", "sim", "-m", f"hydra/launcher={launcher}", f"hydra.sweep.dir={sweep_dir}"]
    started = time.perf_counter()
    done = subprocess.run([*command, *overrides], capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"sweep with the {launcher} launcher failed:\n{done.stderr[-2000:]}")
    return wall


def model_seconds(sweep_dir: Path) -> float:
    """The model's build-and-step seconds summed over a finished sweep's jobs, each run again here, one at a time."""
    import yaml

    from sim.core.model import FashionMarket
    from sim.runner.compose import load_config

    logging.getLogger("MESA").setLevel(logging.WARNING)
    total = 0.0
    for path in sorted(Path(sweep_dir).glob("*/.hydra/overrides.yaml")):
        cfg = load_config(*yaml.safe_load(path.read_text(encoding="utf-8")))
        started = time.perf_counter()
        model = FashionMarket(cfg)
        model.run_for(cfg.steps)
        total += time.perf_counter() - started
        del model
    return total


def sweep_throughput(seeds: int) -> dict:
    """Runs per second of the same sweep under the joblib launcher (all cores) and in one process; its efficiency."""
    overrides = sweep_overrides(seeds)
    with tempfile.TemporaryDirectory(prefix="sim-bench-") as tmp:
        loop = _multirun(overrides, "basic", Path(tmp) / "basic")
        parallel = _multirun(overrides, "joblib", Path(tmp) / "joblib")
        runs = sum(1 for _ in (Path(tmp) / "basic").glob("*/summary.json"))
        completed = sum(1 for _ in (Path(tmp) / "joblib").glob("*/summary.json"))
        model = model_seconds(Path(tmp) / "joblib") if completed == runs else 0.0
    if completed != runs or runs == 0:
        raise RuntimeError(f"joblib sweep completed {completed} of {runs} runs")
    cores = os.cpu_count() or 1
    return {
        "model_seconds": round(model, 2),
        "efficiency": round(model / (parallel * cores), 3),
        "overrides": overrides,
        "runs": runs,
        "cores": os.cpu_count(),
        "loop_seconds": round(loop, 2),
        "joblib_seconds": round(parallel, 2),
        "loop_runs_per_second": round(runs / loop, 3),
        "joblib_runs_per_second": round(runs / parallel, 3),
        "speedup": round(loop / parallel, 2),
    }


def _autogroup() -> bool | None:
    """Whether Linux shares CPU time per session: then other users' load caps what a sweep can gain."""
    try:
        return Path("/proc/sys/kernel/sched_autogroup_enabled").read_text().strip() == "1"
    except OSError:
        return None


def _fastest_of(runs: list[dict], listed: str) -> dict:
    """The figures of the fastest of several runs (most agent-steps per second).

    With every run's ``listed`` figure as ``runs_<listed>`` and, for presets, the highest peak
    memory of them all.
    """
    fastest = max(runs, key=lambda run: run["agent_steps_per_second"])
    merged = {**fastest, f"runs_{listed}": [run[listed] for run in runs]}
    if "peak_memory_mib" in fastest:
        merged["peak_memory_mib"] = max(run["peak_memory_mib"] for run in runs)
    return merged


def benchmark(steps: int, sweep_seeds: int, repeats: int = REPEATS) -> dict:
    """Every figure of the benchmark, as one dictionary."""
    import mesa
    import numpy

    load_at_start = [round(x, 2) for x in os.getloadavg()]
    runs: dict[str, list[dict]] = {name: [] for name in PRESETS}
    reference_runs = []
    for _ in range(repeats):  # the presets and the reference take turns (see the module docstring)
        for name in PRESETS:
            runs[name].append(measure_in_subprocess(name, steps))
        budget = max(runs["national"][0]["steps_seconds"], 3.0)
        reference_runs.append(boltzmann_reference(budget))
    presets = {name: _fastest_of(preset_runs, "steps_seconds") for name, preset_runs in runs.items()}
    reference = _fastest_of(reference_runs, "agent_steps_per_second")
    for figures in presets.values():
        figures["vs_boltzmann"] = round(figures["agent_steps_per_second"] / reference["agent_steps_per_second"], 1)
        figures["vs_boltzmann_active"] = round(
            figures["active_worker_steps_per_second"] / reference["agent_steps_per_second"], 1
        )
        figures["vs_boltzmann_cpu"] = round(
            figures["agent_steps_per_cpu_second"] / reference["agent_steps_per_cpu_second"], 1
        )
    national, city = presets["national"], presets["city"]
    cost_ratio = city["agent_steps_per_second"] / national["agent_steps_per_second"]
    sweep = sweep_throughput(sweep_seeds)
    checks = {
        "national_vs_boltzmann": national["vs_boltzmann"] >= TARGETS["national_vs_boltzmann_min"],
        "national_peak_memory": national["peak_memory_mib"] < TARGETS["national_peak_memory_mib_max"],
        "national_vs_city_cost_per_agent_step": cost_ratio <= TARGETS["national_vs_city_cost_per_agent_step_max"],
        "sweep_speedup": sweep["speedup"] >= TARGETS["sweep_speedup_min"],
        "sweep_efficiency": sweep["efficiency"] >= TARGETS["sweep_efficiency_min"],
    }
    return {
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "mesa": mesa.__version__,
            "numpy": numpy.__version__,
            "load_average_at_start": load_at_start,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
            "sched_autogroup": _autogroup(),
        },
        "repeats": repeats,
        "presets": presets,
        "boltzmann": reference,
        "national_stage_shares": national["stage_shares"],
        "national_vs_city_cost_per_agent_step": round(cost_ratio, 2),
        "sweep": sweep,
        "sweep_efficiency": sweep["efficiency"],
        "targets": TARGETS,
        "targets_met": checks,
    }


def render(result: dict) -> str:
    """The benchmark as a short human-readable report."""
    machine, reference, sweep = result["machine"], result["boltzmann"], result["sweep"]
    lines = [
        f"machine: {machine['cores']} cores, Python {machine['python']}, Mesa {machine['mesa']}, "
        f"numpy {machine['numpy']}, load average {machine['load_average_at_start']} at start, "
        f"{machine['load_average_at_end']} at end",
        "",
        f"each timing: the fastest of {result['repeats']} runs",
        f"{'preset':<10} {'workers':>8} {'steps':>5} {'build s':>8} {'steps s':>8} {'ms/step':>8} "
        f"{'agent-steps/s':>14} {'peak MiB':>9} {'x Boltzmann':>11}",
    ]
    for name, p in result["presets"].items():
        lines.append(
            f"{name:<10} {p['workers']:>8} {p['steps']:>5} {p['build_seconds']:>8.2f} {p['steps_seconds']:>8.2f} "
            f"{p['ms_per_step']:>8.2f} {p['agent_steps_per_second']:>14,} {p['peak_memory_mib']:>9.0f} "
            f"{p['vs_boltzmann']:>11.1f}"
        )
    lines += [
        f"Mesa Boltzmann wealth ({reference['agents']} agents, {reference['steps']} steps in "
        f"{reference['steps_seconds']} s): {reference['agent_steps_per_second']:,} agent-steps/s "
        f"(runs: {', '.join(f'{rate:,}' for rate in reference['runs_agent_steps_per_second'])})",
        "national steps s, each run: "
        + ", ".join(f"{seconds:.2f}" for seconds in result["presets"]["national"]["runs_steps_seconds"]),
        "x Boltzmann counting only the workers active at each step (fewer as workers exit): "
        + ", ".join(
            f"{name} {p['vs_boltzmann_active']} ({p['active_worker_steps'] / p['steps']:,.0f} a step)"
            for name, p in result["presets"].items()
        ),
        "x Boltzmann on CPU time (less sensitive to other processes): "
        + ", ".join(f"{name} {p['vs_boltzmann_cpu']}" for name, p in result["presets"].items()),
        f"cost per agent-step, national / city: {result['national_vs_city_cost_per_agent_step']}",
        "",
        "one national step, share of time by stage:",
        *(f"  {label:<12} {share:6.1%}" for label, share in result["national_stage_shares"].items()),
        "",
        f"sweep ({' '.join(sweep['overrides'])}): joblib on {sweep['cores']} cores "
        f"{sweep['joblib_runs_per_second']} runs/s ({sweep['joblib_seconds']} s), one process "
        f"{sweep['loop_runs_per_second']} runs/s ({sweep['loop_seconds']} s): speed-up {sweep['speedup']}x",
        f"sweep efficiency: the model's {sweep['model_seconds']} s over {sweep['runs']} jobs / "
        f"({sweep['joblib_seconds']} s x {sweep['cores']} cores) = {sweep['efficiency']}",
        "",
        "targets: " + ", ".join(f"{name} {'met' if ok else 'NOT met'}" for name, ok in result["targets_met"].items()),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and run the benchmark (or, with ``--preset``, one preset's child run)."""
    parser = argparse.ArgumentParser(
        prog="python -m sim.bench", description="How fast the model runs on this machine, against Mesa's own example."
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--steps", type=int, default=120, help="months per preset run (default 120)")
    parser.add_argument(
        "--sweep-seeds",
        type=int,
        default=6,
        help="seeds per scenario of the policy_comparison sweep (default 6: 66 runs)",
    )
    parser.add_argument(
        "--repeats", type=int, default=REPEATS, help=f"rounds of runs, the fastest reported (default {REPEATS})"
    )
    parser.add_argument(
        "--sweep-only", action="store_true", help="measure only the sweep: throughput, speed-up and efficiency"
    )
    parser.add_argument("--preset", choices=PRESETS, help=argparse.SUPPRESS)  # internal: one child run
    args = parser.parse_args(argv)
    for option in ("steps", "sweep_seeds", "repeats"):
        if getattr(args, option) < 1:
            parser.error(f"--{option.replace('_', '-')} = {getattr(args, option)}: allowed integers >= 1")
    if args.preset:
        print(json.dumps(measure_preset(args.preset, args.steps)))
        return
    if args.sweep_only:
        sweep = sweep_throughput(args.sweep_seeds)
        load = [round(x, 2) for x in os.getloadavg()]
        result = {"sweep": sweep, "sweep_efficiency": sweep["efficiency"], "load_average_at_end": load}
        print(json.dumps(result, indent=2) if args.json else f"{json.dumps(sweep)}\nload average at end: {load}")
        return
    result = benchmark(args.steps, args.sweep_seeds, args.repeats)
    print(json.dumps(result, indent=2) if args.json else render(result))


if __name__ == "__main__":
    main()
