"""The Mesa model: builds brands and workers, and runs the monthly step stage by stage.

State lives in two tables of numpy arrays (``self.workers``, ``self.brands``); the Mesa agents
are views of their rows. What one stage of a month hands to the next is the :class:`Month`
record ``self.month`` (sim.core.state): each stage's docstring says what it reads and writes.
The economics is in the pure functions of :mod:`sim.core.kernels`. All randomness comes from
``self.rng`` (seeded by ``cfg.seed``), drawn in a fixed order each month, so a config and seed
give the same results in any process.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.core import kernels, reporters
from sim.core.agents import Brand, brand_table, worker_class, worker_table
from sim.core.registry import GENERIC, HUMAN, MODES, SEGMENTS, SHOOT_TYPES, TWIN, Occupations
from sim.core.rules import month_number, policies, rules_in_force
from sim.core.schema import SimConfig
from sim.core.state import Month, Workforce


class FashionMarket(mesa.Model):
    """Brands buy photo content each month from human crews, licensed twins or generic AI.

    A worker's row in ``self.workers`` never changes; the month's workforce
    (``self.month.workforce.rows``) lists the rows active when the month began, occupation by
    occupation, and every per-worker array of the month follows that order.
    """

    def __init__(self, cfg: SimConfig) -> None:
        super().__init__(rng=cfg.seed)
        self.cfg = cfg
        self.occupations = occupations = Occupations.from_config(cfg.occupations)
        self.policies = policies(cfg.regulation)
        self.start_month = month_number(cfg.start)
        occ = [cfg.occupations[name] for name in occupations.names]
        self.rate_floor = np.array([o.rate_floor for o in occ])
        self.rate_ceiling = np.array([o.rate_ceiling for o in occ])
        self.outside_option = np.array([o.outside_option for o in occ])
        self.entry_income = np.array([o.entry_income for o in occ])
        self.target_utilisation = np.array([o.target_utilisation for o in occ])
        self.attrition = np.array([o.attrition for o in occ])
        self.commissioned = np.array([o.commissioned for o in occ])
        self.configured_rate = np.array([o.day_rate for o in occ])
        self.rate_card = np.ones(len(occ))  # each occupation's rate card, relative to its configured day rate
        shoots = [getattr(cfg.market.shoots, kind) for kind in SHOOT_TYPES]
        self.images = np.array([s.images for s in shoots])
        self.quality_emphasis = np.array([s.quality_emphasis for s in shoots])
        # recipe[type, mode, occupation]: workers booked per shoot-day
        self.recipe = np.array(
            [[[getattr(s, mode).get(name, 0.0) for name in occupations.names] for mode in MODES] for s in shoots]
        )

        counts = [cfg.population.workers[name] for name in occupations.names]
        # room for a quarter more rows than the first workforce, so that entrants seldom make the table grow
        self.workers = worker_table(cfg.market.income_window, sum(counts) * 5 // 4)
        self.month: Month | None = None  # the month being run (or last run)
        for code, count in enumerate(counts):
            self.workers.cohort[self.add_workers(code, count)] = code  # the incumbents
        self.incumbents = np.array(counts, dtype=np.int64)  # head count of each cohort
        self.cohort_moves = np.zeros(len(counts), dtype=np.int64)  # incumbents who retrained into another occupation
        self._build_brands()

        self.levy_fund = 0  # cents collected and not yet paid out
        self.occupation_rows: list[dict] = []
        self.market_rows: list[dict] = []
        self.cohort_rows: list[dict] = []
        self.agent_records: list[dict] = []  # filled only when cfg.output.agent_records is set

    # -- building ------------------------------------------------------------------------
    def add_workers(self, code: int, count: int) -> np.ndarray:
        """Append ``count`` workers of occupation ``code`` around the going day rate (see ``going_rate``)."""
        cfg = self.cfg.occupations[self.occupations.names[code]]
        workers = self.workers
        median = self.going_rate(code)
        rows = workers.append(count)
        spread = self.rng.normal(size=count)
        workers.occupation[rows] = code
        workers.active[rows] = True
        workers.first_month[rows] = self.steps  # the step of her first month: the next (0 when building)
        workers.cohort[rows] = -1  # an entrant, unless the caller says she is an incumbent moving on
        workers.capacity[rows] = cfg.capacity
        workers.day_rate[rows] = np.clip(
            median * np.exp(cfg.rate_dispersion * spread), cfg.rate_floor, cfg.rate_ceiling
        )
        # reputation follows the day rate with noise: the dearest are mostly the best known, as much as brands'
        # odds (reputation^reputation_weight x rate^-price_weight) make a star's higher rate pay for itself
        # (the exponent capped at 4, where reputation hardly counts)
        mcfg = self.cfg.market
        fame = min(mcfg.price_weight, 4.0 * mcfg.reputation_weight) / max(mcfg.reputation_weight, 1e-300)
        workers.reputation[rows] = np.exp(fame * cfg.rate_dispersion * spread + 0.3 * self.rng.normal(size=count))
        workers.willingness[rows] = self.rng.beta(2.0, 2.0, size=count)
        is_model = code in self.occupations.faces
        workers.underrepresented[rows] = is_model & (self.rng.random(count) < self.cfg.market.underrepresented_share)
        cls = worker_class(self.occupations.names[code])
        for row in rows.tolist():
            cls(self, row)  # registers itself with the model (model.agents_by_type[cls])
        return rows

    def going_rate(self, code: int) -> float:
        """The occupation's rate card: the configured median day rate, moved since by its excess demand."""
        return float(self.configured_rate[code] * self.rate_card[code])

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
        for row in rows.tolist():
            Brand(self, row)

    # -- the monthly step ----------------------------------------------------------------
    def step(self) -> None:
        """One month, in the order of docs/design.md section 4."""
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
        """Open the month: its workforce, rules and prices. Writes a new ``self.month``."""
        t = self.steps - 1  # Mesa counts steps from 1
        workers, cfg = self.workers, self.cfg
        for column in ("days_worked", "income", "royalties"):  # this month's, from zero
            workers.view(column)[:] = 0
        workforce = Workforce.of(workers.view("active"), workers.view("occupation"), len(self.occupations))
        rate = workers.day_rate[workforce.rows]
        mean_rate = np.array(
            [rate[part].mean() if part.stop > part.start else self.configured_rate[code]
             for code, part in enumerate(workforce.parts)]
        )  # fmt: skip
        rules = rules_in_force(self.policies, self.start_month + t)
        cost_per_image = kernels.ai_cost_per_image(cfg.ai.cost_per_image, cfg.ai.cost_decline, t)
        fee = 1.0 + cfg.market.agency_client_fee * self.commissioned
        crew_cost = self.recipe @ (mean_rate * fee)  # USD per shoot-day [type, mode]
        levy = rules.levy.share * (
            self.images * cost_per_image if rules.levy.base == "vendor_fees" else crew_cost[:, HUMAN]
        )
        self.month = Month(
            t=t,
            rules=rules,
            workforce=workforce,
            rate=rate,
            capacity=workers.capacity[workforce.rows],
            cost_per_image=cost_per_image,
            quality_gap=kernels.quality_gap(cfg.ai.quality_gap, cfg.ai.quality_half_life, t, cfg.ai.quality_gap_floor),
            mean_rate=mean_rate,
            crew_cost=crew_cost,
            image_cost=self.images * cost_per_image + levy,
            ledger=dict.fromkeys(reporters.LEDGER, 0),
            flows={name: np.zeros(len(self.occupations), dtype=np.int64) for name in ("entries", "exits", "retrained")},
        )

    @property
    def t(self) -> int:
        """The current month's step, from 0."""
        return self.month.t

    @property
    def rules(self):
        """The rules in force this month."""
        return self.month.rules

    @property
    def ledger(self) -> dict[str, int]:
        """This month's money flows in cents."""
        return self.month.ledger

    def draw_demand(self) -> None:
        """Stage 1: each brand draws its shoot-days (base x growth x season, Poisson). Writes the brands' demand."""
        month_of_year = (self.start_month + self.t) % 12
        scale = kernels.growth_factor(self.t, self.cfg.market.demand_growth)
        scale *= kernels.seasonal_factor(month_of_year, self.cfg.market.season_amplitude)
        brands = self.brands
        brands.campaign_demand[: brands.size] = self.rng.poisson(brands.view("campaign_base") * scale)
        brands.ecommerce_demand[: brands.size] = self.rng.poisson(brands.view("ecommerce_base") * scale)

    def _shoot_costs(self) -> np.ndarray:
        """Expected USD per shoot-day [brand, type, mode] at this month's prices."""
        brands, month = self.brands, self.month
        royalty = np.where(brands.view("license_model") >= 0, brands.view("license_royalty") / 100.0, 0.0)
        cost = np.repeat(month.crew_cost[None], brands.size, axis=0)
        cost[:, :, TWIN] += month.image_cost + royalty[:, None]
        cost[:, :, GENERIC] += month.image_cost
        return cost

    def _available_modes(self) -> np.ndarray:
        """[brand, mode] mask of the modes each brand may use this month."""
        brands = self.brands
        adopted, licensed = brands.view("adopted"), brands.view("license_model") >= 0
        return self.rules.available_modes(adopted, licensed, brands.view("segment"))

    def adopt_ai(self) -> None:
        """Stage 2: Bass-style adoption, hazard scaled by the expected net saving. Writes ``adopted`` and the ledger."""
        brands, ai, month = self.brands, self.cfg.ai, self.month
        cost = self._shoot_costs()
        expected_twin = (
            self.rules.twin_pay_share(self.cfg.market.twin_royalty_offer) * month.mean_rate[self.occupations.twin_model]
        )
        cost[:, :, TWIN] += np.where(brands.view("license_model") >= 0, 0.0, expected_twin)[:, None]
        # the AI modes the rules would allow each brand once it has adopted (and licensed a twin)
        everyone = np.ones(brands.size, dtype=bool)
        allowed = self.rules.available_modes(everyone, everyone, brands.view("segment"))
        ai_cost = kernels.fold_last_axis(np.minimum, np.where(allowed[:, None, 1:], cost[:, :, 1:], np.inf))
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
        self.pay_ai(setup, self.rules.levy_cents(setup, np.zeros_like(setup)))  # a set-up fee is no content

    def pay_ai(self, vendor_cents: np.ndarray, levy_cents: np.ndarray) -> None:
        """Brands pay the AI vendor and the levy; the levy goes into the retraining fund."""
        ledger = self.ledger
        ledger["brand_spend"] += int(vendor_cents.sum() + levy_cents.sum())
        ledger["ai_vendor_revenue"] += int(vendor_cents.sum())
        ledger["levy_collected"] += int(levy_cents.sum())
        self.levy_fund += int(levy_cents.sum())

    def license_twins(self) -> None:
        """Stage 3: brands without a twin ask a model; she consents if the pay clears her reservation.

        Writes the brands' licences (model, royalty per use, consent, expiry).
        """
        brands, workers, mcfg, rules = self.brands, self.workers, self.cfg.market, self.rules
        licensed = brands.view("license_model")
        lapsed = (licensed >= 0) & (
            (brands.view("license_expires") < self.t) | ~workers.active[np.maximum(licensed, 0)]
        )
        if rules.consent_required:
            lapsed |= (licensed >= 0) & ~brands.view("license_consented")
        licensed[lapsed] = -1
        seekers = np.flatnonzero(brands.view("adopted") & (licensed < 0))
        # drawn even when nobody can be asked below, so that later draws do not depend on that
        seekers = seekers[self.rng.permutation(seekers.size)]
        candidates = self.month.workforce.members(self.occupations.twin_model)
        if not rules.cross_brand_licensing:
            candidates = np.setdiff1d(candidates, licensed[licensed >= 0])
        if seekers.size == 0 or candidates.size == 0:
            return
        weight = workers.reputation[candidates] ** mcfg.reputation_weight
        weight = weight / weight.sum()
        if rules.cross_brand_licensing:
            chosen = candidates[self.rng.choice(candidates.size, size=seekers.size, p=weight)]
        else:
            seekers = seekers[: candidates.size]
            chosen = candidates[self.rng.choice(candidates.size, size=seekers.size, replace=False, p=weight)]
        rate = workers.day_rate[chosen]
        offer = rules.twin_pay_share(mcfg.twin_royalty_offer) * rate
        reservation = mcfg.twin_reservation * (1.0 - workers.willingness[chosen]) * rate
        consent = offer >= reservation
        use_anyway = self.rng.random(seekers.size) < mcfg.unconsented_use_prob
        use_anyway &= ~consent & rules.unconsented_use_allowed()
        signed = consent | use_anyway
        pay = np.where(consent, offer, offer * mcfg.unconsented_pay_share)
        rows = seekers[signed]
        brands.license_model[rows] = chosen[signed]
        brands.license_royalty[rows] = np.rint(pay[signed] * 100).astype(np.int64)
        brands.license_consented[rows] = consent[signed]
        brands.license_expires[rows] = self.t + mcfg.license_months - 1

    def choose_modes(self) -> None:
        """Stage 4: multinomial logit over human, twin and generic for each brand and shoot type.

        Writes ``month.shoots`` and ``month.diversity``. A brand with no AI mode open to it books
        every shoot with humans; the logit and the draw are taken for the others only.
        """
        brands, workers, mcfg, month = self.brands, self.workers, self.cfg.market, self.month
        licensed = brands.view("license_model")
        available = self._available_modes()
        quality = np.array([1.0, 1.0 - month.quality_gap * mcfg.twin_gap_share, 1.0 - month.quality_gap])
        disclosed = np.array([0.0, 1.0, 1.0]) * self.rules.disclosure_probability(mcfg.detection_share)
        diversity = np.empty((brands.size, len(SHOOT_TYPES), 3))
        for kind, code in enumerate(self.occupations.faces):
            rows = month.workforce.members(code)
            diversity[:, kind, HUMAN] = workers.underrepresented[rows].mean() if rows.size else 0.0
        diversity[:, :, TWIN] = workers.underrepresented[np.maximum(licensed, 0)][:, None]
        diversity[:, :, GENERIC] = mcfg.ai_diversity
        demand = np.stack([brands.view("campaign_demand"), brands.view("ecommerce_demand")], axis=1)
        month.shoots = np.zeros((brands.size, len(SHOOT_TYPES), 3), dtype=np.int64)
        month.shoots[:, :, HUMAN] = demand
        month.diversity = diversity
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
        month.shoots[choosing] = self.rng.multinomial(demand[choosing], shares)

    def book_crews(self) -> None:
        """Stage 5: book crews occupation by occupation, brands asking in a random order.

        Reads ``month.shoots``; writes ``month.crews``, ``needed``, ``cost``, ``rate_cents``,
        ``days`` and ``unfilled``, and the workers' days worked.
        """
        brands, workers, mcfg, month = self.brands, self.workers, self.cfg.market, self.month
        workforce = month.workforce
        order = self.rng.permutation(brands.size)
        month.crews = kernels.draw_crew(self.rng, month.shoots, self.recipe)
        month.needed = kernels.fold_last_axis(np.add, month.crews)
        asked = month.needed[:, order]
        month.rate_cents = np.rint(month.rate * 100).astype(np.int64)
        # each occupation ranked by a Plackett-Luce draw: odds ~ rate^-price_weight, and for the campaign faces
        # (top models) also ~ reputation^reputation_weight: brands pay for fame, so stars charge more
        log_weight = -mcfg.price_weight * np.log(month.rate)
        faces = workforce.parts[self.occupations.faces[0]]
        log_weight[faces] += mcfg.reputation_weight * np.log(workers.reputation[workforce.rows[faces]])
        priority = kernels.race_priorities(self.rng, log_weight)  # the same draws as one call per occupation
        month.days = np.empty(workforce.rows.size, dtype=np.int64)
        month.cost = np.empty_like(month.needed)
        month.unfilled = np.zeros(len(self.occupations), dtype=np.int64)
        for code, part in enumerate(workforce.parts):
            ranked = kernels.ranking(priority[part])
            days_ranked, cost_in_order, filled = kernels.allocate_days(
                month.capacity[part][ranked], month.rate_cents[part][ranked], mcfg.job_days, asked[code]
            )
            month.days[part][ranked] = days_ranked
            month.cost[code, order] = cost_in_order
            month.unfilled[code] = asked[code].sum() - filled.sum()
        workers.days_worked[workforce.rows] = month.days.astype(np.int32)  # cast first: a casting scatter is slow

    def pay(self) -> None:
        """Stage 6: pay the booked workers, the twins' royalties, the AI vendor and the levy.

        Reads the bookings; writes ``month.income`` and ``royalty_earners``, the workers' income
        and royalties, and the ledger.
        """
        brands, mcfg, month = self.brands, self.cfg.market, self.month
        workforce, ledger = month.workforce, month.ledger
        gross = month.days * month.rate_cents
        commission = np.zeros(gross.size, dtype=np.int64)
        for code in np.flatnonzero(self.commissioned):  # agencies take their share of models' pay only
            part = workforce.parts[code]
            commission[part] = kernels.split_commission(gross[part], mcfg.agency_commission)[0]
        month.income = gross - commission  # net cents of each worker; royalties are added below
        ledger["worker_pay"] += int(month.income.sum())
        ledger["agency_commission"] += int(commission.sum())
        fee = np.rint(month.cost * (mcfg.agency_client_fee * self.commissioned)[:, None]).astype(np.int64)
        ledger["brand_spend"] += int(month.cost.sum() + fee.sum())
        ledger["agency_commission"] += int(fee.sum())

        # twin royalties: each licensing brand pays its model per use; a model is paid once for all her uses
        uses = kernels.fold_last_axis(np.add, month.shoots[:, :, TWIN])
        has = uses > 0
        royalty = uses * brands.view("license_royalty")
        ledger["brand_spend"] += int(royalty.sum())
        ledger["unconsented_uses"] = int(uses[has & ~brands.view("license_consented")].sum())
        payees, payee_of_brand = np.unique(brands.view("license_model")[has], return_inverse=True)
        gross = np.bincount(payee_of_brand, weights=royalty[has], minlength=payees.size).astype(np.int64)
        commission, net = kernels.split_commission(
            gross, mcfg.agency_commission if self.commissioned[self.occupations.twin_model] else 0.0
        )
        self.workers.royalties[payees] = net
        ledger["worker_pay"] += int(net.sum())
        ledger["twin_royalties"] += int(net.sum())
        ledger["agency_commission"] += int(commission.sum())
        models = workforce.members(self.occupations.twin_model)
        position = np.searchsorted(models, payees)  # where each payee sits among them (a licence lapses on exit)
        assert (models[np.minimum(position, models.size - 1)] == payees).all(), "a twin paid outside the workforce"
        position += workforce.parts[self.occupations.twin_model].start
        month.income[position] += net
        month.royalty_earners = position[net > 0]
        self.workers.income[workforce.rows] = month.income

        # AI shoots: the vendor's fee per image; the levy on it, or on what a human crew would have cost
        image_cents = np.rint(self.images * month.cost_per_image * 100).astype(np.int64)
        human_cents = np.rint(month.crew_cost[:, HUMAN] * 100).astype(np.int64)  # per shoot-day [type]
        vendor, levy = np.zeros(brands.size, dtype=np.int64), np.zeros(brands.size, dtype=np.int64)
        for mode in (TWIN, GENERIC):
            fees = month.shoots[:, :, mode] @ image_cents
            vendor += fees
            levy += self.rules.levy_cents(fees, month.shoots[:, :, mode] @ human_cents)
        self.pay_ai(vendor, levy)

    def adjust(self) -> None:
        """Stage 7: day rates follow utilisation; the poorly paid exit; crew retrain; newcomers enter.

        Reads the month's days and income; writes day rates, income histories, ``active``,
        ``month.flows`` and ``month.income_cents``, and adds the entrants' rows.
        """
        workers, mcfg, month = self.workers, self.cfg.market, self.month
        workforce = month.workforce
        code = workers.view("occupation")
        rows = workforce.rows  # everyone active now: exits and entries come below
        # the last income_window months of income and days: this month in, the oldest out (its column reused)
        income, column = month.income, self.t % mcfg.income_window
        window = workers.income_window_sum[rows] + income - workers.income_history[rows, column]
        workers.income_window_sum[rows] = window
        workers.income_history[rows, column] = income
        days = workers.days_window_sum[rows] + month.days - workers.days_history[rows, column]
        workers.days_window_sum[rows] = days
        workers.days_history[rows, column] = month.days
        months = np.minimum(self.t + 1 - workers.first_month[rows], mcfg.income_window)  # in the window so far

        # day rates: the occupation's rate card follows its excess demand, each worker's rate her own relative demand
        # (over the window, which spans the two fashion seasons, so the seasons do not ratchet sticky rates up)
        possible = month.capacity * months
        own = days / possible
        occupation = workforce.sums(days) / np.maximum(workforce.sums(possible), 1)
        unmet = month.unfilled / np.maximum(workforce.sums(month.capacity), 1)  # unfilled days per day of capacity
        card = kernels.rate_card_change(
            occupation + unmet - self.target_utilisation, mcfg.rate_adjustment, mcfg.rate_rigidity
        )
        self.rate_card *= np.exp(card)
        workers.day_rate[rows] = kernels.adjust_day_rates(
            month.rate,
            own - workforce.per_worker(occupation),
            workforce.per_worker(card),
            mcfg.rate_adjustment,
            workforce.per_worker(self.rate_floor),
            workforce.per_worker(self.rate_ceiling),
        )

        # leave: mean income over a full window of months below the outside option (compared in cents)
        full = months >= mcfg.income_window  # with a full window of months in the occupation behind her
        poor = rows[full & (window < workforce.per_worker(self.outside_option * (100.0 * mcfg.income_window)))]
        displaced = poor[self.rng.random(poor.size) < mcfg.exit_rate]
        # and some leave each month for reasons of their own (careers end, people move): attrition
        moving_on = rows[self.rng.random(rows.size) < workforce.per_worker(self.attrition)]
        self._retrain(displaced[np.isin(code[displaced], self.occupations.crew)])
        leaving = np.union1d(displaced, moving_on)
        workers.active[leaving] = False  # she stays a Mesa agent, with status "exited" and her history
        month.flows["exits"] += np.bincount(code[leaving], minlength=len(self.occupations))

        month.income_cents = workforce.sums(income)
        for occ, name in enumerate(self.occupations.names):
            worked = int(workforce.sizes[occ])
            expected = kernels.entrants_expected(
                worked,
                month.income_cents[occ] / 100.0 / max(worked, 1),
                self.entry_income[occ],
                self.attrition[occ],
                mcfg.entry_response,
                month.unfilled[occ] / self.cfg.occupations[name].capacity,
            )
            count = int(self.rng.poisson(expected))
            if count:
                self.add_workers(occ, count)
                month.flows["entries"][occ] += count

    def _retrain(self, leaving_crew: np.ndarray) -> None:
        """Leaving crew retrain as AI content producers while AI shoots need them; the levy fund pays grants."""
        mcfg, month = self.cfg.market, self.month
        producer = self.occupations.ai_producer
        ai_work = self.workers.days_worked[month.workforce.members(producer)].sum() + month.unfilled[producer]
        draws = self.rng.random(leaving_crew.size)  # drawn before the return below, so the stream never depends on it
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
            rows = self.add_workers(producer, count)
            cohort = self.workers.cohort[leaving_crew[retrains]]
            self.workers.cohort[rows] = cohort  # an incumbent stays in her cohort in her new occupation
            self.cohort_moves += np.bincount(cohort[cohort >= 0], minlength=self.cohort_moves.size)
            month.flows["entries"][producer] += count
            month.flows["retrained"][producer] += count

    def record(self) -> None:
        """Stage 8: this month's rows of the output tables (sim.core.reporters)."""
        self.occupation_rows.extend(reporters.occupation_rows(self))
        self.market_rows.append(reporters.market_row(self))
        self.cohort_rows.extend(reporters.cohort_rows(self))
        if self.cfg.output.agent_records:
            self.agent_records.append(reporters.agent_rows(self))
