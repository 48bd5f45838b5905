"""The Mesa model: builds brands and workers, and runs the monthly step stage by stage.

State lives in two tables of numpy arrays (``self.workers``, ``self.brands``); the Mesa agents
are views of their rows. Each stage method reads and writes whole arrays through the pure
functions of :mod:`sim.core.kernels`. All randomness comes from ``self.rng`` (seeded by ``cfg.seed``),
drawn in a fixed order each month, so a config and seed give the same results in any process.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.core import kernels, reporters
from sim.core.agents import WORKER_CLASSES, Brand, brand_table, worker_table
from sim.core.rules import month_number, rules_in_force
from sim.core.schema import CREW, MODES, OCCUPATIONS, SEGMENTS, SHOOT_TYPES, SimConfig

HUMAN, TWIN, GENERIC = range(3)
TOP, ECOM, AI_PRODUCER = (OCCUPATIONS.index(name) for name in ("top_model", "ecommerce_model", "ai_content_producer"))
MODEL_OCCUPATIONS = (TOP, ECOM)  # the occupation whose faces each shoot type shows
CREW_CODES = [OCCUPATIONS.index(name) for name in CREW]


class FashionMarket(mesa.Model):
    """Brands buy photo content each month from human crews, licensed twins or generic AI.

    Two ways of indexing workers: ``self.workers.<column>[row]`` is the table, one row per worker
    who ever entered (a worker's row never changes); the month's workforce is ``month_rows``
    (the rows active when the month began, occupation by occupation), and every ``month_*``
    array holds one value per entry of ``month_rows``, in the same order.
    """

    def __init__(self, cfg: SimConfig) -> None:
        super().__init__(rng=cfg.seed)
        self.cfg = cfg
        self.start_month = month_number(cfg.start)
        occ = [getattr(cfg.occupations, name) for name in OCCUPATIONS]
        self.rate_floor = np.array([o.rate_floor for o in occ])
        self.rate_ceiling = np.array([o.rate_ceiling for o in occ])
        self.outside_option = np.array([o.outside_option for o in occ])
        self.entry_income = np.array([o.entry_income for o in occ])
        self.target_utilisation = np.array([o.target_utilisation for o in occ])
        self.commissioned = np.array([o.commissioned for o in occ])
        self.configured_rate = np.array([o.day_rate for o in occ])
        shoots = [getattr(cfg.market.shoots, kind) for kind in SHOOT_TYPES]
        self.images = np.array([s.images for s in shoots])
        self.quality_emphasis = np.array([s.quality_emphasis for s in shoots])
        # recipe[type, mode, occupation]: workers booked per shoot-day
        self.recipe = np.array(
            [[[getattr(getattr(s, mode), name) for name in OCCUPATIONS] for mode in MODES] for s in shoots]
        )

        counts = [getattr(cfg.population, name) for name in OCCUPATIONS]
        # room for a quarter more rows than the first workforce: entrants seldom make the table grow
        # (each growth copies every column), which at national cost about 0.2 ms a month amortised
        self.workers = worker_table(cfg.market.income_window, sum(counts) * 5 // 4)
        self.month_rows = self.members = None  # the month's workforce, grouped by occupation (group_active)
        self.joined: list[list[np.ndarray]] = [[] for _ in OCCUPATIONS]  # rows added since it was grouped
        self.worker_agents: list = []  # the agent of each row of the table, exited workers included
        self.leavers = self.royalty_payees = np.zeros(0, dtype=np.int64)  # last month's rows, cleared in begin_month
        for code, count in enumerate(counts):
            self.add_workers(code, count, retrained=False)
        self._build_brands()

        self.levy_fund = 0  # cents collected and not yet paid out
        self.occupation_rows: list[dict] = []
        self.market_rows: list[dict] = []
        self.agent_records: list[dict] = []  # filled only when cfg.output.agent_records is set
        self.unfilled = np.zeros(len(OCCUPATIONS), dtype=np.int64)

    # -- building ------------------------------------------------------------------------
    def add_workers(self, code: int, count: int, retrained: bool) -> np.ndarray:
        """Append ``count`` workers of occupation ``code`` around the going day rate (see ``going_rate``)."""
        cfg = getattr(self.cfg.occupations, OCCUPATIONS[code])
        workers = self.workers
        median = self.going_rate(code)
        rows = workers.append(count)
        spread = self.rng.normal(size=count)
        workers.occupation[rows] = code
        workers.active[rows] = True
        workers.retrained[rows] = retrained
        workers.first_month[rows] = self.steps  # the step of her first month: the next (0 when building)
        workers.capacity[rows] = cfg.capacity
        workers.day_rate[rows] = np.clip(
            median * np.exp(cfg.rate_dispersion * spread), cfg.rate_floor, cfg.rate_ceiling
        )
        # reputation follows the day rate with noise: the dearest are mostly the best known
        workers.reputation[rows] = np.exp(cfg.rate_dispersion * spread + 0.3 * self.rng.normal(size=count))
        workers.willingness[rows] = self.rng.beta(2.0, 2.0, size=count)
        is_model = code in MODEL_OCCUPATIONS
        workers.underrepresented[rows] = is_model & (self.rng.random(count) < self.cfg.market.underrepresented_share)
        cls = WORKER_CLASSES[OCCUPATIONS[code]]
        self.worker_agents.extend(cls(self, row) for row in rows.tolist())
        self.joined[code].append(rows)
        return rows

    def going_rate(self, code: int) -> float:
        """Median day rate of the occupation's workers this month; the configured rate before the first."""
        rows = self.members[code] if self.members is not None else ()
        return float(np.median(self.workers.day_rate[rows])) if len(rows) else self.configured_rate[code]

    def _build_brands(self) -> None:
        pop, market_cfg = self.cfg.population, self.cfg.market
        per_segment = [pop.luxury_brands, pop.fast_fashion_brands, pop.ecommerce_brands]
        brands = self.brands = brand_table(sum(per_segment))
        rows = brands.append(sum(per_segment))
        brands.segment[rows] = np.repeat(np.arange(len(SEGMENTS)), per_segment)
        segs = [getattr(market_cfg.segments, name) for name in SEGMENTS]
        for column in ("cost_scale", "quality_weight", "backlash", "diversity_weight"):
            setattr(self, column, np.array([getattr(s, column) for s in segs])[brands.view("segment")])
        sigma = market_cfg.brand_size_dispersion
        size = np.exp(sigma * self.rng.normal(size=rows.size) - sigma**2 / 2)  # mean 1
        seg = brands.view("segment")
        brands.campaign_base[rows] = np.array([s.campaign_days for s in segs])[seg] * size
        brands.ecommerce_base[rows] = np.array([s.ecommerce_days for s in segs])[seg] * size
        brands.license_model[rows] = -1
        self.brand_agents = [Brand(self, int(row)) for row in rows]

    # -- the monthly step ----------------------------------------------------------------
    def step(self) -> None:
        """One month, in the order of DESIGN section 4."""
        self.t = self.steps - 1  # Mesa counts steps from 1
        self.rules = rules_in_force(self.cfg.regulation, self.start_month + self.t)
        self.begin_month()
        self.draw_demand()
        self.adopt_ai()
        self.license_twins()
        self.choose_modes()
        self.book_crews()
        self.pay()
        self.adjust()
        self.record()

    def begin_month(self) -> None:
        workers = self.workers
        # this month's days, income and royalties start at zero: booking and pay write every worker of
        # the month's workforce, so only last month's leavers and royalty earners need clearing
        for column in ("days_worked", "income"):
            workers.view(column)[self.leavers] = 0
        workers.royalties[self.royalty_payees] = 0
        self.brands.view("spend_by_mode")[:] = 0.0
        self.group_active()
        self.month_rate = workers.day_rate[self.month_rows]  # month_* arrays: one value per month_rows entry
        self.month_capacity = workers.capacity[self.month_rows]
        self.ledger = dict.fromkeys(reporters.LEDGER, 0)
        self.flows = {name: np.zeros(len(OCCUPATIONS), dtype=np.int64) for name in ("entries", "exits", "retrained")}
        cfg = self.cfg
        self.cost_per_image = kernels.ai_cost_per_image(cfg.ai.cost_per_image, cfg.ai.cost_decline, self.t)
        self.gap = kernels.quality_gap(cfg.ai.quality_gap, cfg.ai.quality_half_life, self.t, cfg.ai.quality_gap_floor)
        self.mean_rate = self._mean_rates()
        fee = 1.0 + cfg.market.agency_client_fee * self.commissioned
        self.crew_cost = self.recipe @ (self.mean_rate * fee)  # USD per shoot-day [type, mode]
        self.image_cost = self.images * self.cost_per_image * (1.0 + self.rules.ai_levy)

    def active_this_month(self) -> np.ndarray:
        """Workers who were active when the month began (entrants of this month excluded)."""
        mask = np.zeros(self.workers.size, dtype=bool)
        mask[self.month_rows] = True
        return mask

    def group_active(self) -> None:
        """The month's workforce: active rows grouped by occupation, ascending within each.

        ``month_rows`` holds them all, occupation by occupation; ``members[code]`` is one
        occupation's part and ``group_sizes`` the parts' sizes. The first month sorts the table
        by occupation; later months keep last month's rows that are still active and add the
        rows that joined since at the end of their occupation (they are the newest rows).
        """
        if self.month_rows is None:
            rows = np.flatnonzero(self.workers.view("active"))
            code = self.workers.occupation[rows]
            sizes = np.bincount(code, minlength=len(OCCUPATIONS))
            self.month_rows = rows[np.argsort(code, kind="stable")]
        else:
            still = self.workers.active[self.month_rows]
            kept = np.split(np.compress(still, self.month_rows), np.cumsum(self.group_sums(still))[:-1])
            parts = [[rows, *joined] for rows, joined in zip(kept, self.joined, strict=True)]
            sizes = np.array([sum(part.size for part in occupation) for occupation in parts])
            self.month_rows = np.concatenate([part for occupation in parts for part in occupation])
        self.group_sizes = sizes
        end = np.cumsum(sizes)
        self._slices = [slice(int(a), int(b)) for a, b in zip(end - sizes, end, strict=True)]
        self._starts = [part.start for part in self._slices if part.stop > part.start]  # of the non-empty parts
        self.members = [self.month_rows[part] for part in self._slices]
        self.joined = [[] for _ in OCCUPATIONS]

    def group_slices(self) -> list[slice]:
        """Each occupation's part of ``month_rows`` (and of the ``month_*`` arrays), in occupation order."""
        return self._slices

    def top_model_positions(self, rows: np.ndarray) -> np.ndarray:
        """Where each of ``rows`` (top models of this month's workforce) sits among the top models' part of month_rows.

        That part is ascending by row, so a binary search finds them; a row outside it stops the run.
        """
        top = self.month_rows[self.group_slices()[TOP]]
        position = np.searchsorted(top, rows)
        assert (position < top.size).all() and (top[position] == rows).all(), "a top model outside the workforce"
        return position

    def per_row(self, values: np.ndarray) -> np.ndarray:
        """A per-occupation value for each of ``month_rows``."""
        return np.repeat(values, self.group_sizes)

    def group_sums(self, values: np.ndarray) -> np.ndarray:
        """Exact integer sums by occupation of integer (or boolean) values given for each of ``month_rows``."""
        assert values.dtype.kind in "biu", "group_sums adds integers exactly; it would cut floats"
        sums = np.zeros(len(OCCUPATIONS), dtype=np.int64)
        some = self.group_sizes > 0
        if self._starts:  # reduceat over the non-empty parts only: an empty part would take its neighbour's value
            sums[some] = np.add.reduceat(values, self._starts, dtype=np.int64)
        return sums

    def _mean_rates(self) -> np.ndarray:
        """Mean day rate of each occupation's active workers (the configured rate if it has none)."""
        rates = [self.month_rate[part] for part in self.group_slices()]
        return np.array([rate.mean() if rate.size else self.configured_rate[code] for code, rate in enumerate(rates)])

    def draw_demand(self) -> None:
        """Stage 1: each brand draws its shoot-days (base x growth x season, Poisson)."""
        month_of_year = (self.start_month + self.t) % 12
        scale = kernels.growth_factor(self.t, self.cfg.market.demand_growth)
        scale *= kernels.seasonal_factor(month_of_year, self.cfg.market.season_amplitude)
        brands = self.brands
        brands.campaign_demand[: brands.size] = self.rng.poisson(brands.view("campaign_base") * scale)
        brands.ecommerce_demand[: brands.size] = self.rng.poisson(brands.view("ecommerce_base") * scale)

    def _shoot_costs(self) -> np.ndarray:
        """Expected USD per shoot-day [brand, type, mode] at this month's prices."""
        brands = self.brands
        royalty = np.where(brands.view("license_model") >= 0, brands.view("license_royalty") / 100.0, 0.0)
        cost = np.repeat(self.crew_cost[None], brands.size, axis=0)  # a copy per brand, faster than broadcast_to
        cost[:, :, TWIN] += self.image_cost + royalty[:, None]
        cost[:, :, GENERIC] += self.image_cost
        return cost

    def adopt_ai(self) -> None:
        """Stage 2: Bass-style adoption, hazard scaled by the expected net saving."""
        brands, ai = self.brands, self.cfg.ai
        cost = self._shoot_costs()
        expected_twin = self.rules.twin_pay_share(self.cfg.market.twin_royalty_offer) * self.mean_rate[TOP]
        cost[:, :, TWIN] += np.where(brands.view("license_model") >= 0, 0.0, expected_twin)[:, None]
        allowed = self.rules.available_modes(np.ones(1, bool), np.ones(1, bool))[0]  # the rules allow, any brand
        ai_cost = kernels.fold_last_axis(np.minimum, np.where(allowed[1:], cost[:, :, 1:], np.inf))
        base = np.stack([brands.view("campaign_base"), brands.view("ecommerce_base")], axis=1)
        human_month = kernels.fold_last_axis(np.add, base * cost[:, :, HUMAN])
        ai_month = kernels.fold_last_axis(np.add, base * ai_cost)
        saving = (12.0 * (human_month - ai_month) - ai.adoption_cost) / np.maximum(12.0 * human_month, 1e-9)
        seg, adopted = brands.view("segment"), brands.view("adopted")
        share = np.bincount(seg, weights=adopted, minlength=len(SEGMENTS)) / np.maximum(
            np.bincount(seg, minlength=len(SEGMENTS)), 1
        )
        hazard = kernels.adoption_hazard(ai.adoption_p, ai.adoption_q, share[seg], np.nan_to_num(saving))
        new = ~adopted & (self.rng.random(brands.size) < hazard)
        adopted[new] = True
        setup = np.where(new, round(ai.adoption_cost * 100), 0)
        levy = self.rules.levy_cents(setup)
        self.pay_ai(setup, levy)

    def pay_ai(self, vendor_cents: np.ndarray, levy_cents: np.ndarray) -> None:
        """Brands pay the AI vendor and the levy; the levy goes into the retraining fund."""
        self.ledger["brand_spend"] += int(vendor_cents.sum() + levy_cents.sum())
        self.ledger["ai_vendor_revenue"] += int(vendor_cents.sum())
        self.ledger["levy_collected"] += int(levy_cents.sum())
        self.levy_fund += int(levy_cents.sum())

    def license_twins(self) -> None:
        """Stage 3: brands without a twin ask a top model; she consents if the pay clears her reservation."""
        brands, workers, mcfg = self.brands, self.workers, self.cfg.market
        licensed = brands.view("license_model")
        lapsed = (licensed >= 0) & (
            (brands.view("license_expires") < self.t) | ~workers.active[np.maximum(licensed, 0)]
        )
        if self.rules.consent_required:
            lapsed |= (licensed >= 0) & ~brands.view("license_consented")
        licensed[lapsed] = -1
        seekers = np.flatnonzero(brands.view("adopted") & (licensed < 0))
        seekers = seekers[self.rng.permutation(seekers.size)]
        candidates = self.members[TOP]
        if not self.rules.cross_brand_licensing:
            candidates = np.setdiff1d(candidates, licensed[licensed >= 0])
        if seekers.size == 0 or candidates.size == 0:
            return
        weight = workers.reputation[candidates] ** mcfg.reputation_weight
        weight = weight / weight.sum()
        if self.rules.cross_brand_licensing:
            chosen = candidates[self.rng.choice(candidates.size, size=seekers.size, p=weight)]
        else:
            seekers = seekers[: candidates.size]
            chosen = candidates[self.rng.choice(candidates.size, size=seekers.size, replace=False, p=weight)]
        rate = workers.day_rate[chosen]
        offer = self.rules.twin_pay_share(mcfg.twin_royalty_offer) * rate
        reservation = mcfg.twin_reservation * (1.0 - workers.willingness[chosen]) * rate
        consent = offer >= reservation
        use_anyway = self.rng.random(seekers.size) < mcfg.unconsented_use_prob
        use_anyway &= ~consent & self.rules.unconsented_use_allowed()
        signed = consent | use_anyway
        pay = np.where(consent, offer, offer * mcfg.unconsented_pay_share)
        rows = seekers[signed]
        brands.license_model[rows] = chosen[signed]
        brands.license_royalty[rows] = np.rint(pay[signed] * 100).astype(np.int64)
        brands.license_consented[rows] = consent[signed]
        brands.license_expires[rows] = self.t + mcfg.license_months - 1

    def choose_modes(self) -> None:
        """Stage 4: multinomial logit over human, twin and generic for each brand and shoot type.

        A brand with no AI mode open to it (not adopted, or generic AI banned and no twin) books
        every shoot with humans; the logit and the draw are taken for the others only.
        """
        brands, workers, mcfg = self.brands, self.workers, self.cfg.market
        licensed = brands.view("license_model")
        available = self.rules.available_modes(brands.view("adopted"), licensed >= 0)
        quality = np.array([1.0, 1.0 - self.gap * mcfg.twin_gap_share, 1.0 - self.gap])
        disclosed = np.array([0.0, 1.0, 1.0]) * self.rules.disclosure_probability(mcfg.detection_share)
        diversity = np.empty((brands.size, 2, 3))
        for kind, code in enumerate(MODEL_OCCUPATIONS):
            rows = self.members[code]
            diversity[:, kind, HUMAN] = workers.underrepresented[rows].mean() if rows.size else 0.0
        diversity[:, :, TWIN] = workers.underrepresented[np.maximum(licensed, 0)][:, None]
        diversity[:, :, GENERIC] = mcfg.ai_diversity
        demand = np.stack([brands.view("campaign_demand"), brands.view("ecommerce_demand")], axis=1)
        self.shoots = np.zeros((brands.size, 2, 3), dtype=np.int64)  # [brand, type, mode]
        self.shoots[:, :, HUMAN] = demand
        self.diversity = diversity
        choosing = np.flatnonzero(available[:, TWIN] | available[:, GENERIC])
        if choosing.size == 0:
            return
        utility = (
            -self._shoot_costs()[choosing] / self.cost_scale[choosing, None, None]
            + (self.quality_weight[choosing, None] * self.quality_emphasis)[:, :, None] * quality
            - self.backlash[choosing, None, None] * disclosed
            + self.diversity_weight[choosing, None, None] * diversity[choosing]
        )
        shares = kernels.logit_shares(utility, available[choosing, None, :])
        self.shoots[choosing] = self.rng.multinomial(demand[choosing], shares)

    def book_crews(self) -> None:
        """Stage 5: book crews occupation by occupation, brands asking in a random order."""
        brands, workers, mcfg = self.brands, self.workers, self.cfg.market
        order = self.rng.permutation(brands.size)
        self.crews = kernels.draw_crew(self.rng, self.shoots, self.recipe)  # [occupation, brand, mode]
        self.needed = kernels.fold_last_axis(np.add, self.crews)  # worker-days [occupation, brand]
        asked = self.needed[:, order]
        rows = self.month_rows  # occupation by occupation; `ranked` puts each in this month's ranking order
        slices = self.group_slices()
        self.month_rate_cents = np.rint(self.month_rate * 100).astype(np.int64)
        log_weight = -mcfg.price_weight * np.log(self.month_rate)  # odds ~ rate**-price_weight
        top = slices[TOP]  # top models: odds ~ reputation**reputation_weight
        log_weight[top] = mcfg.reputation_weight * np.log(workers.reputation[rows[top]])
        priority = kernels.race_priorities(self.rng, log_weight)  # the same draws as one call per occupation
        self.month_days = np.empty(rows.size, dtype=np.int64)
        self.cost = np.empty_like(self.needed)  # cents [occupation, brand]
        # free days: the capacity, as nobody has been booked yet this month; one number per occupation
        # in the model (allocate_days takes it so), worker by worker in ranking order otherwise
        capacity = self.month_capacity
        uniform = self.group_sizes == 0
        if self._starts:
            lowest, highest = (ufunc.reduceat(capacity, self._starts) for ufunc in (np.minimum, np.maximum))
            uniform[~uniform] = lowest == highest
        for code, part in enumerate(slices):
            ranked = kernels.priority_order(priority[part])
            free = int(capacity[part.start]) if uniform[code] and part.stop > part.start else capacity[part][ranked]
            days_ranked, cost_in_order, filled = kernels.allocate_days(
                free, self.month_rate_cents[part][ranked], mcfg.job_days, asked[code]
            )
            self.month_days[part][ranked] = days_ranked
            self.cost[code, order] = cost_in_order
            self.unfilled[code] = asked[code].sum() - filled.sum()
        workers.days_worked[rows] = self.month_days.astype(np.int32)  # cast first: a casting scatter is slow

    def pay(self) -> None:
        """Stage 6: pay the booked workers, the twins' royalties, the AI vendor and the levy."""
        brands, mcfg = self.brands, self.cfg.market
        gross = self.month_days * self.month_rate_cents
        commission = np.zeros(gross.size, dtype=np.int64)
        for code in np.flatnonzero(self.commissioned):  # agencies take their share of models' pay only
            part = self.group_slices()[code]
            commission[part] = kernels.split_commission(gross[part], mcfg.agency_commission)[0]
        self.month_income = gross - commission  # net cents, each of month_rows; royalties are added below
        self._pay_workers(self.month_rows, self.month_income, commission, first=True)
        fee = np.rint(self.cost * (mcfg.agency_client_fee * self.commissioned)[:, None]).astype(np.int64)
        self.ledger["brand_spend"] += int(self.cost.sum() + fee.sum())
        self.ledger["agency_commission"] += int(fee.sum())
        spend = brands.view("spend_by_mode")  # each occupation's bill shared over modes by days booked
        per_day = (self.cost + fee) / np.maximum(self.needed, 1)  # cents per worker-day [occupation, brand]
        spend += np.einsum("ob,obm->bm", per_day, self.crews) / 100.0  # summed over occupations, without a temporary

        uses = kernels.fold_last_axis(np.add, self.shoots[:, :, TWIN])
        has = uses > 0
        royalty = uses * brands.view("license_royalty")
        model_rows = brands.view("license_model")[has]
        self.ledger["brand_spend"] += int(royalty.sum())
        self.ledger["unconsented_uses"] = int(uses[has & ~brands.view("license_consented")].sum())
        # each licensed model once, by her position among this month's top models, without a sort
        top = self.group_slices()[TOP]
        position = self.top_model_positions(model_rows)
        uses_by_position = np.bincount(position, minlength=top.stop - top.start)
        at = np.flatnonzero(uses_by_position)  # the payees' positions, ascending
        gross = np.bincount(position, weights=royalty[has], minlength=uses_by_position.size)[at]  # exact below 2**53
        commission, net = kernels.split_commission(
            gross.astype(np.int64), mcfg.agency_commission if self.commissioned[TOP] else 0.0
        )
        at += top.start
        self.royalty_payees = self.month_rows[at]
        self._pay_workers(self.royalty_payees, net, commission, royalties=True)
        self.month_income[at] += net
        self.royalty_earners = at[net > 0]  # positions in month_rows of the workers who earned a royalty

        image_cents = np.rint(self.images * self.cost_per_image * 100).astype(np.int64)
        vendor = self.shoots[:, :, TWIN] @ image_cents, self.shoots[:, :, GENERIC] @ image_cents
        levy = self.rules.levy_cents(vendor[0]), self.rules.levy_cents(vendor[1])
        self.pay_ai(vendor[0] + vendor[1], levy[0] + levy[1])
        spend[:, TWIN] += (royalty + vendor[0] + levy[0]) / 100.0
        spend[:, GENERIC] += (vendor[1] + levy[1]) / 100.0

    def _pay_workers(
        self, rows: np.ndarray, net: np.ndarray, commission: np.ndarray, royalties: bool = False, first: bool = False
    ) -> None:
        """Credit net pay (cents) to workers and book it, with the agency's commission on it, in the ledger.

        ``first``: the month's first credit to these rows, whose income is still zero, so it is
        written rather than added.
        """
        if first:
            self.workers.income[rows] = net
        else:
            self.workers.income[rows] += net
        self.ledger["worker_pay"] += int(net.sum())
        self.ledger["agency_commission"] += int(commission.sum())
        if royalties:
            self.workers.royalties[rows] += net
            self.ledger["twin_royalties"] += int(net.sum())

    def adjust(self) -> None:
        """Stage 7: day rates follow utilisation; the poorly paid exit; crew retrain; newcomers enter."""
        workers, mcfg = self.workers, self.cfg.market
        code = workers.view("occupation")
        rows = self.month_rows  # everyone active now: exits and entries come below
        workers.day_rate[rows] = kernels.adjust_day_rates(
            self.month_rate,
            self.month_days / self.month_capacity,  # the days booked this month, as a share of capacity
            self.per_row(self.target_utilisation),
            mcfg.rate_adjustment,
            self.per_row(self.rate_floor),
            self.per_row(self.rate_ceiling),
        )
        income = self.month_income  # net cents, royalties included, of each of month_rows
        oldest = workers.income_history[:, self.t % mcfg.income_window]  # the column of the oldest month
        window = workers.income_window_sum[rows] + income - oldest[rows]  # this month in, the oldest out
        workers.income_window_sum[rows] = window
        oldest[rows] = income  # ... and this month takes its column

        # mean income over the window below the outside option: the window's cents against the option's
        # np.compress, not rows[mask]: numpy's boolean indexing is several times slower on a mixed mask
        poor = np.compress(window < self.per_row(self.outside_option * (100.0 * mcfg.income_window)), rows)
        months = self.t + 1 - workers.first_month[poor]  # months in the occupation, this one included
        poor = np.compress(months >= mcfg.income_window, poor)  # with a full window of months behind them
        leaving = poor[self.rng.random(poor.size) < mcfg.exit_rate]
        self._retrain(leaving[np.isin(code[leaving], CREW_CODES)])
        workers.active[leaving] = False
        self.leavers = leaving
        # a worker who exits stays a Mesa agent, with status "exited" and her history (DESIGN section 3)
        self.flows["exits"] += np.bincount(code[leaving], minlength=len(OCCUPATIONS))

        income_cents = self.income_cents = self.group_sums(income)  # of the month's workforce (also recorded)
        for occ, name in enumerate(OCCUPATIONS):
            worked = int(self.group_sizes[occ])
            capacity = getattr(self.cfg.occupations, name).capacity
            expected = kernels.entrants_expected(
                worked,
                income_cents[occ] / 100.0 / max(worked, 1),
                self.entry_income[occ],
                mcfg.entry_rate,
                self.unfilled[occ] / capacity,
            )
            count = int(self.rng.poisson(expected))
            if count:
                self.add_workers(occ, count, retrained=False)
                self.flows["entries"][occ] += count

    def _retrain(self, leaving_crew: np.ndarray) -> None:
        """Leaving crew retrain as AI content producers while AI shoots need them; the levy fund pays grants."""
        mcfg = self.cfg.market
        ai_work = self.workers.days_worked[self.members[AI_PRODUCER]].sum() + self.unfilled[AI_PRODUCER]
        draws = self.rng.random(leaving_crew.size)
        if leaving_crew.size == 0 or ai_work == 0:
            return
        grant = round(mcfg.retraining_grant * 100)
        fundable = self.levy_fund // grant if grant > 0 else 0
        supported = np.arange(leaving_crew.size) < fundable
        prob = np.where(supported, mcfg.retrain_prob_supported, mcfg.retrain_prob)
        retrains = draws < prob
        count = int(retrains.sum())
        paid = int((retrains & supported).sum()) * grant
        self.levy_fund -= paid
        self.ledger["transition_support_paid"] += paid
        if count:
            self.add_workers(AI_PRODUCER, count, retrained=True)
            self.flows["entries"][AI_PRODUCER] += count
            self.flows["retrained"][AI_PRODUCER] += count

    def record(self) -> None:
        """Stage 8: this month's rows of the two output tables."""
        self.occupation_rows.extend(reporters.occupation_rows(self))
        self.market_rows.append(reporters.market_row(self))
        if self.cfg.output.agent_records:
            self.agent_records.append(reporters.agent_rows(self))
