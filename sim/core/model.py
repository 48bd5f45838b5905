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
from sim.core.registry import GENERATED, GENERIC, HUMAN, MODES, SEGMENTS, SHOOT_TYPES, SYNTHETIC, TWIN, Occupations
from sim.core.rules import month_number, policies, rules_in_force
from sim.core.schema import SimConfig
from sim.core.state import FLOWS, Month, Workforce


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
        # room for the first workforce, the entrants who replace its attrition over the run, and a quarter more, so
        # that the table seldom grows (a growth copies every column); rows not yet used take no memory
        replaced = sum(count * o.attrition for count, o in zip(counts, occ, strict=True)) * cfg.steps
        self.workers = worker_table(cfg.market.income_window, int(1.25 * (sum(counts) + replaced)))
        self._unregistered: list[tuple[type, np.ndarray]] = []  # (agent class, rows) whose agents are not made yet
        self.month: Month | None = None  # the month being run (or last run)
        for code, count in enumerate(counts):
            self.workers.cohort[self.add_workers(code, count)] = code  # the incumbents
        self.incumbents = np.array(counts, dtype=np.int64)  # head count of each cohort
        # incumbents now active in their first occupation, and in another one (retrained)
        self.cohort_in, self.cohort_moved = self.incumbents.copy(), np.zeros(len(counts), dtype=np.int64)
        self.moved_into = np.zeros(len(counts), dtype=bool)  # occupations an incumbent has moved into
        self._build_brands()

        self.levy_fund = 0  # cents collected and not yet paid out
        self.reference_cost: np.ndarray | None = None  # human cost per shoot-day in the first month, by type
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
        self._unregistered.append((worker_class(self.occupations.names[code], self.occupations.roles[code]), rows))
        return rows

    def _register_workers(self) -> None:
        """Make the Mesa agents of the workers added since the model's agents were last asked for.

        Each agent is a view of its row, so it is made when first looked at rather than inside the
        month: at 1,400 entrants a month at national, making them there cost 10 ms of a 12 ms month.
        """
        pending, self._unregistered = self._unregistered, []
        for cls, rows in pending:
            for row in rows.tolist():
                cls(self, row)  # registers itself with the model (model.agents_by_type[cls])

    @property
    def agents(self):
        """Every agent (Mesa's AgentSet), workers added since the last look included."""
        self._register_workers()
        return super().agents

    @property
    def agents_by_type(self):
        """Mesa's agent sets by class, workers added since the last look included."""
        self._register_workers()
        return super().agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self._register_workers()
        return super().agent_types

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
        # USD per shoot-day [type, mode]: added occupation by occupation in a fixed order, not by a BLAS matmul whose
        # order of addition (so the last bit) depends on the CPU
        crew_cost = kernels.fold_last_axis(np.add, self.recipe * (mean_rate * fee))
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
            flows={name: np.zeros(len(self.occupations), dtype=np.int64) for name in FLOWS},
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
        """Stage 1: each brand draws its shoot-days: base x growth x season x its response to the cost of content.

        The response is ``(expected cost / cost at human prices in the first month) ** -elasticity``
        (at most ``market.content_demand_cap``), the expected cost over the modes the brand can use
        as the month begins, weighted by how likely it is to choose each (the mode choice's logit).
        Writes the brands' demand.
        """
        mcfg, brands = self.cfg.market, self.brands
        month_of_year = (self.start_month + self.t) % 12
        scale = kernels.growth_factor(self.t, mcfg.demand_growth)
        scale *= kernels.seasonal_factor(month_of_year, mcfg.season_amplitude)
        if self.reference_cost is None:  # the first month's human cost per shoot-day, by type
            self.reference_cost = self.month.crew_cost[:, HUMAN].copy()
        response = np.ones((brands.size, len(SHOOT_TYPES)))
        if mcfg.content_elasticity > 0:
            cost = self._shoot_costs()
            expected = cost[:, :, HUMAN].copy()  # a brand with no AI mode open to it pays the human cost
            available = self._available_modes()
            choosing = np.flatnonzero(available[:, :, 1:].any(axis=(1, 2)))
            utility = self._mode_utility(cost[choosing], self._diversity()[choosing], choosing)
            shares = kernels.logit_shares(utility, available[choosing])
            expected[choosing] = kernels.fold_last_axis(np.add, shares * cost[choosing])
            response = kernels.content_response(expected / self.reference_cost, mcfg.content_elasticity,
                                                mcfg.content_demand_cap)  # fmt: skip
        brands.campaign_demand[: brands.size] = self.rng.poisson(brands.view("campaign_base") * scale * response[:, 0])
        brands.ecommerce_demand[: brands.size] = self.rng.poisson(
            brands.view("ecommerce_base") * scale * response[:, 1]
        )

    def _shoot_costs(self) -> np.ndarray:
        """Expected USD per shoot-day [brand, type, mode] at this month's prices (a twin: with its royalty)."""
        brands, month = self.brands, self.month
        licensed = brands.view("license_model") >= 0
        royalty = np.where(licensed, brands.view("license_royalty") / 100.0, 0.0)  # [brand, type]
        cost = np.repeat(month.crew_cost[None], brands.size, axis=0)
        cost[:, :, TWIN] += month.image_cost + royalty
        cost[:, :, GENERIC] += month.image_cost
        cost[:, :, GENERATED] += month.image_cost
        return cost

    def _available_modes(self) -> np.ndarray:
        """[brand, type, mode] mask of the modes each brand may use this month (a twin: with a licence)."""
        brands = self.brands
        adopted, licensed = brands.view("adopted"), brands.view("license_model") >= 0
        return self.rules.available_modes(adopted, licensed, brands.view("segment"))

    def _diversity(self) -> np.ndarray:
        """The share of underrepresented faces [brand, type, mode] each mode would show this month."""
        brands, workers, month = self.brands, self.workers, self.month
        diversity = np.empty((brands.size, len(SHOOT_TYPES), len(MODES)))
        for kind, code in enumerate(self.occupations.faces):
            rows = month.workforce.members(code)
            diversity[:, kind, HUMAN] = workers.underrepresented[rows].mean() if rows.size else 0.0
        diversity[:, :, TWIN] = workers.underrepresented[np.maximum(brands.view("license_model"), 0)]
        diversity[:, :, SYNTHETIC] = self.cfg.market.ai_diversity
        return diversity

    def _mode_utility(self, cost: np.ndarray, diversity: np.ndarray, which: np.ndarray) -> np.ndarray:
        """The logit's utility [brand, type, mode] of brands ``which`` (their ``cost`` and ``diversity``):
        cost, image quality, disclosure backlash and the faces shown."""
        mcfg, gap = self.cfg.market, self.month.quality_gap
        quality = np.array(
            [1.0, 1.0 - gap * mcfg.twin_gap_share, 1.0 - gap, 1.0 - min(1.0, gap * mcfg.generated_gap_share)]
        )
        disclosed = np.array([0.0, 1.0, 1.0, 1.0]) * self.rules.disclosure_probability(mcfg.detection_share)
        return (
            -cost / self.cost_scale[which, None, None]
            + (self.quality_weight[which, None] * self.quality_emphasis)[:, :, None] * quality
            - self.backlash[which, None, None] * disclosed
            + self.diversity_weight[which, None, None] * diversity
        )

    def adopt_ai(self) -> None:
        """Stage 2: Bass-style adoption, hazard scaled by the expected net saving. Writes ``adopted`` and the ledger."""
        brands, ai, month, occupations = self.brands, self.cfg.ai, self.month, self.occupations
        cost = self._shoot_costs()
        # a brand without a twin expects to pay the going royalty of a model of that type's occupation
        share = self.rules.twin_pay_share(self.cfg.market.twin_royalty_offer)
        expected_twin = share * month.mean_rate[list(occupations.faces)]  # [type]
        cost[:, :, TWIN] += np.where(brands.view("license_model") >= 0, 0.0, expected_twin)
        # the AI modes the rules would allow each brand once it has adopted (and licensed twins where it can)
        everyone = np.ones(brands.size, dtype=bool)
        can_license = np.array([code in occupations.twin_models for code in occupations.faces])
        allowed = self.rules.available_modes(
            everyone, np.broadcast_to(can_license, (brands.size, 2)), brands.view("segment")
        )
        ai_cost = kernels.fold_last_axis(np.minimum, np.where(allowed[:, :, 1:], cost[:, :, 1:], np.inf))
        base = np.stack([brands.view("campaign_base"), brands.view("ecommerce_base")], axis=1)
        human_month = kernels.fold_last_axis(np.add, base * cost[:, :, HUMAN])
        ai_month = kernels.fold_last_axis(np.add, base * np.minimum(ai_cost, cost[:, :, HUMAN]))
        saving = (12.0 * (human_month - ai_month) - ai.adoption_cost) / np.maximum(12.0 * human_month, 1e-9)
        seg, adopted = brands.view("segment"), brands.view("adopted")
        peers = np.bincount(seg, weights=adopted, minlength=len(SEGMENTS)) / np.maximum(
            np.bincount(seg, minlength=len(SEGMENTS)), 1
        )
        hazard = kernels.adoption_hazard(ai.adoption_p, ai.adoption_q, peers[seg], np.nan_to_num(saving))
        new = ~adopted & (self.rng.random(brands.size) < hazard)
        adopted[new] = True
        setup = np.where(new, round(ai.adoption_cost * 100), 0)
        self.pay_ai(setup, self.rules.levy_cents(setup, np.zeros_like(setup)))  # a set-up fee is no content

    def pay_ai(self, vendor_cents: np.ndarray, levy_cents: np.ndarray) -> None:
        """Brands pay the AI vendor and the levy; the levy goes into the transition fund."""
        ledger = self.ledger
        ledger["brand_spend"] += int(vendor_cents.sum() + levy_cents.sum())
        ledger["ai_vendor_revenue"] += int(vendor_cents.sum())
        ledger["levy_collected"] += int(levy_cents.sum())
        self.levy_fund += int(levy_cents.sum())

    def license_twins(self) -> None:
        """Stage 3: for each shoot type, brands without a twin ask a model whose face sells it; she consents
        if the pay per use clears what she asks for the day of her own it replaces.

        Writes the brands' licences (model, royalty per use, consent, expiry) per shoot type.
        """
        for kind, code in enumerate(self.occupations.faces):
            if code in self.occupations.twin_models:
                self._license(kind, code)

    def _license(self, kind: int, code: int) -> None:
        """Licences of one shoot type's twins, from models of occupation ``code``."""
        brands, workers, mcfg, rules = self.brands, self.workers, self.cfg.market, self.rules
        licensed = brands.license_model[: brands.size, kind]
        lapsed = (licensed >= 0) & (
            (brands.license_expires[: brands.size, kind] < self.t) | ~workers.active[np.maximum(licensed, 0)]
        )
        if rules.consent_required:
            lapsed |= (licensed >= 0) & ~brands.license_consented[: brands.size, kind]
        licensed[lapsed] = -1
        seekers = np.flatnonzero(brands.view("adopted") & (licensed < 0))
        # drawn even when nobody can be asked below, so that later draws do not depend on that
        seekers = seekers[self.rng.permutation(seekers.size)]
        candidates = self.month.workforce.members(code)
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
        # a use pays a share of her own day rate; it replaces a day she would have worked for the brand, so she
        # asks for that day's pay times a markup that falls with her willingness
        rate = workers.day_rate[chosen]
        offer = rules.twin_pay_share(mcfg.twin_royalty_offer) * rate
        reservation = mcfg.twin_reservation * (1.0 - workers.willingness[chosen]) * rate
        consent = offer >= reservation
        use_anyway = self.rng.random(seekers.size) < mcfg.unconsented_use_prob
        use_anyway &= ~consent & rules.unconsented_use_allowed()
        signed = consent | use_anyway
        pay = np.where(consent, offer, offer * mcfg.unconsented_pay_share)
        rows = seekers[signed]
        brands.license_model[rows, kind] = chosen[signed]
        brands.license_royalty[rows, kind] = np.rint(pay[signed] * 100).astype(np.int64)
        brands.license_consented[rows, kind] = consent[signed]
        brands.license_expires[rows, kind] = self.t + mcfg.license_months - 1

    def choose_modes(self) -> None:
        """Stage 4: multinomial logit over the four modes for each brand and shoot type.

        Writes ``month.shoots`` and ``month.diversity``. A brand with no AI mode open to it books
        every shoot with humans; the draw is taken for the others only.
        """
        brands, month = self.brands, self.month
        available = self._available_modes()
        month.diversity = self._diversity()
        demand = np.stack([brands.view("campaign_demand"), brands.view("ecommerce_demand")], axis=1)
        month.shoots = np.zeros((brands.size, len(SHOOT_TYPES), len(MODES)), dtype=np.int64)
        month.shoots[:, :, HUMAN] = demand
        choosing = np.flatnonzero(available[:, :, 1:].any(axis=(1, 2)))
        if choosing.size == 0:
            return
        utility = self._mode_utility(self._shoot_costs()[choosing], month.diversity[choosing], choosing)
        shares = kernels.logit_shares(utility, available[choosing])
        month.shoots[choosing] = self.rng.multinomial(demand[choosing], shares)

    def book_crews(self) -> None:
        """Stage 5: book crews occupation by occupation, brands asking in a random order.

        A brand that holds a model's consented twin licence books her first for its human shoots
        (she is its face: the twin's uses are the days she no longer works for it); the rest of
        the demand goes to the market. Reads ``month.shoots``; writes ``month.crews``, ``needed``,
        ``cost``, ``rate_cents``, ``days`` and ``unfilled``, and the workers' days worked.
        """
        brands, workers, mcfg, month = self.brands, self.workers, self.cfg.market, self.month
        workforce = month.workforce
        order = self.rng.permutation(brands.size)
        month.crews = kernels.draw_crew(self.rng, month.shoots, self.recipe)
        month.needed = kernels.fold_last_axis(np.add, month.crews)
        month.rate_cents = np.rint(month.rate * 100).astype(np.int64)
        # each occupation ranked by a Plackett-Luce draw: odds ~ rate^-price_weight, and for the campaign faces
        # (top models) also ~ reputation^reputation_weight: brands pay for fame, so stars charge more
        log_weight = -mcfg.price_weight * np.log(month.rate)
        faces = workforce.parts[self.occupations.faces[0]]
        log_weight[faces] += mcfg.reputation_weight * np.log(workers.reputation[workforce.rows[faces]])
        priority = kernels.race_priorities(self.rng, log_weight)  # the same draws as one call per occupation
        month.days = np.zeros(workforce.rows.size, dtype=np.int64)
        month.cost = np.zeros_like(month.needed)
        month.unfilled = np.zeros(len(self.occupations), dtype=np.int64)
        for code, part in enumerate(workforce.parts):
            asked = month.needed[code].copy()
            free = month.capacity[part].copy()
            self._book_house_faces(code, part, asked, free)
            ranked = kernels.ranking(priority[part])
            days_ranked, cost_in_order, filled = kernels.allocate_days(
                free[ranked], month.rate_cents[part][ranked], mcfg.job_days, asked[order]
            )
            month.days[part][ranked] += days_ranked
            month.cost[code, order] += cost_in_order
            month.unfilled[code] = asked.sum() - filled.sum()
        workers.days_worked[workforce.rows] = month.days.astype(np.int32)  # cast first: a casting scatter is slow

    def _book_house_faces(self, code: int, part: slice, asked: np.ndarray, free: np.ndarray) -> None:
        """Book each licensing brand's model first for its human shoots' days of her occupation, within her capacity.

        Takes the days booked off ``asked`` (per brand) and ``free`` (per worker of the part), and
        writes them to ``month.days`` and ``month.cost``.
        """
        kinds = [kind for kind, face in enumerate(self.occupations.faces) if face == code]
        if not kinds or code not in self.occupations.twin_models:
            return
        brands, month = self.brands, self.month
        model = brands.license_model[: brands.size, kinds[0]]
        clients = np.flatnonzero((model >= 0) & brands.license_consented[: brands.size, kinds[0]])
        want = month.crews[code, clients, HUMAN]
        clients, want = clients[want > 0], want[want > 0]
        if clients.size == 0:
            return
        position = np.searchsorted(month.workforce.members(code), model[clients])  # of her, within the part
        wanted = np.bincount(position, weights=want, minlength=free.size)
        given = np.minimum(wanted, free)  # a model booked beyond her capacity shares it among her clients
        booked = np.floor(want * given[position] / wanted[position]).astype(np.int64)
        days = np.bincount(position, weights=booked, minlength=free.size).astype(np.int64)
        free -= days
        asked[clients] -= booked
        month.days[part] += days
        month.cost[code, clients] += booked * month.rate_cents[part][position]

    def pay(self) -> None:
        """Stage 6: pay the booked workers, the twins' royalties, the AI vendor and the levy.

        Reads the bookings; writes ``month.income`` and ``royalty_earners``, the workers' income
        and royalties, and the ledger.
        """
        brands, workers, mcfg, month = self.brands, self.workers, self.cfg.market, self.month
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

        # twin royalties: each licence's uses at its royalty; a model is paid once for all her uses
        uses = month.shoots[:, :, TWIN]  # [brand, type]
        has = uses > 0
        royalty = uses * brands.view("license_royalty")
        ledger["brand_spend"] += int(royalty.sum())
        ledger["unconsented_uses"] = int(uses[has & ~brands.view("license_consented")].sum())
        payees, gross = kernels.totals_by_key(brands.view("license_model")[has], royalty[has])
        share = mcfg.agency_commission * self.commissioned[workers.occupation[payees]]
        commission, net = kernels.split_commission(gross, share)
        workers.royalties[payees] = net
        ledger["worker_pay"] += int(net.sum())
        ledger["twin_royalties"] += int(net.sum())
        ledger["agency_commission"] += int(commission.sum())
        position = np.empty(payees.size, dtype=np.int64)  # of each payee in the workforce (a licence lapses on exit)
        for code in np.unique(workers.occupation[payees]):
            mine = workers.occupation[payees] == code
            members = workforce.members(code)
            at = np.searchsorted(members, payees[mine])
            assert (members[np.minimum(at, members.size - 1)] == payees[mine]).all(), (
                "a twin paid outside the workforce"
            )
            position[mine] = workforce.parts[code].start + at
        month.income[position] += net
        month.royalty_earners = position[net > 0]
        workers.income[workforce.rows] = month.income

        # AI shoots: the vendor's fee per image; the levy on it, or on what a human crew would have cost
        image_cents = np.rint(self.images * month.cost_per_image * 100).astype(np.int64)
        human_cents = np.rint(month.crew_cost[:, HUMAN] * 100).astype(np.int64)  # per shoot-day [type]
        vendor, levy = np.zeros(brands.size, dtype=np.int64), np.zeros(brands.size, dtype=np.int64)
        for mode in (TWIN, *SYNTHETIC):
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
        oldest_income = workers.income_history[:, column]  # a view of one column: contiguous, as the table is F-ordered
        window = workers.income_window_sum[rows] + income - oldest_income[rows]
        workers.income_window_sum[rows] = window
        oldest_income[rows] = income
        oldest_days = workers.days_history[:, column]
        days = workers.days_window_sum[rows] + month.days - oldest_days[rows]
        workers.days_window_sum[rows] = days
        oldest_days[rows] = month.days.astype(np.int8)  # cast first: a casting scatter is slow
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
        # then each occupation's part with its own scalars (no per-worker copies of per-occupation values)
        threshold = self.outside_option * (100.0 * mcfg.income_window)  # a window's income at the outside option
        rate, poor = np.empty(rows.size), np.empty(rows.size, dtype=bool)
        for occ, part in enumerate(workforce.parts):
            rate[part] = kernels.adjust_day_rates(
                month.rate[part],
                own[part] - occupation[occ],
                card[occ],
                mcfg.rate_adjustment,
                self.rate_floor[occ],
                self.rate_ceiling[occ],
            )
            poor[part] = window[part] < threshold[occ]
        workers.day_rate[rows] = rate

        # leave: mean income over a full window of months below the outside option (compared in cents), with a full
        # window of months in the occupation behind her
        poor = np.flatnonzero(poor & (months >= mcfg.income_window))  # positions in the workforce
        displaced = poor[self.rng.random(poor.size) < mcfg.exit_rate]
        # and some leave each month for reasons of their own (careers end, people move): attrition
        draws, leave = self.rng.random(rows.size), np.empty(rows.size, dtype=bool)
        for occ, part in enumerate(workforce.parts):
            leave[part] = draws[part] < self.attrition[occ]
        self._transition(rows[displaced])
        leave[displaced] = True
        leaving = rows[leave]  # the displaced and the rest who leave
        workers.active[leaving] = False  # she stays a Mesa agent, with status "exited" and her history
        cohort = workers.cohort[leaving]
        first = code[leaving] == cohort  # an incumbent leaving her first occupation, or (else) the one she moved to
        self.cohort_in -= np.bincount(cohort[first & (cohort >= 0)], minlength=self.cohort_in.size)
        self.cohort_moved -= np.bincount(cohort[~first & (cohort >= 0)], minlength=self.cohort_in.size)
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

    def _transition(self, displaced: np.ndarray) -> None:
        """The displaced (leaving for low income) move on: the transition fund supports them while it lasts.

        Each supported worker is paid ``market.retraining_grant`` plus ``market.income_support``;
        while AI shoots need producers she retrains as an AI content producer with probability
        ``market.retrain_prob_supported`` (``market.retrain_prob`` without support), and otherwise
        leaves the sector (retrained for other work when supported). Writes the flows
        ``displaced``, ``to_ai`` and ``supported`` by her occupation, and the new producers' rows.
        """
        mcfg, month, workers = self.cfg.market, self.month, self.workers
        producer = self.occupations.ai_producer
        displaced = displaced[workers.occupation[displaced] != producer]  # producers who leave just leave
        draws = self.rng.random(displaced.size)  # drawn before any return below, so the stream never depends on it
        count = len(self.occupations)
        origin = workers.occupation[displaced]
        month.flows["displaced"] += np.bincount(origin, minlength=count)
        if displaced.size == 0:
            return
        payment = round((mcfg.retraining_grant + mcfg.income_support) * 100)
        fundable = self.levy_fund // payment if payment > 0 else 0
        supported = np.arange(displaced.size) < fundable
        paid = int(supported.sum()) * payment
        self.levy_fund -= paid
        self.ledger["transition_support_paid"] += paid
        month.flows["supported"] += np.bincount(origin[supported], minlength=count)
        ai_work = workers.days_worked[month.workforce.members(producer)].sum() + month.unfilled[producer]
        if ai_work == 0:
            return
        retrains = draws < np.where(supported, mcfg.retrain_prob_supported, mcfg.retrain_prob)
        moving = int(retrains.sum())
        if moving:
            rows = self.add_workers(producer, moving)
            cohort = workers.cohort[displaced[retrains]]
            workers.cohort[rows] = cohort  # an incumbent stays in her cohort in her new occupation
            self.cohort_moved += np.bincount(cohort[cohort >= 0], minlength=count)
            self.moved_into[producer] |= bool((cohort >= 0).any())
            month.flows["to_ai"] += np.bincount(origin[retrains], minlength=count)
            month.flows["entries"][producer] += moving
            month.flows["retrained"][producer] += moving

    def record(self) -> None:
        """Stage 8: this month's rows of the output tables (sim.core.reporters)."""
        self.occupation_rows.extend(reporters.occupation_rows(self))
        self.market_rows.append(reporters.market_row(self))
        self.cohort_rows.extend(reporters.cohort_rows(self))
        if self.cfg.output.agent_records:
            self.agent_records.append(reporters.agent_rows(self))
