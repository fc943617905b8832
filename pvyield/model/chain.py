"""The reference model chain: site + weather -> AC power, one stage at a time, on pvlib.

Each stage is a pvlib call (or a few lines citing their source). The chain keeps the
energy after every stage so that losses can be reported stage by stage:

=============  ==============================================================================
stage          model
=============  ==============================================================================
transposition  Perez et al. (1990) sky diffuse + isotropic ground reflection on each plane;
               single-axis angles with backtracking from Lorenzo et al. (2011)
shading        linear beam shading between rows (``pvlib.shading.shaded_fraction1d``)
iam            Martin & Ruiz (2001) for beam, its analytical integral for sky and ground
soiling        monthly fraction of the front effective irradiance
bifacial       rear irradiance from the infinite-sheds view-factor model (Mikofski et al.
               2019; Hay-Davies sky) times bifaciality
temperature    PVsyst cell temperature (Faiman form); PVWatts DC power with a linear
               temperature coefficient (Dobos 2014)
mismatch,      fixed fractions of DC power
dc_wiring, lid
inverter       PVWatts inverter part-load efficiency curve (Dobos 2014)
clipping       AC output limited to the plant's AC capacity
ac_losses,     fixed fractions of AC power
availability
=============  ==============================================================================

References
----------
.. [1] Perez, R., Ineichen, P., Seals, R., Michalsky, J., Stewart, R. (1990). Modeling
   daylight availability and irradiance components from direct and global irradiance.
   Solar Energy 44(5), 271-289. doi:10.1016/0038-092X(90)90055-H
.. [2] Lorenzo, E., Narvarte, L., Muñoz, J. (2011). Tracking and back-tracking. Progress in
   Photovoltaics 19(6), 747-753. doi:10.1002/pip.1085
.. [3] Martin, N., Ruiz, J.M. (2001). Calculation of the PV modules angular losses under
   field conditions by means of an analytical model. Solar Energy Materials and Solar
   Cells 70(1), 25-38. doi:10.1016/S0927-0248(00)00408-6
.. [4] Mikofski, M., Darawali, R., Hamer, M., Neubert, A., Newmiller, J. (2019). Bifacial
   performance modeling in large arrays. IEEE 46th PVSC, 1282-1287.
   doi:10.1109/PVSC40753.2019.8980572
.. [5] Faiman, D. (2008). Assessing the outdoor operating temperature of photovoltaic
   modules. Progress in Photovoltaics 16(4), 307-315. doi:10.1002/pip.813
.. [6] Dobos, A.P. (2014). PVWatts Version 5 Manual. NREL/TP-6A20-62641.
   doi:10.2172/1158421
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pvlib
from pvlib.bifacial import infinite_sheds

from pvyield.site.schema import FixedMount, SingleAxisMount, Site
from pvyield.weather.frame import time_step_minutes

#: Stages in chain order; the energy after each is kept.
STAGES = (
    "transposition", "shading", "iam", "soiling", "bifacial", "temperature", "mismatch",
    "dc_wiring", "lid", "inverter", "clipping", "ac_losses", "availability",
)
#: Constants of the chain that are not site inputs (documented defaults).
MODEL_CONSTANTS = {
    "solar position": "NREL SPA (pvlib nrel_numpy), pressure from elevation, 12 °C refraction",
    "airmass": "Kasten & Young (1989) relative airmass from the apparent zenith",
    "rear shading by structure": "2 % of rear irradiance (infinite_sheds shade_factor)",
    "PVWatts inverter reference efficiency": "eta_inv_ref = 0.9637",
    "cell temperature absorption": "alpha_absorption = 0.9",
}
REAR_SHADE_FACTOR = -0.02
INVERTER_ETA_REF = 0.9637
CELL_ABSORPTANCE = 0.9


@dataclasses.dataclass(frozen=True)
class Plane:
    """Geometry of one group of modules: its orientation over time and its DC share."""

    share: float
    surface_tilt: pd.Series
    surface_azimuth: pd.Series
    shading_axis_azimuth: float | None  # None: no row shading modelled
    shading_axis_tilt: float
    shading_rotation: pd.Series | None
    gcr: float | None
    height_m: float
    collector_width_m: float


@dataclasses.dataclass(frozen=True)
class ChainOutput:
    """What the chain computed.

    Attributes
    ----------
    timeseries : DataFrame
        Per interval, capacity-weighted over planes: ``ghi``, ``poa_global`` (front, before
        shading) and ``effective_irradiance`` (after soiling and rear gain) [W/m^2],
        ``temp_air`` (the weather's, as the chain used it) and ``temp_cell`` [°C], ``p_dc``
        (after DC losses) and ``p_ac`` (at the grid) [W].
    stage_energy_kwh : dict
        ``"ghi"`` (GHI x STC power), then the energy after each of :data:`STAGES` [kWh].
    years : float
        Length of the weather series in years of 8,760 hours.
    """

    timeseries: pd.DataFrame
    stage_energy_kwh: dict[str, float]
    years: float


def solar_position(times: pd.DatetimeIndex, site: Site) -> pd.DataFrame:
    """Sun position at the interval centres (NREL SPA via pvlib)."""
    pressure = pvlib.atmosphere.alt2pres(site.elevation_m)
    return pvlib.solarposition.get_solarposition(
        times, site.latitude, site.longitude, altitude=site.elevation_m, pressure=pressure
    )


def planes(site: Site, solpos: pd.DataFrame) -> list[Plane]:
    """Orientation of every module group over time, from the site's mounting."""
    mount = site.plant.mounting
    index = solpos.index
    if isinstance(mount, SingleAxisMount):
        return [_tracker_plane(mount, solpos)]
    assert isinstance(mount, FixedMount)
    return [
        Plane(
            share=o.share,
            surface_tilt=pd.Series(o.tilt_deg, index=index),
            surface_azimuth=pd.Series(o.azimuth_deg, index=index),
            # a fixed row is a tracker frozen at rotation = tilt about an axis 90° left of
            # the surface azimuth (pvlib's right-handed rotation convention)
            shading_axis_azimuth=(o.azimuth_deg - 90.0) % 360 if mount.gcr else None,
            shading_axis_tilt=0.0,
            shading_rotation=pd.Series(o.tilt_deg, index=index) if mount.gcr else None,
            gcr=mount.gcr,
            height_m=mount.height_m,
            collector_width_m=mount.collector_width_m,
        )
        for o in mount.orientations
    ]


def _tracker_plane(mount: SingleAxisMount, solpos: pd.DataFrame) -> Plane:
    angles = pvlib.tracking.singleaxis(
        solpos["apparent_zenith"], solpos["azimuth"], axis_tilt=mount.axis_tilt_deg,
        axis_azimuth=mount.axis_azimuth_deg, max_angle=mount.max_angle_deg,
        backtrack=mount.backtrack, gcr=mount.gcr,
    )
    # at night the tracker returns NaN: stow flat (irradiance is zero then anyway)
    stow_azimuth = (mount.axis_azimuth_deg + 90.0) % 360
    return Plane(
        share=1.0,
        surface_tilt=angles["surface_tilt"].fillna(0.0),
        surface_azimuth=angles["surface_azimuth"].fillna(stow_azimuth),
        shading_axis_azimuth=mount.axis_azimuth_deg,
        # the shadow is cast across the tilted axis the rows turn about (and backtrack for)
        shading_axis_tilt=mount.axis_tilt_deg,
        shading_rotation=angles["tracker_theta"].fillna(0.0),
        gcr=mount.gcr,
        height_m=mount.height_m,
        collector_width_m=mount.collector_width_m,
    )


def front_irradiance(
    plane: Plane, solpos: pd.DataFrame, weather: pd.DataFrame, albedo: float,
    dni_extra: pd.Series, airmass: pd.Series,
) -> pd.DataFrame:
    """Front-side plane-of-array components (Perez) [W/m^2] and angle of incidence."""
    poa = pvlib.irradiance.get_total_irradiance(
        plane.surface_tilt, plane.surface_azimuth, solpos["apparent_zenith"],
        solpos["azimuth"], weather["dni"], weather["ghi"], weather["dhi"],
        dni_extra=dni_extra, airmass=airmass, albedo=albedo, model="perez",
    )
    out = poa[["poa_global", "poa_direct", "poa_sky_diffuse", "poa_ground_diffuse"]]
    out = out.fillna(0.0).clip(lower=0.0)
    out["aoi"] = pvlib.irradiance.aoi(
        plane.surface_tilt, plane.surface_azimuth, solpos["apparent_zenith"], solpos["azimuth"]
    )
    return out


def beam_shaded_fraction(plane: Plane, solpos: pd.DataFrame) -> pd.Series:
    """Fraction of the row width shaded by the row in front [0-1]; 0 when not modelled."""
    if plane.shading_axis_azimuth is None:
        return pd.Series(0.0, index=solpos.index)
    fraction = pvlib.shading.shaded_fraction1d(
        solpos["apparent_zenith"], solpos["azimuth"], plane.shading_axis_azimuth,
        plane.shading_rotation, collector_width=1.0, pitch=1.0 / plane.gcr,
        axis_tilt=plane.shading_axis_tilt,
    )
    return pd.Series(fraction, index=solpos.index).fillna(0.0).clip(0.0, 1.0)


def rear_irradiance(
    plane: Plane, solpos: pd.DataFrame, weather: pd.DataFrame, albedo: float,
    dni_extra: pd.Series,
) -> pd.Series:
    """Irradiance reaching the rear cells (infinite sheds, Hay-Davies sky) [W/m^2]."""
    result = infinite_sheds.get_irradiance(
        plane.surface_tilt, plane.surface_azimuth, solpos["apparent_zenith"],
        solpos["azimuth"], plane.gcr, plane.height_m, plane.collector_width_m / plane.gcr,
        weather["ghi"], weather["dhi"], weather["dni"], albedo, model="haydavies",
        dni_extra=dni_extra, shade_factor=REAR_SHADE_FACTOR,
    )
    # poa_back is before rear shading: the shade factor only enters infinite_sheds' own
    # poa_global, so it is applied here
    rear = result["poa_back"] * (1.0 + REAR_SHADE_FACTOR)
    return rear.fillna(0.0).clip(lower=0.0)


def pvwatts_inverter_unclipped(pdc: np.ndarray, pdc0: float, eta_inv_nom: float) -> np.ndarray:
    """PVWatts inverter output before the AC limit [W].

    Same curve as :func:`pvlib.inverter.pvwatts` (Dobos 2014, eq. 2), without its
    ``min(pac0, ...)``, so that conversion and clipping losses can be told apart.
    """
    zeta = np.divide(pdc, pdc0)
    safe = np.where(zeta > 0, zeta, 1.0)
    eta = eta_inv_nom / INVERTER_ETA_REF * (-0.0162 * safe - 0.0059 / safe + 0.9858)
    return np.where(pdc > 0, np.maximum(eta * pdc, 0.0), 0.0)


def run_chain(site: Site, weather: pd.DataFrame) -> ChainOutput:
    """Run the reference chain for one site on a weather frame.

    Parameters
    ----------
    site : Site
        Validated site.
    weather : DataFrame
        Frame under the weather contract (:mod:`pvyield.weather.frame`).

    Returns
    -------
    ChainOutput
    """
    plant, losses = site.plant, site.losses
    times = weather.index
    dt_h = time_step_minutes(times) / 60.0
    solpos = solar_position(times, site)
    dni_extra = pvlib.irradiance.get_extra_radiation(times)
    airmass = pvlib.atmosphere.get_relative_airmass(solpos["apparent_zenith"])
    local_month = times.tz_convert(site.timezone).month.to_numpy() - 1
    soiling = 1.0 - np.asarray(losses.soiling_monthly_pct())[local_month] / 100.0
    albedo = plant.albedo  # the site's stated value, even when the weather has a column
    pdc0_w = plant.dc_capacity_mwp * 1e6

    sums = dict.fromkeys(("poa", "shading", "iam", "soiling", "bifacial", "temp"), 0.0)
    poa_w = np.zeros(len(times))
    eff_w = np.zeros(len(times))
    temp_w = np.zeros(len(times))
    p_dc = np.zeros(len(times))
    for plane in planes(site, solpos):
        front = front_irradiance(plane, solpos, weather, albedo, dni_extra, airmass)
        shaded = 1.0 - beam_shaded_fraction(plane, solpos)
        iam_diffuse = pvlib.iam.martin_ruiz_diffuse(plane.surface_tilt, plant.iam_a_r)
        beam = front["poa_direct"] * shaded
        stage_shading = beam + front["poa_sky_diffuse"] + front["poa_ground_diffuse"]
        stage_iam = (beam * pvlib.iam.martin_ruiz(front["aoi"], plant.iam_a_r)
                     + front["poa_sky_diffuse"] * iam_diffuse["sky"]
                     + front["poa_ground_diffuse"] * iam_diffuse["ground"])
        stage_soiling = stage_iam * soiling
        effective = stage_soiling
        if plant.bifaciality > 0:
            rear = rear_irradiance(plane, solpos, weather, albedo, dni_extra)
            effective = stage_soiling + plant.bifaciality * rear
        temp_cell = pvlib.temperature.pvsyst_cell(
            front["poa_global"], weather["temp_air"], weather["wind_speed"],
            u_c=plant.thermal.u_c, u_v=plant.thermal.u_v,
            module_efficiency=plant.module_efficiency_pct / 100.0,
            alpha_absorption=CELL_ABSORPTANCE,
        )
        dc = pvlib.pvsystem.pvwatts_dc(
            effective, temp_cell, pdc0_w * plane.share, plant.gamma_pdc_pct_per_c / 100.0
        ).clip(lower=0.0)
        for key, series in (("poa", front["poa_global"]), ("shading", stage_shading),
                            ("iam", stage_iam), ("soiling", stage_soiling),
                            ("bifacial", effective)):
            sums[key] += plane.share * float(series.sum())
        sums["temp"] += float(dc.sum())
        poa_w += plane.share * front["poa_global"].to_numpy()
        eff_w += plane.share * effective.to_numpy()
        temp_w += plane.share * temp_cell.to_numpy()
        p_dc += dc.to_numpy()

    dc_factors = {
        "mismatch": 1 - losses.mismatch_pct / 100,
        "dc_wiring": 1 - losses.dc_wiring_pct / 100,
        "lid": 1 - losses.lid_pct / 100,
    }
    p_dc_net = p_dc * np.prod(list(dc_factors.values()))
    eta_nom = losses.inverter_efficiency_pct / 100.0
    pac0_w = plant.ac_capacity_mwac * 1e6
    p_inv = pvwatts_inverter_unclipped(p_dc_net, pac0_w / eta_nom, eta_nom)
    p_clip = pvlib.inverter.pvwatts(p_dc_net, pac0_w / eta_nom, eta_nom, INVERTER_ETA_REF)
    ac_factor = 1 - losses.ac_losses_pct / 100
    avail = losses.availability_pct / 100
    p_ac = np.asarray(p_clip) * ac_factor * avail

    # irradiance stages as energy at STC efficiency:
    # sum(W/m^2) x dt [h] / 1000 W/m^2 x STC power [kW] -> kWh
    stc_kwh = dt_h / 1000.0 * pdc0_w / 1e3
    to_kwh = dt_h / 1e3  # sum(W) x dt [h] -> kWh
    energy = {"ghi": float(weather["ghi"].sum()) * stc_kwh}
    for stage, key in (("transposition", "poa"), ("shading", "shading"), ("iam", "iam"),
                       ("soiling", "soiling"), ("bifacial", "bifacial")):
        energy[stage] = sums[key] * stc_kwh
    energy["temperature"] = sums["temp"] * to_kwh
    running = sums["temp"]
    for stage, factor in dc_factors.items():
        running *= factor
        energy[stage] = running * to_kwh
    energy["inverter"] = float(p_inv.sum()) * to_kwh
    energy["clipping"] = float(np.sum(p_clip)) * to_kwh
    energy["ac_losses"] = energy["clipping"] * ac_factor
    energy["availability"] = float(p_ac.sum()) * to_kwh

    timeseries = pd.DataFrame(
        {"ghi": weather["ghi"].to_numpy(), "poa_global": poa_w, "effective_irradiance": eff_w,
         "temp_air": weather["temp_air"].to_numpy(), "temp_cell": temp_w, "p_dc": p_dc_net,
         "p_ac": p_ac},
        index=times,
    )
    return ChainOutput(timeseries, energy, years=len(times) * dt_h / 8760.0)
