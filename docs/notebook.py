# ---
# jupyter:
#   jupytext:
#     text_representation:
#       extension: .py
#       format_name: percent
# ---

# %% [markdown]
# # A worked notebook: two scenarios, two seeds, from Python
#
# This file is a notebook stored as a plain Python script (jupytext's "percent" format: each
# `# %%` starts a cell). Run it as it is (`.venv/bin/python docs/notebook.py`), open it in
# VS Code or Spyder, which run `# %%` cells, or turn it into an .ipynb with
# `jupytext --to ipynb docs/notebook.py` if you have jupytext. The tests run it too
# (tests/test_api.py).
#
# It compares `no_ai` with `laissez_faire` on the classroom population (500 workers) over
# 24 months and two seeds, in this process: no output folders, just DataFrames.

# %%
import matplotlib

matplotlib.use("Agg")  # draw to a file; remove this line in Jupyter to see the figure inline
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd

import sim

SCENARIOS = ["no_ai", "laissez_faire"]
SEEDS = [0, 1]
FIGURE = Path("outputs") / "notebook_comparison.png"  # under the working directory's outputs/ (not committed)

# %% [markdown]
# ## One config, one run
#
# `sim.load_config` takes the same `KEY=VALUE` overrides as the command line and returns the
# validated config; a bad value raises `sim.ConfigError` with the command line's one-line message.

# %%
cfg = sim.load_config("population=classroom", "scenario=laissez_faire", "seed=0", "steps=24")
result = sim.simulate(cfg)
result.occupations.head()

# %%
try:
    sim.load_config("scenario=laissez_fair")
except sim.ConfigError as error:
    print(error)

# %% [markdown]
# ## The comparison
#
# Each run gives three tables: `occupations` (one row per occupation per month), `market` (one
# row per month) and `cohorts` (the workers present at the start, followed). Label them with the
# scenario and seed and stack them.

# %%
frames = []
for scenario in SCENARIOS:
    for seed in SEEDS:
        run = sim.simulate("population=classroom", f"scenario={scenario}", f"seed={seed}", "steps=24")
        frames.append(run.occupations.assign(scenario=scenario, seed=seed))
comparison = pd.concat(frames, ignore_index=True)

# mean monthly income of each occupation in the last 12 months, averaged over seeds
last_year = comparison[comparison["step"] > comparison["step"].max() - 12]
table = last_year.groupby(["occupation", "scenario"])["income_mean"].mean().unstack("scenario")[SCENARIOS]
# the relative change; none for AI content producers, who earn nothing without AI (a change from zero)
table["change"] = (table["laissez_faire"] / table["no_ai"] - 1).where(table["no_ai"] > 0)
print(table.round(2))

# %% [markdown]
# ## A figure
#
# Employed workers per month, one panel per scenario, one line per occupation (the mean over seeds).

# %%
employed = comparison.groupby(["scenario", "occupation", "date"])["employed"].mean().reset_index()
figure, axes = plt.subplots(1, len(SCENARIOS), figsize=(11, 4), sharey=True)
for ax, scenario in zip(axes, SCENARIOS, strict=True):
    for occupation, rows in employed[employed["scenario"] == scenario].groupby("occupation"):
        ax.plot(rows["date"], rows["employed"], label=occupation)
    ax.set(title=scenario, xlabel="Month")
    ax.grid(alpha=0.3)
axes[0].set_ylabel("Employed workers (mean of seeds)")
axes[-1].legend(frameon=False, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
figure.autofmt_xdate()
FIGURE.parent.mkdir(parents=True, exist_ok=True)
figure.savefig(FIGURE, dpi=100, bbox_inches="tight")
plt.close(figure)
print(f"figure: {FIGURE}")

# %% [markdown]
# ## A sweep's results
#
# A `-m` sweep on the command line writes combined tables into its directory;
# `sim.load_results(DIR)` reads them (`occupations`, `market`, `cohorts`, `jobs`), e.g.
#
# ```python
# sweep = sim.load_results("outputs/my_sweep")
# sweep.jobs["status"].value_counts()
# ```
