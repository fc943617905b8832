"""Exceedance values (P50, P75, P90, P99) and lifetime energy.

Method (reproducible by hand):

1. The estimate is the median. Four periods are reported, each labelled:

   - year 1: ``E1``, the first-year energy (LID included, no degradation yet);
   - year N alone, with degradation: ``E1 * (1 - d) ** (N - 1)``;
   - the N-year mean without degradation: ``E1`` (weather averaging only);
   - the N-year mean with degradation: ``E1 * mean((1 - d) ** (y - 1) for y in 1..N)``,

   with ``d`` the annual degradation rate. Degradation lowers the P50 of the degraded
   periods, so the degraded N-year P90 can lie below the one-year P90; the undegraded N-year
   P90 never does (its sigma is smaller, its P50 the same).
2. Model and data uncertainty ``s_model`` [%] is the quadrature sum of independent items
   (irradiance data, transposition, temperature, soiling, mismatch and wiring, inverter,
   availability, synthetic generator, bifacial rear gain, degradation); each has a stated
   value and source, and a site file may replace any of them.
3. Inter-annual variability ``s_iav`` [%] of the yearly energy: the standard deviation of
   annual energies when the weather holds several years, else a stated default by mounting
   (:data:`DEFAULT_INTERANNUAL_BY_MOUNTING`: a tracker's energy follows the direct beam,
   which varies more from year to year than GHI).
4. One year: ``s = sqrt(s_model**2 + s_iav**2)``; an N-year average:
   ``s = sqrt(s_model**2 + s_iav**2 / N)`` (weather years independent, model errors not);
   degraded periods add the degradation-rate item (``0.25 %/yr x (N - 1) / 2`` for the
   N-year mean, ``x (N - 1)`` for year N alone).
5. Normal distribution: ``P(x) = P50 * (1 - z(x) * s / 100)`` with z = 0.6745 (P75),
   1.2816 (P90), 2.3263 (P99), and symmetrically P10 = P50 * (1 + 1.2816 s / 100).
6. The P-values are conditional on the design in the site file: when the mounting, the AC
   rating or the module are assumptions (``Uncertainty.conditional_on``), the spread of the
   other designs is not in ``s``. The reconciliation's one-at-a-time runs measure it: each
   assumed design parameter with a run spans the energies ``[E_min, E_max]`` of its low,
   base and high values; read as a rectangular distribution (nothing favours a point
   inside), one standard deviation is ``(E_max - E_min) / sqrt(12)`` [5]_, in % of the base
   energy. The parameters combine in quadrature (taken as independent) into a ``design``
   item, added to ``s_model`` for the P-values "including design uncertainty"
   (:func:`design_uncertainty`); the P50 stays the estimate of the stated design.

References
----------
.. [1] Thevenard, D., Pelland, S. (2013). Estimating the uncertainty in long-term photovoltaic
   yield predictions. Solar Energy 91, 432-445. doi:10.1016/j.solener.2011.05.006
.. [2] Gueymard, C.A., Wilcox, S.M. (2011). Assessment of spatial and temporal variability in
   the US solar resource from radiometric measurements and predictions from models using
   ground-based or satellite data. Solar Energy 85(5), 1068-1084.
   doi:10.1016/j.solener.2011.02.030
.. [3] Jordan, D.C., Kurtz, S.R. (2013). Photovoltaic degradation rates - an analytical
   review. Progress in Photovoltaics 21(1), 12-29. doi:10.1002/pip.1182
.. [4] Pozo-Vazquez, D., Wilbert, S., Gueymard, C.A., et al. (2011). Interannual variability
   of long time series of DNI and GHI at PSA, Spain. SolarPACES 2011, Granada: DNI
   inter-annual standard deviation 6 % over 2001-2010.
.. [5] JCGM 100:2008, Evaluation of measurement data - Guide to the expression of
   uncertainty in measurement (GUM), 4.3.7: a quantity known only to lie between a- and a+
   with equal probability has the variance (a+ - a-)^2 / 12 (half-width a: a^2 / 3).
"""

from __future__ import annotations

import dataclasses
import math

from pvyield._lazy import lazy_module
from pvyield.site.schema import FixedMount, SingleAxisMount
from pvyield.weather.synthetic import SPREAD_FILE, validation_spread

stats = lazy_module("scipy.stats")  # loaded on first use: keeps `import pvyield` light

#: Exceedance levels reported (probability that a year, or an average, is exceeded).
LEVELS = (50, 75, 90, 99)
#: Default uncertainty items [% of energy, one standard deviation] and their sources.
DEFAULT_ITEMS: dict[str, tuple[float, str]] = {
    "irradiance": (5.0, "long-term mean of satellite-derived or atlas irradiance; within "
                        "the range discussed by Thevenard & Pelland 2013"),
    "transposition": (2.0, "Perez transposition to the module plane; Thevenard & Pelland "
                           "2013"),
    "temperature": (1.0, "cell-temperature model and air temperature at the site"),
    "soiling": (1.5, "soiling loss of a cleaned plant, ±1.5 points"),
    "mismatch_and_wiring": (1.0, "mismatch and DC/AC ohmic losses"),
    "inverter": (0.5, "inverter efficiency curve and clipping"),
    "availability": (1.0, "plant availability, ±1 point"),
}
#: Added for bifacial plants, as a fraction of the bifacial gain.
BIFACIAL_RELATIVE = 0.25
#: Standard deviation of the degradation rate [%/yr] (Jordan & Kurtz 2013).
DEGRADATION_RATE_SIGMA = 0.25
#: Inter-annual variability of yearly energy when the weather holds one (typical) year.
DEFAULT_INTERANNUAL = (4.0, "fixed planes: coefficient of variation of annual GHI typically "
                            "2-5 % (Gueymard & Wilcox 2011); 4 % assumed")
#: The same by mounting (:func:`validation_mounting`). A single-axis tracker collects more
#: beam irradiance than a fixed plane, and the beam varies more from year to year than GHI
#: (Gueymard & Wilcox 2011 compare the two; Pozo-Vazquez et al. 2011 for DNI at PSA). No
#: published inter-annual figure for tracker ENERGY was found, and a tracker's energy is
#: neither beam-only nor GHI-only, so no number follows from the irradiance figures: 5 % is
#: an assumption (not fitted), set above the fixed-plane 4 %. A site file gives its own
#: (``uncertainty.interannual``) or a multi-year series measures it.
DEFAULT_INTERANNUAL_BY_MOUNTING: dict[str, tuple[float, str]] = {
    "fixed": DEFAULT_INTERANNUAL,
    "east_west": DEFAULT_INTERANNUAL,
    "tracker": (5.0, "single-axis tracker: 5 % assumed, not derived (no published "
                     "inter-annual figure for tracker energy; it follows the direct beam more "
                     "than a fixed plane does, and the beam varies more from year to year "
                     "than GHI: Gueymard & Wilcox 2011, Pozo-Vazquez et al. 2011), set above "
                     "the fixed planes' 4 %"),
}
#: Words shared by the terminal and the reports for the two readings of the P-values.
CONDITIONAL_LABEL = "conditional on the assumed design"
INCLUDING_DESIGN_LABEL = "including design uncertainty"
#: The rule of the design item, printed beside it.
DESIGN_RULE = ("each assumed design parameter: (highest - lowest energy of its low, base and "
               "high runs) / sqrt(12), a rectangular distribution (GUM, JCGM 100:2008, "
               "4.3.7), in % of the base energy; combined in quadrature; the P50 stays the "
               "stated design's")
#: Years in the multi-year average of the P-values, and in the lifetime.
AVERAGE_YEARS = 10
LIFETIME_YEARS = 25


@dataclasses.dataclass(frozen=True)
class Item:
    """One uncertainty: name, standard deviation [% of energy], where the value comes from."""

    name: str
    sigma_pct: float
    source: str


def validation_mounting(mounting: FixedMount | SingleAxisMount) -> str:
    """The validated plant closest to a mounting: ``tracker``, ``east_west`` or ``fixed``.

    Single-axis trackers are ``tracker``; fixed planes facing opposite ways (azimuths 90
    degrees or more apart) ``east_west``; every other fixed array ``fixed``.
    """
    if isinstance(mounting, SingleAxisMount):
        return "tracker"
    azimuths = [o.azimuth_deg for o in mounting.orientations]
    gap = max(abs((a - b + 180.0) % 360.0 - 180.0) for a in azimuths for b in azimuths)
    return "east_west" if gap >= 90.0 else "fixed"


def plant_kinds(plant) -> list[str]:
    """:func:`validation_mounting` of every mounting of a plant (one per block of a plant
    of blocks, ``plant.blocks``)."""
    return [validation_mounting(m) for m, _ in plant.mounting_shares()]


def interannual_default(plant) -> tuple[float, str]:
    """The default inter-annual variability of a plant's mounting
    (:data:`DEFAULT_INTERANNUAL_BY_MOUNTING`); for blocks of different mountings the
    largest of theirs (the blocks see the same years; taking the larger is conservative)."""
    kinds = plant_kinds(plant)
    sigma, source = max((DEFAULT_INTERANNUAL_BY_MOUNTING[k] for k in kinds),
                        key=lambda item: item[0])
    if len(set(kinds)) > 1:
        source = f"blocks of different mountings, the largest of their defaults: {source}"
    return sigma, source


def synthetic_weather_item(mounting, monthly_diffuse: bool = False) -> Item:
    """Uncertainty added by a synthetic year: its measured spread against real years.

    One standard deviation = the root mean square, over the real hourly files and seeds of
    ``weather/synthetic_validation.py``, of the annual AC energy deviation of the validated
    plant of the same mounting (:func:`validation_mounting`), read from
    :data:`pvyield.weather.synthetic.SPREAD_FILE`; with ``monthly_diffuse`` (the year was
    given monthly mean diffuse irradiation too), the spread measured that way.
    """
    spread = validation_spread()
    numbers = spread["with_monthly_diffuse"] if monthly_diffuse else spread
    # a plant (of blocks) gives the largest spread of its blocks' mountings
    kinds = (plant_kinds(mounting) if hasattr(mounting, "mounting_shares")
             else [validation_mounting(mounting)])
    kind = max(kinds, key=lambda k: float(numbers["rms_annual_deviation_pct"][k]))
    sigma = float(numbers["rms_annual_deviation_pct"][kind])
    largest = float(numbers["max_abs_annual_deviation_pct"][kind])
    given = ", monthly diffuse given" if monthly_diffuse else ""
    return Item("synthetic_weather", sigma,
                f"synthetic hourly year from monthly means{given}: RMS of the annual energy "
                f"deviation of {kind} plants over {len(spread['files'])} real hourly files "
                f"x {len(spread['seeds'])} seeds = {sigma:.1f} % (largest {largest:.1f} %); "
                f"{spread['source']} ({SPREAD_FILE.name})")


@dataclasses.dataclass(frozen=True)
class Exceedance:
    """P-values of one period (one year, or an average over ``years``)."""

    years: int
    p50_gwh: float
    sigma_pct: float
    values_gwh: dict[int, float]  # level -> energy [GWh/yr]
    p10_gwh: float
    #: What the period is: 'year 1', 'year 10 alone, degraded', '10-year mean, degraded'...
    label: str = ""
    #: Whether the P50 includes degradation after year 1.
    degraded: bool = False

    def at(self, level: int) -> float:
        """Energy exceeded with probability ``level`` % [GWh/yr]."""
        return self.values_gwh[level]

    def exceedance_pct(self, energy_gwh):
        """Probability that the energy exceeds ``energy_gwh`` [%] (the inverse of :meth:`at`);
        scalars or arrays."""
        return 100.0 * stats.norm.sf(energy_gwh, self.p50_gwh, self.sigma_pct / 100.0
                                     * self.p50_gwh)


@dataclasses.dataclass(frozen=True)
class Uncertainty:
    """Exceedance values of four labelled periods, with their budget.

    ``one_year`` is year 1; ``average`` the N-year mean with degradation; ``average_undegraded``
    the N-year mean without it; ``year_n`` year N alone, degraded. ``conditional_on`` names
    the assumed design items (mounting, AC rating, module) the P-values are conditional on.
    """

    items: tuple[Item, ...]
    model_sigma_pct: float
    interannual: Item
    one_year: Exceedance
    average: Exceedance
    lifetime_gwh: tuple[float, ...]
    average_undegraded: Exceedance | None = None
    year_n: Exceedance | None = None
    conditional_on: tuple[str, ...] = ()
    #: Annual degradation rate [%/yr] of the degraded periods and the lifetime.
    degradation_pct_per_year: float = 0.0

    @property
    def periods(self) -> tuple[Exceedance, ...]:
        """The labelled periods in reading order: year 1, year N, N-year mean without and
        with degradation."""
        return tuple(p for p in (self.one_year, self.year_n, self.average_undegraded,
                                 self.average) if p is not None)

    def sigma_for(self, years: int, degraded: bool) -> float:
        """Sigma [%] of the mean of ``years`` operating years (see the module docstring)."""
        degradation = DEGRADATION_RATE_SIGMA * (years - 1) / 2.0 if degraded else 0.0
        return math.sqrt(self.model_sigma_pct**2 + degradation**2
                         + self.interannual.sigma_pct**2 / years)

    @property
    def lifetime_average_gwh(self) -> float:
        """Mean yearly energy over the lifetime [GWh/yr]."""
        return sum(self.lifetime_gwh) / len(self.lifetime_gwh)

    def to_dict(self) -> dict:
        """Plain data for JSON: ``p50_gwh``, ``p90_gwh``... of one year, plus the rest."""
        out = {f"p{level}_gwh": self.one_year.at(level) for level in LEVELS}
        out["p10_gwh"] = self.one_year.p10_gwh
        out["sigma_one_year_pct"] = self.one_year.sigma_pct
        out[f"average_{self.average.years}_years"] = {
            **{f"p{level}_gwh": self.average.at(level) for level in LEVELS},
            "p10_gwh": self.average.p10_gwh, "sigma_pct": self.average.sigma_pct}
        out["periods"] = [{"label": p.label, "years": p.years, "degraded": p.degraded,
                           **{f"p{level}_gwh": p.at(level) for level in LEVELS},
                           "p10_gwh": p.p10_gwh, "sigma_pct": p.sigma_pct}
                          for p in self.periods]
        out["conditional_on"] = list(self.conditional_on)
        out["model_sigma_pct"] = self.model_sigma_pct
        out["interannual"] = dataclasses.asdict(self.interannual)
        out["items"] = [dataclasses.asdict(i) for i in self.items]
        out["lifetime_gwh"] = list(self.lifetime_gwh)
        out["lifetime_average_gwh"] = self.lifetime_average_gwh
        return out


def z_score(level: int) -> float:
    """Standard-normal quantile for an exceedance level: 1.2816 for P90."""
    return float(stats.norm.ppf(level / 100.0))


def combine(sigmas_pct: list[float]) -> float:
    """Quadrature sum of independent relative uncertainties [%]."""
    return math.sqrt(sum(s * s for s in sigmas_pct))


def lifetime_energy(first_year_gwh: float, degradation_pct_per_year: float,
                    years: int = LIFETIME_YEARS) -> tuple[float, ...]:
    """Energy of each year 1..N [GWh]: year one (with LID) then compound degradation."""
    rate = degradation_pct_per_year / 100.0
    return tuple(first_year_gwh * (1.0 - rate) ** (y - 1) for y in range(1, years + 1))


def exceedance(p50_gwh: float, sigma_pct: float, years: int, label: str = "",
               degraded: bool = False) -> Exceedance:
    """Normal exceedance values around a median."""
    values = {level: p50_gwh * (1.0 - z_score(level) * sigma_pct / 100.0) for level in LEVELS}
    return Exceedance(years, p50_gwh, sigma_pct, values,
                      p50_gwh * (1.0 + z_score(90) * sigma_pct / 100.0), label, degraded)


def uncertainty(
    first_year_gwh: float,
    degradation_pct_per_year: float,
    items: list[Item],
    interannual: Item,
    average_years: int = AVERAGE_YEARS,
    conditional_on: tuple[str, ...] = (),
) -> Uncertainty:
    """P-values of four labelled periods, and the lifetime energy.

    The degradation-rate uncertainty enters only the degraded periods: after ``y`` years a
    rate error of ``DEGRADATION_RATE_SIGMA`` shifts energy by about ``y`` times it, so the
    average over N years carries ``DEGRADATION_RATE_SIGMA * (N - 1) / 2`` and year N alone
    ``DEGRADATION_RATE_SIGMA * (N - 1)``.
    """
    model = combine([i.sigma_pct for i in items])
    degradation = Item("degradation", DEGRADATION_RATE_SIGMA * (average_years - 1) / 2.0,
                       f"degradation rate ±{DEGRADATION_RATE_SIGMA} %/yr (Jordan & Kurtz "
                       f"2013), averaged over {average_years} years")
    model_average = combine([model, degradation.sigma_pct])
    years = lifetime_energy(first_year_gwh, degradation_pct_per_year, LIFETIME_YEARS)
    average_p50 = sum(years[:average_years]) / average_years
    n = average_years
    one = exceedance(first_year_gwh, combine([model, interannual.sigma_pct]), 1, "year 1")
    avg = exceedance(average_p50, math.sqrt(model_average**2 + interannual.sigma_pct**2 / n),
                     n, f"{n}-year mean, with degradation", True)
    flat = exceedance(first_year_gwh, math.sqrt(model**2 + interannual.sigma_pct**2 / n), n,
                      f"{n}-year mean, no degradation")
    last = exceedance(first_year_gwh * (1.0 - degradation_pct_per_year / 100.0) ** (n - 1),
                      combine([model, DEGRADATION_RATE_SIGMA * (n - 1), interannual.sigma_pct]),
                      1, f"year {n} alone, with degradation", True)
    return Uncertainty((*items, degradation), model, interannual, one, avg, years, flat, last,
                       conditional_on, degradation_pct_per_year)


def with_items(unc: Uncertainty, extra: list[Item]) -> Uncertainty:
    """The same P-values with more items in the model and data budget (same P50s, same
    inter-annual variability, same periods)."""
    items = [i for i in unc.items if i.name != "degradation"] + list(extra)
    return uncertainty(unc.one_year.p50_gwh, unc.degradation_pct_per_year, items,
                       unc.interannual, unc.average.years, unc.conditional_on)


def rectangular_sigma_pct(energies_gwh: tuple[float, ...], base_gwh: float) -> float:
    """One standard deviation [% of ``base_gwh``] of an energy known only to lie between
    the lowest and highest of ``energies_gwh``: ``(max - min) / sqrt(12)`` (GUM 4.3.7).

    Examples
    --------
    Runs at 800 and 960 GWh around a base of 960 GWh: 160 / sqrt(12) / 960 = 4.811 %.
    """
    return (max(energies_gwh) - min(energies_gwh)) / math.sqrt(12.0) / base_gwh * 100.0


@dataclasses.dataclass(frozen=True)
class DesignUncertainty:
    """The design item: the measured spread of the assumed design parameters.

    ``parts`` holds one item per assumed design parameter with a sensitivity run (named
    after the parameter), ``item`` their quadrature sum (``design``), ``not_run`` the
    assumed design parameters without a run (not in the item), and ``uncertainty`` the
    P-values including the item.
    """

    parts: tuple[Item, ...]
    item: Item
    uncertainty: Uncertainty
    not_run: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        """Plain data for JSON: the item, its parts and the P-values including it."""
        return {"label": INCLUDING_DESIGN_LABEL, "rule": DESIGN_RULE,
                "item": dataclasses.asdict(self.item),
                "parts": [dataclasses.asdict(p) for p in self.parts],
                "not_run": list(self.not_run), "uncertainty": self.uncertainty.to_dict()}


def design_uncertainty(unc: Uncertainty, spans: dict[str, tuple[float, ...]], base_gwh: float,
                       not_run: tuple[str, ...] = ()) -> DesignUncertainty | None:
    """P-values including the spread of the assumed design.

    ``spans`` maps each assumed design parameter to the first-year energies [GWh/yr] of its
    sensitivity runs (low and high, as measured by the reconciliation); the base energy
    ``base_gwh`` is added to each span. Each parameter's item is
    :func:`rectangular_sigma_pct`; the design item is their quadrature sum (the parameters
    taken as independent), added to the model and data items (:func:`with_items`). ``None``
    when no parameter has a run or the base energy is not positive.
    """
    if not spans or not base_gwh > 0:
        return None
    parts = tuple(Item(name, rectangular_sigma_pct((*energies, base_gwh), base_gwh),
                       f"{min(*energies, base_gwh):,.1f}-{max(*energies, base_gwh):,.1f} "
                       f"GWh/yr over its runs / sqrt(12)")
                  for name, energies in spans.items())
    sigma = combine([p.sigma_pct for p in parts])
    names = ", ".join(f"{p.name} {p.sigma_pct:.2f} %" for p in parts)
    item = Item("design", sigma, f"assumed design, quadrature sum of {names} ({DESIGN_RULE})"
                + (f"; not run, not in the item: {', '.join(not_run)}" if not_run else ""))
    return DesignUncertainty(parts, item, with_items(unc, [item]), tuple(not_run))
