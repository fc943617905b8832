"""The reference model chain: site + weather -> AC power, one stage at a time, on pvlib.

Each stage is a pvlib call (or a few lines citing their source). The chain keeps the
energy after every stage so that losses can be reported stage by stage:

=============  ==============================================================================
stage          model
=============  ==============================================================================
transposition  Perez et al. (1990) sky diffuse + isotropic ground reflection on each plane;
               single-axis angles with backtracking from Lorenzo et al. (2011)
shading        linear beam shading between rows (``pvlib.shading.shaded_fraction1d``)
row_masking    rows in front mask the front side's sky diffuse and ground-reflected light:
               the isotropic and horizon parts of the Perez sky by the integrated
               row-to-sky view factor, the circumsolar part like the beam, the ground
               reflection as the infinite-sheds model has it (Mikofski et al. 2019; Hay-Davies
               sky, shadows on the ground, row-to-ground view factor)
iam            Martin & Ruiz (2001) for beam, its analytical integral for sky and ground
spectral       First Solar precipitable-water and airmass model for CdTe (Lee & Panchula
               2016); 1 for crystalline silicon (see :func:`spectral_factor`)
soiling        monthly fraction of the front effective irradiance
bifacial       rear irradiance from the infinite-sheds view-factor model (Mikofski et al.
               2019; Hay-Davies sky) times bifaciality, before rear losses
rear_losses    rear structure shading and rear Martin-Ruiz IAM (sky and ground diffuse,
               beam) applied to the rear irradiance
low_irradiance with a real module (PAN or CEC, :mod:`pvyield.site.equipment`): the
               single-diode model's maximum power at the effective irradiance and 25 °C
               against STC efficiency (PVsyst's "PV loss due to irradiance level");
               0 for the PVWatts model, whose efficiency does not depend on irradiance
temperature    PVsyst cell temperature (Faiman form) from the irradiance reaching front and
               rear; PVWatts DC power with a linear temperature coefficient (Dobos 2014),
               or with a real module the single-diode maximum power
               (:func:`pvlib.pvsystem.calcparams_pvsyst` / ``calcparams_cec``, then
               :func:`pvlib.pvsystem.max_power_point`) at the cell temperature against the
               same at 25 °C (PVsyst's "PV loss due to temperature")
mismatch,      fixed fractions of DC power; mismatch includes the rear mismatch of bifacial
dc_wiring, lid plants (Deline et al. 2020)
inverter       PVWatts inverter part-load efficiency curve (Dobos 2014), or with a real
               inverter (OND or CEC) the Sandia model (King et al. 2007) per inverter at its
               DC power and voltage (string Vmp), without its AC limit
clipping       AC output limited to the plant's AC capacity (real inverter: ``Paco``),
               and to ``plant.export_limit_mwac`` over the AC loss factor when given (the
               grid export limit, which applies after the AC losses)
night_         real inverter: the night tare ``Pnt`` drawn while the DC power is below the
consumption    start-up power ``Pso`` (:func:`pvlib.inverter.sandia`); 0 for PVWatts
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
.. [7] Lee, M., Panchula, A. (2016). Spectral correction for photovoltaic module
   performance based on air mass and precipitable water. IEEE 43rd PVSC, 1351-1356.
   doi:10.1109/PVSC.2016.7749836
.. [8] Deline, C., Ayala Pelaez, S., MacAlpine, S., Olalla, C. (2020). Estimating and
   parameterizing mismatch power loss in bifacial photovoltaic systems. Progress in
   Photovoltaics 28(7), 691-703. doi:10.1002/pip.3259
.. [10] King, D., Gonzalez, S., Galbraith, G., Boyson, W. (2007). Performance model for
   grid-connected photovoltaic inverters. SAND2007-5036. doi:10.2172/920449
.. [9] Gueymard, C. (1994). Analysis of monthly average atmospheric precipitable water and
   turbidity in Canada and Northern United States. Solar Energy 53(1), 57-71.
   doi:10.1016/0038-092X(94)90606-8
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pvlib
from pvlib.bifacial import infinite_sheds

from pvyield.model import _pvlib_compat
from pvyield.site.equipment import Equipment, module_max_power
from pvyield.site.schema import FixedMount, SingleAxisMount, Site
from pvyield.weather.frame import time_step_minutes

#: Stages in chain order; the energy after each is kept.
STAGES = (
    "transposition", "shading", "row_masking", "iam", "spectral", "soiling", "bifacial",
    "rear_losses", "low_irradiance", "temperature", "mismatch", "dc_wiring", "lid",
    "inverter", "clipping", "night_consumption", "ac_losses", "availability",
)
#: Constants of the chain that are not site inputs (documented defaults).
MODEL_CONSTANTS = {
    "solar position": "NREL SPA (pvlib nrel_numpy), pressure from elevation, 12 °C refraction",
    "airmass": "Kasten & Young (1989) relative airmass from the apparent zenith",
    "cell temperature irradiance": "front irradiance after row shading and masking plus "
    "the rear irradiance after structure shading, both before IAM: the rear light a "
    "bifacial module absorbs heats it like the front's (alpha_absorption for both sides; "
    "bifaciality is a conversion ratio, not an absorptance; the extra rear absorption heats "
    "the module: ECN, 'Taking the temperature of bifacial modules', PV Tech technical "
    "paper; Mannino, Tina et al., 'Experimental assessment of temperature estimation "
    "models of bifacial photovoltaic modules', IEEE PVSC)",
    "spectral model": "CdTe: pvlib.spectrum.spectral_factor_firstsolar('cdte') with "
    "precipitable water from the weather (precipitable_water, else Gueymard 1994 from "
    "temp_air and relative_humidity, else 1.42 cm, the ASTM G173 reference spectrum's); "
    "crystalline silicon: 1 (annual spectral effects of c-Si within about +-1 %, Dirnberger "
    "et al. 2015, Sol. Energy Mater. Sol. Cells 132:431-442)",
    "PVWatts inverter reference efficiency": "eta_inv_ref = 0.9637",
    "cell temperature absorption": "alpha_absorption = 0.9",
}
INVERTER_ETA_REF = 0.9637
CELL_ABSORPTANCE = 0.9
#: Precipitable water of the ASTM G173 reference spectrum, used when the weather has neither
#: precipitable water nor relative humidity [cm].
REFERENCE_PRECIPITABLE_WATER_CM = 1.42
#: Technologies with a spectral model: pvlib's First Solar coefficient set.
SPECTRAL_MODULE_TYPES = {"cdte": "cdte"}


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
    notes : dict
        What the chain chose from the weather for this site, in words (for instance where
        the precipitable water of a spectral model came from), to list with the
        assumptions.
    """

    timeseries: pd.DataFrame
    stage_energy_kwh: dict[str, float]
    years: float
    notes: dict[str, str] = dataclasses.field(default_factory=dict)
    #: A plant of blocks (``plant.blocks``): each block's name -> its own
    #: ``stage_energy_kwh`` (the plant's are their sums); empty for a plant of one mounting.
    blocks: dict[str, dict[str, float]] = dataclasses.field(default_factory=dict)


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
    """Front-side plane-of-array components (Perez) [W/m^2] and angle of incidence.

    Besides pvlib's totals, ``poa_isotropic``, ``poa_circumsolar`` and ``poa_horizon`` are
    the Perez sky diffuse components (:func:`pvlib.irradiance.perez`), needed to mask them
    apart.
    """
    poa = pvlib.irradiance.get_total_irradiance(
        plane.surface_tilt, plane.surface_azimuth, solpos["apparent_zenith"],
        solpos["azimuth"], weather["dni"], weather["ghi"], weather["dhi"],
        dni_extra=dni_extra, airmass=airmass, albedo=albedo, model="perez",
    )
    out = poa[["poa_global", "poa_direct", "poa_sky_diffuse", "poa_ground_diffuse"]]
    out = out.fillna(0.0).clip(lower=0.0)
    parts = pvlib.irradiance.perez(
        plane.surface_tilt, plane.surface_azimuth, weather["dhi"], weather["dni"], dni_extra,
        solpos["apparent_zenith"], solpos["azimuth"], airmass, return_components=True,
    )
    for name in ("poa_isotropic", "poa_circumsolar", "poa_horizon"):
        out[name] = parts[name].fillna(0.0)
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


def sheds_irradiance(
    plane: Plane, solpos: pd.DataFrame, weather: pd.DataFrame, albedo: float,
    dni_extra: pd.Series,
) -> pd.DataFrame:
    """Front and rear irradiance components of the infinite-sheds model [W/m^2].

    :func:`pvlib.bifacial.infinite_sheds.get_irradiance` with the Hay-Davies sky, no IAM,
    no structure shading and bifaciality 1, so that every effect is applied (and counted)
    by the chain itself. Missing values are 0.
    """
    result = infinite_sheds.get_irradiance(
        plane.surface_tilt, plane.surface_azimuth, solpos["apparent_zenith"],
        solpos["azimuth"], plane.gcr, plane.height_m, plane.collector_width_m / plane.gcr,
        weather["ghi"], weather["dhi"], weather["dni"], albedo, model="haydavies",
        dni_extra=dni_extra, iam_front=1.0, iam_back=1.0, bifaciality=1.0,
        shade_factor=0.0, transmission_factor=0.0,
    )
    return result.fillna(0.0)


def row_sky_view_ratio(surface_tilt, gcr: float):
    """Sky diffuse a row receives between rows relative to a lone plane [-].

    The row-to-sky view factor integrated over the slant height,
    :func:`pvlib.bifacial.utils.vf_row_sky_2d_integ` (what the infinite-sheds model gives a
    row's isotropic sky diffuse), over the unobstructed ``(1 + cos(tilt)) / 2``.
    """
    tilt = np.asarray(surface_tilt, dtype=float)
    masked = _pvlib_compat.vf_row_sky_integ(tilt, gcr)
    return masked / (0.5 * (1.0 + np.cos(np.radians(tilt))))


def masked_front(front: pd.DataFrame, plane: Plane, shaded: pd.Series,
                 sheds: pd.DataFrame | None) -> tuple[pd.Series, pd.Series]:
    """Front sky diffuse and ground-reflected irradiance with the rows in front [W/m^2].

    Parameters
    ----------
    front : DataFrame
        :func:`front_irradiance`.
    plane : Plane
    shaded : Series
        Beam shaded fraction of the row (:func:`beam_shaded_fraction`) [-].
    sheds : DataFrame or None
        :func:`sheds_irradiance`; None when the rows are not modelled (no GCR).

    Returns
    -------
    sky, ground : Series
        The isotropic and horizon parts of the Perez sky times :func:`row_sky_view_ratio`
        (the horizon band lies where the rows in front stand), the circumsolar part times
        the beam's unshaded fraction, clipped at 0 like pvlib's total; the ground-reflected
        light as the infinite-sheds model gives it (``poa_front_ground_diffuse``: shadows
        on the ground, the ground's view of the sky, the row's view of the ground).
    """
    if sheds is None:
        return front["poa_sky_diffuse"], front["poa_ground_diffuse"]
    ratio = row_sky_view_ratio(plane.surface_tilt, plane.gcr)
    sky = ((front["poa_isotropic"] + front["poa_horizon"]) * ratio
           + front["poa_circumsolar"] * (1.0 - shaded)).clip(lower=0.0)
    # where pvlib's own total is 0 or missing, so is the masked one
    sky = sky.where(front["poa_sky_diffuse"] > 0.0, 0.0)
    return sky, sheds["poa_front_ground_diffuse"]


def rear_irradiance(plane: Plane, solpos: pd.DataFrame, sheds: pd.DataFrame,
                    a_r: float, rear_shading: float) -> tuple[pd.Series, pd.Series]:
    """Rear irradiance before and after rear losses [W/m^2].

    Parameters
    ----------
    plane : Plane
    solpos : DataFrame
    sheds : DataFrame
        :func:`sheds_irradiance`.
    a_r : float
        Martin-Ruiz coefficient of the module glass [-].
    rear_shading : float
        Fraction of rear irradiance blocked by the structure [-].

    Returns
    -------
    incident, effective : Series
        ``poa_back`` of the infinite-sheds model; and its beam, sky and ground parts each
        times its Martin-Ruiz IAM at the back side's tilt (180 - tilt;
        :func:`pvlib.iam.martin_ruiz_diffuse` for the diffuse parts, as pvlib applies it to
        any tilt up to 180 degrees), times ``1 - rear_shading``.
    """
    back_tilt = 180.0 - plane.surface_tilt
    back_aoi = pvlib.irradiance.aoi(back_tilt, (plane.surface_azimuth + 180.0) % 360,
                                    solpos["apparent_zenith"], solpos["azimuth"])
    iam_diffuse = pvlib.iam.martin_ruiz_diffuse(back_tilt, a_r)
    effective = (sheds["poa_back_direct"] * pvlib.iam.martin_ruiz(back_aoi, a_r).fillna(0.0)
                 + sheds["poa_back_sky_diffuse"] * iam_diffuse["sky"]
                 + sheds["poa_back_ground_diffuse"] * iam_diffuse["ground"])
    effective = (effective * (1.0 - rear_shading)).clip(lower=0.0)
    return sheds["poa_back"].clip(lower=0.0), effective


def precipitable_water_cm(weather: pd.DataFrame) -> tuple[pd.Series, str]:
    """Precipitable water for the spectral model [cm] and where it came from.

    The weather's ``precipitable_water`` column when it has one; else Gueymard (1994) from
    ``temp_air`` and ``relative_humidity`` (:func:`pvlib.atmosphere.gueymard94_pw`); else
    the 1.42 cm of the ASTM G173 reference spectrum (the spectral factor then varies with
    airmass only).
    """
    if "precipitable_water" in weather:
        return weather["precipitable_water"].astype(float), "the weather's precipitable_water"
    if "relative_humidity" in weather:
        pw = pvlib.atmosphere.gueymard94_pw(weather["temp_air"], weather["relative_humidity"])
        return pd.Series(pw, index=weather.index), ("Gueymard 1994 from temp_air and "
                                                    "relative_humidity")
    return (pd.Series(REFERENCE_PRECIPITABLE_WATER_CM, index=weather.index),
            "1.42 cm (ASTM G173 reference spectrum): the weather has no humidity")


def spectral_factor(technology: str, weather: pd.DataFrame, airmass: pd.Series,
                    elevation_m: float) -> pd.Series:
    """Spectral mismatch factor of the front irradiance [-].

    CdTe responds to the water-vapour absorption bands that crystalline silicon barely
    sees: :func:`pvlib.spectrum.spectral_factor_firstsolar` (Lee & Panchula 2016) with
    pvlib's ``cdte`` coefficients, absolute airmass at the site's pressure (from its
    elevation) and :func:`precipitable_water_cm`. Crystalline silicon: 1, since its annual
    spectral gains and losses stay within about +-1 % (Dirnberger et al. 2015). Where the
    model is undefined (night, precipitable water above 8 cm) the factor is 1.
    """
    module_type = SPECTRAL_MODULE_TYPES.get(technology)
    if module_type is None:
        return pd.Series(1.0, index=weather.index)
    pw, _ = precipitable_water_cm(weather)
    am_abs = pvlib.atmosphere.get_absolute_airmass(airmass,
                                                   pvlib.atmosphere.alt2pres(elevation_m))
    factor = pvlib.spectrum.spectral_factor_firstsolar(pw, am_abs, module_type=module_type)
    return pd.Series(factor, index=weather.index).fillna(1.0)


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
    if site.plant.blocks is not None:
        return _run_blocks(site, weather)
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
    spectral = spectral_factor(plant.module_technology, weather, airmass, site.elevation_m)
    bifacial = plant.bifaciality > 0
    rear_shading = plant.rear_losses_pct[0] / 100.0

    equipment = plant.equipment
    module = equipment.module if equipment is not None else None
    keys = ("poa", "shading", "row_masking", "iam", "spectral", "soiling", "bifacial",
            "rear_losses", "low_irradiance", "temp")
    sums = dict.fromkeys(keys, 0.0)
    poa_w = np.zeros(len(times))
    eff_w = np.zeros(len(times))
    temp_w = np.zeros(len(times))
    p_dc = np.zeros(len(times))
    v_mp = np.zeros(len(times))  # module Vmp, DC-share weighted over planes [V]
    for plane in planes(site, solpos):
        front = front_irradiance(plane, solpos, weather, albedo, dni_extra, airmass)
        shaded_fraction = beam_shaded_fraction(plane, solpos)
        sheds = (sheds_irradiance(plane, solpos, weather, albedo, dni_extra)
                 if plane.gcr is not None else None)
        sky, ground = masked_front(front, plane, shaded_fraction, sheds)
        iam_diffuse = pvlib.iam.martin_ruiz_diffuse(plane.surface_tilt, plant.iam_a_r)
        beam = front["poa_direct"] * (1.0 - shaded_fraction)
        stage_shading = beam + front["poa_sky_diffuse"] + front["poa_ground_diffuse"]
        stage_masking = beam + sky + ground
        stage_iam = (beam * pvlib.iam.martin_ruiz(front["aoi"], plant.iam_a_r)
                     + sky * iam_diffuse["sky"] + ground * iam_diffuse["ground"])
        stage_spectral = stage_iam * spectral
        stage_soiling = stage_spectral * soiling
        stage_bifacial = stage_rear = effective = stage_soiling
        thermal = stage_masking
        if bifacial:
            rear, rear_effective = rear_irradiance(plane, solpos, sheds, plant.iam_a_r,
                                                   rear_shading)
            stage_bifacial = stage_soiling + plant.bifaciality * rear
            stage_rear = effective = stage_soiling + plant.bifaciality * rear_effective
            thermal = stage_masking + rear * (1.0 - rear_shading)
        temp_cell = pvlib.temperature.pvsyst_cell(
            thermal, weather["temp_air"], weather["wind_speed"],
            u_c=plant.thermal.u_c, u_v=plant.thermal.u_v,
            module_efficiency=plant.module_efficiency_pct / 100.0,
            alpha_absorption=CELL_ABSORPTANCE,
        )
        if module is None:
            dc = pvlib.pvsystem.pvwatts_dc(
                effective, temp_cell, pdc0_w * plane.share, plant.gamma_pdc_pct_per_c / 100.0
            ).clip(lower=0.0)
        else:
            dc, low_irradiance, v_plane = module_dc(equipment, effective, temp_cell,
                                                    plane.share)
            sums["low_irradiance"] += low_irradiance
            v_mp += plane.share * v_plane
        for key, series in (("poa", front["poa_global"]), ("shading", stage_shading),
                            ("row_masking", stage_masking), ("iam", stage_iam),
                            ("spectral", stage_spectral), ("soiling", stage_soiling),
                            ("bifacial", stage_bifacial), ("rear_losses", stage_rear)):
            sums[key] += plane.share * float(series.sum())
        sums["temp"] += float(dc.sum())
        poa_w += plane.share * front["poa_global"].to_numpy()
        eff_w += plane.share * effective.to_numpy()
        temp_w += plane.share * temp_cell.to_numpy()
        p_dc += dc.to_numpy()

    dc_factors = {
        "mismatch": dc_mismatch_factor(site),
        "dc_wiring": 1 - losses.dc_wiring_pct / 100,
        "lid": 1 - losses.lid_pct / 100,
    }
    p_dc_net = p_dc * np.prod(list(dc_factors.values()))
    if equipment is None or equipment.inverter is None:
        eta_nom = losses.inverter_efficiency_pct / 100.0
        pac0_w = plant.ac_capacity_mwac * 1e6
        p_inv = pvwatts_inverter_unclipped(p_dc_net, pac0_w / eta_nom, eta_nom)
        p_clip = pvlib.inverter.pvwatts(p_dc_net, pac0_w / eta_nom, eta_nom, INVERTER_ETA_REF)
        p_night = np.asarray(p_clip)
    else:
        p_inv, p_clip, p_night = inverter_ac(equipment, p_dc_net, v_mp)
    ac_factor = 1 - losses.ac_losses_pct / 100
    limit_w = export_limit_w(plant, ac_factor)
    if np.isfinite(limit_w):
        # the grid export limit, referred to the inverter output (the AC losses are a
        # fixed fraction): its loss joins the clipping stage
        p_clip = np.minimum(p_clip, limit_w)
        p_night = np.minimum(p_night, limit_w)
    avail = losses.availability_pct / 100
    p_ac = np.asarray(p_night) * ac_factor * avail

    # irradiance stages as energy at STC efficiency:
    # sum(W/m^2) x dt [h] / 1000 W/m^2 x STC power [kW] -> kWh
    stc_kwh = dt_h / 1000.0 * pdc0_w / 1e3
    to_kwh = dt_h / 1e3  # sum(W) x dt [h] -> kWh
    energy = {"ghi": float(weather["ghi"].sum()) * stc_kwh}
    for stage, key in (("transposition", "poa"), ("shading", "shading"),
                       ("row_masking", "row_masking"), ("iam", "iam"),
                       ("spectral", "spectral"), ("soiling", "soiling"),
                       ("bifacial", "bifacial"), ("rear_losses", "rear_losses")):
        energy[stage] = sums[key] * stc_kwh
    # PVWatts efficiency does not depend on irradiance: no low-irradiance stage
    energy["low_irradiance"] = (energy["rear_losses"] if module is None
                                else sums["low_irradiance"] * to_kwh)
    energy["temperature"] = sums["temp"] * to_kwh
    running = sums["temp"]
    for stage, factor in dc_factors.items():
        running *= factor
        energy[stage] = running * to_kwh
    energy["inverter"] = float(p_inv.sum()) * to_kwh
    energy["clipping"] = float(np.sum(p_clip)) * to_kwh
    energy["night_consumption"] = float(np.sum(p_night)) * to_kwh
    energy["ac_losses"] = energy["night_consumption"] * ac_factor
    energy["availability"] = float(p_ac.sum()) * to_kwh

    timeseries = pd.DataFrame(
        {"ghi": weather["ghi"].to_numpy(), "poa_global": poa_w, "effective_irradiance": eff_w,
         "temp_air": weather["temp_air"].to_numpy(), "temp_cell": temp_w, "p_dc": p_dc_net,
         "p_ac": p_ac},
        index=times,
    )
    return ChainOutput(timeseries, energy, years=len(times) * dt_h / 8760.0,
                       notes=chain_notes(site, weather))


def export_limit_w(plant, ac_factor: float) -> float:
    """The plant's grid export limit referred to the inverter output [W]: the limit on
    the AC power before the AC losses that gives ``plant.export_limit_mwac`` after them
    (``inf`` without a limit)."""
    if plant.export_limit_mwac is None:
        return float("inf")
    return plant.export_limit_mwac * 1e6 / ac_factor


#: Time series that are plant totals (the blocks' add); the others are DC-weighted means
#: over the blocks (irradiance, cell temperature) or the weather's (ghi, temp_air).
SUMMED_SERIES = ("p_dc", "p_ac")
DC_WEIGHTED_SERIES = ("poa_global", "effective_irradiance", "temp_cell")


def _run_blocks(site: Site, weather: pd.DataFrame) -> ChainOutput:
    """The chain of a plant of blocks: each block as a plant of its own
    (:func:`pvyield.site.blocks.block_sites`), then the blocks added up
    (:func:`combine_blocks`)."""
    from pvyield.site.blocks import block_sites, dc_shares

    parts = [run_chain(sub, weather) for sub in block_sites(site)]
    names = [b.name for b in site.plant.blocks]
    return combine_blocks(parts, names, dc_shares(site), chain_notes(site, weather))


def blocks_note(site: Site) -> dict[str, str]:
    """How a plant of blocks is modelled, in words (empty for one mounting)."""
    if site.plant.blocks is None:
        return {}
    parts = [f"{b.name}: {b.dc_capacity_mwp:g} MWp / {b.ac_capacity_mwac:g} MWac, "
             f"{_mounting_words(b.mounting)}" for b in site.plant.blocks]
    return {"blocks": f"{len(parts)} blocks, each modelled with its own mounting and "
                      "inverters (clipping at the block's AC capacity), energies added "
                      "stage by stage: " + "; ".join(parts)}


def _mounting_words(mount) -> str:
    if isinstance(mount, SingleAxisMount):
        return f"single-axis, GCR {mount.gcr:g}, +-{mount.max_angle_deg:g} deg"
    faces = ", ".join(f"{o.tilt_deg:g} deg/{o.azimuth_deg:g} deg" for o in mount.orientations)
    return f"fixed {faces}" + (f", GCR {mount.gcr:g}" if mount.gcr else "")


def combine_blocks(parts: list[ChainOutput], names: list[str], shares: list[float],
                   notes: dict[str, str]) -> ChainOutput:
    """A plant's chain output from its blocks' outputs.

    Stage energies and DC and AC power add; plane-of-array and effective irradiance and
    cell temperature are the blocks' means weighted by their DC shares (``shares`` [-],
    summing to 1), as the chain weights the planes of one mounting; GHI and air
    temperature are the weather's.
    """
    first = parts[0].timeseries
    series = first.copy()
    for column in SUMMED_SERIES:
        series[column] = np.sum([p.timeseries[column].to_numpy() for p in parts], axis=0)
    for column in DC_WEIGHTED_SERIES:
        series[column] = np.sum([w * p.timeseries[column].to_numpy()
                                 for p, w in zip(parts, shares, strict=True)], axis=0)
    energy = {stage: math.fsum(p.stage_energy_kwh[stage] for p in parts)
              for stage in parts[0].stage_energy_kwh}
    return ChainOutput(series, energy, years=parts[0].years, notes=notes,
                       blocks={name: dict(p.stage_energy_kwh)
                               for name, p in zip(names, parts, strict=True)})


def module_dc(equipment: Equipment, effective: pd.Series, temp_cell: pd.Series,
              share: float) -> tuple[pd.Series, float, np.ndarray]:
    """DC power of a plane's modules with the real module's single-diode model.

    Parameters
    ----------
    equipment : Equipment
        With a module; ``equipment.modules`` is the plant's module count.
    effective : Series
        Effective irradiance on the modules [W/m^2].
    temp_cell : Series
        Cell temperature [°C].
    share : float
        The plane's share of the modules [-].

    Returns
    -------
    dc : Series
        Maximum power of the plane's modules [W]
        (:func:`pvyield.site.equipment.module_max_power`).
    low_irradiance_w : float
        Sum over the intervals of the same at 25 °C [W]: the DC power after the
        irradiance-level loss, before the temperature loss.
    v_mp : ndarray
        The module's maximum-power voltage [V].
    """
    count = equipment.modules * share
    mpp = module_max_power(equipment.module, effective, temp_cell)
    at_25c = module_max_power(equipment.module, effective, 25.0)
    return (mpp["p_mp"] * count, float(at_25c["p_mp"].sum()) * count,
            mpp["v_mp"].to_numpy())


def inverter_ac(equipment: Equipment, p_dc_w: np.ndarray, v_mp_module: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """AC power of the plant's real inverters with the Sandia model (King et al. 2007).

    The DC power is shared equally by ``equipment.inverters`` inverters, each at the
    string voltage (:meth:`Equipment.dc_voltage`). Three :func:`pvlib.inverter.sandia` runs
    tell the stages apart: without the AC limit and night tare (conversion), with the AC
    limit ``Paco`` (clipping), and with the night tare ``Pnt`` drawn while the DC power is
    below ``Pso`` (night consumption). The model does not limit the voltage to the MPP range.

    Returns
    -------
    unclipped, clipped, with_night : ndarray
        Plant AC power after conversion, after clipping, after night consumption [W].
    """
    params = equipment.inverter.sandia
    n = equipment.inverters
    p_in = np.asarray(p_dc_w, dtype=float) / n
    v_dc = equipment.dc_voltage(v_mp_module)
    # at night the string voltage is 0: the model's voltage terms then mean nothing, and
    # its output there is 0 or the night tare whatever the voltage
    v_dc = np.where(p_in > 0, v_dc, params["Vdco"])
    unclipped = np.where(p_in < params["Pso"], 0.0, sandia_unclipped(v_dc, p_in, params))
    clipped = pvlib.inverter.sandia(v_dc, p_in, {**params, "Pnt": 0.0})
    with_night = pvlib.inverter.sandia(v_dc, p_in, params)
    return (np.asarray(unclipped) * n, np.asarray(clipped) * n, np.asarray(with_night) * n)


def sandia_unclipped(v_dc: np.ndarray, p_dc: np.ndarray, params: dict[str, float]
                     ) -> np.ndarray:
    """Sandia inverter output before its AC limit and night tare [W].

    King et al. (2007), eqs. 1-4, as :func:`pvlib.inverter.sandia` computes them before
    ``min(Paco, ...)``, so that conversion and clipping losses can be told apart.

    Parameters
    ----------
    v_dc : array
        DC voltage [V].
    p_dc : array
        DC power [W].
    params : dict
        Sandia parameters ``Paco``, ``Pdco``, ``Vdco``, ``Pso``, ``C0``-``C3``.
    """
    dv = np.asarray(v_dc, dtype=float) - params["Vdco"]
    a = params["Pdco"] * (1 + params["C1"] * dv)
    b = params["Pso"] * (1 + params["C2"] * dv)
    c = params["C0"] * (1 + params["C3"] * dv)
    p = np.asarray(p_dc, dtype=float) - b
    return (params["Paco"] / (a - b) - c * (a - b)) * p + c * p**2


def chain_notes(site: Site, weather: pd.DataFrame) -> dict[str, str]:
    """The weather-dependent and equipment choices of the chain for a site, in words."""
    notes = {**equipment_notes(site), **blocks_note(site)}
    if site.plant.module_technology in SPECTRAL_MODULE_TYPES:
        notes["precipitable water"] = (f"{precipitable_water_cm(weather)[1]} (spectral model "
                                       f"of {site.plant.module_technology})")
    return notes


def equipment_notes(site: Site) -> dict[str, str]:
    """The real equipment a site names, its models, and where each parameter came from."""
    equipment = site.plant.equipment
    if equipment is None:
        return {}
    notes = {}
    module, inverter = equipment.module, equipment.inverter
    if module is not None:
        model = ("PVsyst single-diode model (pvlib calcparams_pvsyst)" if module.dc_model ==
                 "pvsyst" else "CEC single-diode model (pvlib calcparams_cec)")
        notes["module"] = (f"{module.describe()}: {model}, maximum power by "
                           f"pvlib.pvsystem.max_power_point; {equipment.modules:,.0f} modules")
        notes["module parameters"] = "; ".join(f"{k} = {_short(_module_value(module, k))} "
                                               f"({v})" for k, v in module.provenance.items())
        if module.source == "pan":
            notes["module IAM"] = (
                f"Martin-Ruiz IAM with plant.iam_a_r = {site.plant.iam_a_r:.4g}"
                + (" (fitted to the PAN file's IAM profile)" if "plant.iam_a_r" in
                   site.derived else " (the site's value; the PAN file's IAM profile "
                   "is not used)"))
    if inverter is not None:
        notes["inverter"] = (f"{inverter.describe()}: Sandia inverter model "
                             f"(pvlib.inverter.sandia); {equipment.inverters:,.1f} inverters")
        notes["inverter parameters"] = "; ".join(
            f"{k} = {_short(inverter.sandia.get(k))} ({v})" if k in inverter.sandia
            else f"{k} ({v})" for k, v in inverter.provenance.items())
        if equipment.modules_per_string is None or module is None:
            notes["inverter DC voltage"] = (f"assumption: the inverter's Vdco "
                                            f"{inverter.sandia['Vdco']:g} V (the site gives no "
                                            "layout with a real module: string voltage unknown)")
        else:
            v_stc = equipment.modules_per_string * module.v_mp_ref_v
            notes["inverter DC voltage"] = (f"string Vmp: {equipment.modules_per_string:g} "
                                            f"modules in series x module Vmp ({v_stc:,.0f} V "
                                            "at STC)")
            if not inverter.mppt_low_v <= v_stc <= inverter.mppt_high_v:
                notes["inverter DC voltage"] += (
                    f"; WARNING: outside the inverter's MPP range {inverter.mppt_low_v:g}-"
                    f"{inverter.mppt_high_v:g} V, which the Sandia model does not enforce "
                    "(the estimate is then too high): check the string length")
    for text in equipment.scaled:
        notes.setdefault("equipment scaling", "")
        notes["equipment scaling"] = "; ".join(filter(None, (notes["equipment scaling"],
                                                              f"assumption: {text}")))
    return notes


def _module_value(module, key: str):
    if key in module.sdm:
        return module.sdm[key]
    return getattr(module, key, None)


def _short(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def dc_mismatch_factor(site: Site) -> float:
    """Fraction of DC power kept after module mismatch and, for a bifacial plant, the
    mismatch from non-uniform rear irradiance (Deline et al. 2020) [-]."""
    factor = 1 - site.losses.mismatch_pct / 100
    if site.plant.bifaciality > 0:
        factor *= 1 - site.plant.rear_losses_pct[1] / 100
    return factor
