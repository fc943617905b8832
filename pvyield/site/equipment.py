"""Real equipment: modules and inverters from PVsyst PAN/OND files and the CEC databases.

A site file may describe its module by a PVsyst ``.PAN`` file or a CEC module database entry
and its inverter by a PVsyst ``.OND`` file or a CEC inverter database entry. This module
turns each into the parameter set of the pvlib model that runs it:

=========  ============================================================================
source     model and parameters
=========  ============================================================================
PAN        PVsyst single-diode model (:func:`pvlib.pvsystem.calcparams_pvsyst`; De Soto
           et al. 2006 with the PVsyst shunt and diode-factor terms, Mermoud & Lejeune
           2010). ``I_L_ref`` and ``I_o_ref`` are not in a PAN file: they follow from the
           file's Isc, Voc, RSerie, RShunt and Gamma at STC (see :func:`pan_module`).
CEC module CEC single-diode model (:func:`pvlib.pvsystem.calcparams_cec`; Dobos 2012),
           parameters as the database has them.
OND        Sandia inverter model (:func:`pvlib.inverter.sandia`, King et al. 2007) with
           parameters fitted by :func:`pvlib.inverter.fit_sandia` to the file's three
           efficiency curves (``ProfilPIOV1..3`` at ``VNomEff``). The Sandia model, not
           ADR, because pvlib fits Sandia parameters from exactly these data (output vs
           input power at three DC voltages) and has no fitting function for ADR; the
           CEC database entries use the same model, so both inverter sources run alike.
CEC inv.   Sandia inverter model, parameters as the database has them.
=========  ============================================================================

References
----------
.. [1] De Soto, W., Klein, S., Beckman, W. (2006). Improvement and validation of a model
   for photovoltaic array performance. Solar Energy 80(1), 78-88.
   doi:10.1016/j.solener.2005.06.010
.. [2] Mermoud, A., Lejeune, T. (2010). Performance assessment of a simulation model for
   PV modules of any available technology. 25th EU PVSEC. doi:10.4229/25thEUPVSEC2010-4BV.1.114
.. [3] Dobos, A.P. (2012). An improved coefficient calculator for the California Energy
   Commission 6 parameter photovoltaic module model. J. Sol. Energy Eng. 134(2).
   doi:10.1115/1.4005759
.. [4] King, D., Gonzalez, S., Galbraith, G., Boyson, W. (2007). Performance model for
   grid-connected photovoltaic inverters. SAND2007-5036. doi:10.2172/920449
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pvyield.errors import SiteError

#: Band-gap energy of crystalline silicon at reference conditions [eV]: pvlib's default of
#: calcparams_pvsyst and calcparams_cec (De Soto et al. 2006); a PAN file does not give it.
EG_REF_SILICON = 1.121
#: Boltzmann constant over the elementary charge [V/K] (CODATA 2018, exact).
K_OVER_Q = 1.380649e-23 / 1.602176634e-19
#: Largest equipment file read [bytes]: PAN and OND files are a few kB.
MAX_EQUIPMENT_BYTES = 1_000_000
CEC_DATABASES = {"module": "CECMod", "inverter": "CECInverter"}


@dataclasses.dataclass(frozen=True)
class ModuleParameters:
    """A module as its single-diode model sees it.

    Attributes
    ----------
    source : {"pan", "cec"}
        Where the parameters come from.
    reference : str
        The PAN file (as the site file names it) or the CEC database entry's name.
    manufacturer, model : str
        As the file or database gives them (CEC: the entry name, which holds both).
    dc_model : {"pvsyst", "cec"}
        The pvlib single-diode parameter function: ``calcparams_pvsyst`` or
        ``calcparams_cec``.
    sdm : dict
        Keyword arguments of that function besides ``effective_irradiance`` and
        ``temp_cell``. PVsyst: ``alpha_sc`` [A/K], ``gamma_ref``, ``mu_gamma`` [1/K],
        ``I_L_ref``, ``I_o_ref`` [A], ``R_sh_ref``, ``R_sh_0`` [ohm], ``R_sh_exp``, ``R_s``
        [ohm], ``cells_in_series``, ``EgRef`` [eV]. CEC: ``alpha_sc`` [A/K], ``a_ref`` [V],
        ``I_L_ref``, ``I_o_ref`` [A], ``R_sh_ref``, ``R_s`` [ohm], ``Adjust`` [%],
        ``EgRef`` [eV].
    p_stc_w : float
        Nameplate power at STC [W] (PAN ``PNom``, CEC ``STC``).
    area_m2 : float
        Module area [m^2] (PAN width x height, CEC ``A_c``).
    v_mp_ref_v, i_mp_ref_a : float
        Maximum-power voltage and current at STC from the file [V], [A].
    gamma_pmp_pct_per_c : float or None
        Power temperature coefficient stated by the file [%/K] (PAN ``muPmpReq``, CEC
        ``gamma_r``), for display and the nameplate fields; the model uses ``sdm``.
    bifaciality : float or None
        PAN ``BifacialityFactor``; None when the source gives none (CEC).
    technology : str
        As the source names it (``mtSiMono``, ``Mono-c-Si``).
    provenance : dict
        Parameter -> where its value came from (file key, database column, default).
    iam_a_r : float or None
        Martin-Ruiz ``a_r`` fitted to the PAN's IAM profile (:func:`pvlib.iam.fit`); None
        when the source has no profile.
    """

    source: str
    reference: str
    manufacturer: str
    model: str
    dc_model: str
    sdm: dict[str, float]
    p_stc_w: float
    area_m2: float
    v_mp_ref_v: float
    i_mp_ref_a: float
    gamma_pmp_pct_per_c: float | None
    bifaciality: float | None
    technology: str
    provenance: dict[str, str]
    iam_a_r: float | None = None

    @property
    def efficiency(self) -> float:
        """STC efficiency, power over area at 1,000 W/m^2 [-]."""
        return self.p_stc_w / (self.area_m2 * 1000.0)

    def describe(self) -> str:
        """'ET SOLAR ET-M772BH550GL, 550 Wp (PAN file x.PAN)'."""
        where = (f"PAN file {self.reference}" if self.source == "pan"
                 else f"CEC module database entry {self.reference!r}")
        name = (self.model if self.manufacturer in ("", self.model)
                else f"{self.manufacturer} {self.model}")
        return f"{name}, {self.p_stc_w:g} Wp ({where})"


@dataclasses.dataclass(frozen=True)
class InverterParameters:
    """An inverter as the Sandia model sees it.

    Attributes
    ----------
    source : {"ond", "cec"}
    reference : str
        The OND file (as the site file names it) or the CEC database entry's name.
    manufacturer, model : str
    sandia : dict
        Parameters of :func:`pvlib.inverter.sandia`: ``Paco``, ``Pdco`` [W], ``Vdco`` [V],
        ``Pso`` [W], ``C0`` [1/W], ``C1``, ``C2``, ``C3`` [1/V], ``Pnt`` [W].
    paco_w : float
        AC output limit [W] (OND ``PMaxOUT``, CEC ``Paco``).
    pdc_max_w : float or None
        Largest DC input [W] (OND ``PMaxDC``); None when not given.
    mppt_low_v, mppt_high_v : float
        MPP voltage range [V] (OND ``VMppMin``/``VMPPMax``, CEC ``Mppt_low``/``Mppt_high``).
    night_consumption_w : float
        AC power drawn at night [W] (OND ``Night_Loss``, CEC ``Pnt``).
    provenance : dict
        Parameter -> where its value came from.
    pnom_w : float or None
        Nominal AC power [W] (OND ``PNomConv``); None when not given (CEC: ``Paco`` only).
    """

    source: str
    reference: str
    manufacturer: str
    model: str
    sandia: dict[str, float]
    paco_w: float
    pdc_max_w: float | None
    mppt_low_v: float
    mppt_high_v: float
    night_consumption_w: float
    provenance: dict[str, str]
    pnom_w: float | None = None

    def describe(self) -> str:
        """'ChintPower CPS SCH275KTL-DO/US-800, 250 kWac (OND file x.OND)'."""
        where = (f"OND file {self.reference}" if self.source == "ond"
                 else f"CEC inverter database entry {self.reference!r}")
        name = (self.model if self.manufacturer in ("", self.model)
                else f"{self.manufacturer} {self.model}")
        return f"{name}, {self.paco_w / 1e3:g} kWac ({where})"


def _read_panond(path: Path, field: str) -> dict[str, Any]:
    """The PVObject of a PAN or OND file, its byte-order mark removed from the keys."""
    import pvlib  # heavy: only when a site names equipment

    if not path.is_file():
        raise SiteError(f"{field}: file {str(path)!r} not found (paths are relative to the "
                        "site file's folder)")
    if path.stat().st_size > MAX_EQUIPMENT_BYTES:
        raise SiteError(f"{field}: {path} is larger than {MAX_EQUIPMENT_BYTES:,} bytes; "
                        "a PAN or OND file is a few kB")
    try:
        data = pvlib.iotools.read_panond(path)
    except Exception as exc:  # the reader raises whatever its parsing meets
        raise SiteError(f"{field}: {path} is not a readable PVsyst file "
                        f"({type(exc).__name__}: {str(exc)[:80]})") from None
    data = {k.lstrip("\ufeff"): v for k, v in data.items()}
    obj = data.get("PVObject_")
    if not isinstance(obj, dict):
        raise SiteError(f"{field}: {path} has no PVObject_ section; expected a PVsyst "
                        "PAN or OND file")
    _check_complete(path, field)
    return {k.lstrip("\ufeff"): v for k, v in obj.items()}


def _check_complete(path: Path, field: str) -> None:
    """A PVsyst file closes its top object (``End of PVObject pvModule``); a file cut short
    would otherwise lose its later sections (the IAM profile, the efficiency curves) in
    silence, and the model would fall back to defaults."""
    lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    top = next((line.split("=", 1)[1].strip() for line in lines
                if line.strip().startswith("PVObject_=")), "")
    if f"End of PVObject {top}" not in (line.strip() for line in lines):
        raise SiteError(f"{field}: {path} is cut short: no line 'End of PVObject {top}' "
                        "closes it; give the whole file")


def _number(obj: dict[str, Any], key: str, field: str, path: Path) -> float:
    value = obj.get(key)
    if not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SiteError(f"{field}: {path} lacks the number {key!r} (got {value!r:.40})")
    return float(value)


def pan_module(path: str | Path, reference: str | None = None,
               field: str = "plant.module.pan") -> ModuleParameters:
    """Read a PVsyst PAN file into PVsyst single-diode parameters.

    ``I_L_ref`` and ``I_o_ref`` are derived from the STC values of the file as PVsyst
    defines its model (Mermoud & Lejeune 2010): at short circuit the diode current is
    negligible, so ``I_L_ref = Isc (1 + RSerie / RShunt)``; at open circuit no current
    flows, so ``I_o_ref = (I_L_ref - Voc / RShunt) / (exp(Voc / (Gamma NCelS Vt)) - 1)``
    with ``Vt = k T / q`` at 25 °C.

    Parameters
    ----------
    path : str or Path
        The PAN file.
    reference : str, optional
        How the site file names it (default: ``path``).
    field : str
        The site-file field, named in errors.

    Raises
    ------
    SiteError
        When the file is missing, unreadable or lacks a parameter the model needs.
    """
    path = Path(path)
    ref = reference or str(path)
    obj = _read_panond(path, field)
    if obj.get("PVObject_") != "pvModule":
        raise SiteError(f"{field}: {path} is a {obj.get('PVObject_')!r} object, not a PVsyst "
                        "module (pvModule); give the module's .PAN file")
    num = functools.partial(_number, obj, field=field, path=path)
    commercial = obj.get("PVObject_Commercial") or {}
    isc, voc = num("Isc"), num("Voc")
    r_s, r_sh, gamma = num("RSerie"), num("RShunt"), num("Gamma")
    n_s = int(num("NCelS"))
    t_ref_k = num("TRef") + 273.15 if "TRef" in obj else 298.15
    i_l = isc * (1.0 + r_s / r_sh)
    n_ns_vth = gamma * n_s * K_OVER_Q * t_ref_k
    i_o = (i_l - voc / r_sh) / math.expm1(voc / n_ns_vth)
    sdm = {
        "alpha_sc": num("muISC") / 1000.0,  # mA/K in the file
        "gamma_ref": gamma,
        "mu_gamma": float(obj.get("muGamma", 0.0)),
        "I_L_ref": i_l,
        "I_o_ref": i_o,
        "R_sh_ref": r_sh,
        "R_sh_0": num("Rp_0"),
        "R_sh_exp": float(obj.get("Rp_Exp", 5.5)),
        "R_s": r_s,
        "cells_in_series": n_s,
        "EgRef": EG_REF_SILICON,
    }
    file_keys = {"alpha_sc": "muISC / 1000", "gamma_ref": "Gamma", "mu_gamma": "muGamma",
                 "R_sh_ref": "RShunt", "R_sh_0": "Rp_0", "R_sh_exp": "Rp_Exp",
                 "R_s": "RSerie", "cells_in_series": "NCelS", "p_stc_w": "PNom",
                 "area_m2": "Width x Height", "bifaciality": "BifacialityFactor",
                 "gamma_pmp_pct_per_c": "muPmpReq"}
    provenance = {k: f"PAN {ref}: {v}" for k, v in file_keys.items()}
    if "muGamma" not in obj:
        provenance["mu_gamma"] = "default 0 (the PAN file gives no muGamma)"
    if "Rp_Exp" not in obj:
        provenance["R_sh_exp"] = "default 5.5 (PVsyst's and pvlib's default; not in the file)"
    provenance["I_L_ref"] = f"derived from PAN {ref}: Isc (1 + RSerie / RShunt)"
    provenance["I_o_ref"] = f"derived from PAN {ref}: Voc, Isc, RSerie, RShunt, Gamma at STC"
    provenance["EgRef"] = ("default 1.121 eV, crystalline silicon (De Soto et al. 2006; "
                           "pvlib's default); a PAN file does not give it")
    width, height = commercial.get("Width"), commercial.get("Height")
    if isinstance(width, (int, float)) and isinstance(height, (int, float)) and width > 0:
        area = float(width) * float(height)
    else:
        raise SiteError(f"{field}: {path} lacks the module's Width and Height "
                        "(pvCommercial section): the area is needed for the efficiency")
    bifaciality = obj.get("BifacialityFactor")
    gamma_pmp = obj.get("muPmpReq")
    a_r = _pan_iam_a_r(obj)
    if a_r is not None:
        provenance["iam_a_r"] = (f"pvlib.iam.fit (martin_ruiz) to the IAM profile of PAN "
                                 f"{ref} (PVObject_IAM)")
    return ModuleParameters(
        source="pan", reference=ref,
        manufacturer=str(commercial.get("Manufacturer", "")).strip(),
        model=str(commercial.get("Model", path.stem)).strip(),
        dc_model="pvsyst", sdm=sdm, p_stc_w=num("PNom"), area_m2=area,
        v_mp_ref_v=num("Vmp"), i_mp_ref_a=num("Imp"),
        gamma_pmp_pct_per_c=float(gamma_pmp) if isinstance(gamma_pmp, (int, float)) else None,
        bifaciality=float(bifaciality) if isinstance(bifaciality, (int, float)) else None,
        technology=str(obj.get("Technol", "")), provenance=provenance, iam_a_r=a_r,
    )


def _pan_iam_a_r(obj: dict[str, Any]) -> float | None:
    """Martin-Ruiz ``a_r`` fitted to a PAN file's user IAM profile; None without one.

    The chain applies the Martin & Ruiz (2001) model to beam, sky and ground light (front and
    rear), so the profile's points are turned into its one coefficient by least squares
    (:func:`pvlib.iam.fit`) rather than interpolated for the beam alone.
    """
    import pvlib

    profile = (obj.get("PVObject_IAM") or {}).get("IAMProfile")
    if not isinstance(profile, dict):
        return None
    points = [p for k, p in profile.items() if k.startswith("Point_") and isinstance(p, list)
              and len(p) == 2 and all(isinstance(v, (int, float)) for v in p)]
    points = [p for p in points if 0 <= p[0] < 90 and 0 <= p[1] <= 1.05]
    if len(points) < 3:
        return None
    aoi, iam = (np.array(c, dtype=float) for c in zip(*points, strict=True))
    a_r = float(pvlib.iam.fit(aoi, iam, "martin_ruiz")["a_r"])
    # the site schema's range of plant.iam_a_r
    return a_r if 0 < a_r <= 0.5 else None


def ond_inverter(path: str | Path, reference: str | None = None,
                 field: str = "plant.inverter.ond") -> InverterParameters:
    """Read a PVsyst OND file and fit Sandia inverter parameters to its efficiency curves.

    The three curves ``ProfilPIOV1..3`` (DC input -> AC output power, at the voltages
    ``VNomEff``) go to :func:`pvlib.inverter.fit_sandia` as its ``Vmin``, ``Vnom`` and
    ``Vmax`` levels, with ``Paco = PMaxOUT`` and night tare ``Pnt = Night_Loss``. The
    curves' unused points (``0, 0``) are dropped.

    Raises
    ------
    SiteError
        When the file is missing, unreadable, not an inverter, or has no three curves.
    """
    import pvlib

    path = Path(path)
    ref = reference or str(path)
    obj = _read_panond(path, field)
    if obj.get("PVObject_") != "pvGInverter":
        raise SiteError(f"{field}: {path} is a {obj.get('PVObject_')!r} object, not a PVsyst "
                        "inverter (pvGInverter); give the inverter's .OND file")
    conv = obj.get("Converter")
    if not isinstance(conv, dict):
        raise SiteError(f"{field}: {path} has no Converter section")
    num = functools.partial(_number, conv, field=field, path=path)
    paco_w = num("PMaxOUT") * 1e3  # kW in the file
    voltages = [v for v in conv.get("VNomEff", []) if isinstance(v, (int, float))]
    rows = []
    for level, (name, volt) in enumerate(zip(("Vmin", "Vnom", "Vmax"), voltages, strict=False)):
        curve = conv.get(f"ProfilPIOV{level + 1}")
        if not isinstance(curve, dict):
            continue
        for key, point in curve.items():
            if key.startswith("Point_") and isinstance(point, list) and len(point) == 2:
                p_dc, p_ac = float(point[0]), float(point[1])
                if p_dc > 0:
                    rows.append((p_ac, p_dc, float(volt), name))
    levels = {r[3] for r in rows}
    if len(voltages) < 3 or levels != {"Vmin", "Vnom", "Vmax"}:
        raise SiteError(f"{field}: {path} needs three efficiency curves (ProfilPIOV1..3) at "
                        f"three voltages (VNomEff) to fit the Sandia model (found {len(levels)})")
    ac, dc, volt, lev = (np.array(c) for c in zip(*rows, strict=True))
    night_w = float(obj.get("Night_Loss", 0.0))
    sandia = pvlib.inverter.fit_sandia(ac, dc, volt, lev, p_ac_0=paco_w, p_nt=night_w)
    sandia = {k: float(v) for k, v in sandia.items()}
    commercial = obj.get("PVObject_Commercial") or {}
    provenance = {
        "Paco": f"OND {ref}: PMaxOUT", "Pnt": f"OND {ref}: Night_Loss",
        "Pdco, Vdco, Pso, C0-C3": f"pvlib.inverter.fit_sandia on OND {ref}: ProfilPIOV1-3 "
                                  "at VNomEff",
        "mppt range": f"OND {ref}: VMppMin, VMPPMax",
    }
    if "Night_Loss" not in obj:
        provenance["Pnt"] = "default 0 W (the OND file gives no Night_Loss)"
    pdc_max, pnom = conv.get("PMaxDC"), conv.get("PNomConv")
    return InverterParameters(
        source="ond", reference=ref,
        manufacturer=str(commercial.get("Manufacturer", "")).strip(),
        model=str(commercial.get("Model", path.stem)).strip(),
        sandia=sandia, paco_w=paco_w,
        pdc_max_w=float(pdc_max) * 1e3 if isinstance(pdc_max, (int, float)) else None,
        mppt_low_v=num("VMppMin"), mppt_high_v=num("VMPPMax"),
        night_consumption_w=night_w, provenance=provenance,
        pnom_w=float(pnom) * 1e3 if isinstance(pnom, (int, float)) else None,
    )


@functools.cache
def cec_database(kind: str) -> pd.DataFrame:
    """pvlib's copy of a CEC database (``CECMod`` or ``CECInverter``), entries as rows."""
    import pvlib

    return pvlib.pvsystem.retrieve_sam(CEC_DATABASES[kind]).T


def _cec_entry(kind: str, name: str, field: str) -> pd.Series:
    table = cec_database(kind)
    if name in table.index:
        return table.loc[name]
    close = difflib.get_close_matches(name, table.index.tolist(), n=3, cutoff=0.6)
    hint = (f"closest: {', '.join(repr(c) for c in close)}" if close
            else "no similar name")
    # short: the site-file error lines are cut at 200 characters
    raise SiteError(f"{field}: {name[:60]!r} not in the CEC {kind} database "
                    f"({CEC_DATABASES[kind]}); {hint}")


def cec_module(name: str, field: str = "plant.module.cec") -> ModuleParameters:
    """A CEC module database entry as CEC single-diode parameters.

    Raises
    ------
    SiteError
        When the name is not in the database (the message lists the closest names).
    """
    row = _cec_entry("module", name, field)
    keys = ("alpha_sc", "a_ref", "I_L_ref", "I_o_ref", "R_sh_ref", "R_s", "Adjust")
    sdm = {k: float(row[k]) for k in keys}
    sdm["EgRef"] = EG_REF_SILICON
    where = f"CEC module database {name!r}"
    provenance = {k: f"{where}: {k}" for k in keys}
    provenance.update({"p_stc_w": f"{where}: STC", "area_m2": f"{where}: A_c",
                       "gamma_pmp_pct_per_c": f"{where}: gamma_r",
                       "EgRef": "default 1.121 eV, crystalline silicon (De Soto et al. "
                                "2006; pvlib's default)",
                       "bifaciality": "not in the CEC database: the site file's "
                                      "plant.bifaciality"})
    return ModuleParameters(
        source="cec", reference=name, manufacturer="", model=name, dc_model="cec", sdm=sdm,
        p_stc_w=float(row["STC"]), area_m2=float(row["A_c"]),
        v_mp_ref_v=float(row["V_mp_ref"]), i_mp_ref_a=float(row["I_mp_ref"]),
        gamma_pmp_pct_per_c=float(row["gamma_r"]), bifaciality=None,
        technology=str(row["Technology"]), provenance=provenance,
    )


def cec_inverter(name: str, field: str = "plant.inverter.cec") -> InverterParameters:
    """A CEC inverter database entry as Sandia inverter parameters.

    Raises
    ------
    SiteError
        When the name is not in the database (the message lists the closest names).
    """
    row = _cec_entry("inverter", name, field)
    keys = ("Paco", "Pdco", "Vdco", "Pso", "C0", "C1", "C2", "C3", "Pnt")
    sandia = {k: float(row[k]) for k in keys}
    where = f"CEC inverter database {name!r}"
    return InverterParameters(
        source="cec", reference=name, manufacturer="", model=name, sandia=sandia,
        paco_w=sandia["Paco"], pdc_max_w=None,
        mppt_low_v=float(row["Mppt_low"]), mppt_high_v=float(row["Mppt_high"]),
        night_consumption_w=sandia["Pnt"],
        provenance={**{k: f"{where}: {k}" for k in keys},
                    "mppt range": f"{where}: Mppt_low, Mppt_high"},
    )


def module_max_power(module: ModuleParameters, effective_irradiance, temp_cell
                     ) -> pd.DataFrame:
    """Maximum power point of one module [W], [V], [A].

    The module's single-diode parameters at each irradiance and cell temperature
    (:func:`pvlib.pvsystem.calcparams_pvsyst` or ``calcparams_cec``), then
    :func:`pvlib.pvsystem.max_power_point` (Newton's method). Where the irradiance is 0
    the power, voltage and current are 0.

    Returns
    -------
    DataFrame
        ``p_mp`` [W], ``v_mp`` [V], ``i_mp`` [A], on the index of ``effective_irradiance``
        when it is a Series.
    """
    import pvlib

    e = np.asarray(effective_irradiance, dtype=float)
    t = np.broadcast_to(np.asarray(temp_cell, dtype=float), e.shape)
    lit = e > 0.0
    out = np.zeros((3, e.size))
    if lit.any():
        calc = (pvlib.pvsystem.calcparams_pvsyst if module.dc_model == "pvsyst"
                else pvlib.pvsystem.calcparams_cec)
        il, io, rs, rsh, nnsvth = calc(e[lit], t[lit], **module.sdm)
        mpp = pvlib.pvsystem.max_power_point(il, io, rs, rsh, nnsvth, method="newton")
        out[0, lit] = np.maximum(np.asarray(mpp["p_mp"]), 0.0)
        out[1, lit] = np.maximum(np.asarray(mpp["v_mp"]), 0.0)
        out[2, lit] = np.maximum(np.asarray(mpp["i_mp"]), 0.0)
    index = effective_irradiance.index if isinstance(effective_irradiance, pd.Series) else None
    return pd.DataFrame({"p_mp": out[0], "v_mp": out[1], "i_mp": out[2]}, index=index)


@dataclasses.dataclass(frozen=True)
class Equipment:
    """The real equipment of a plant and how it is scaled to the plant.

    Attributes
    ----------
    module : ModuleParameters or None
        None: the PVWatts DC model of the nameplate fields.
    inverter : InverterParameters or None
        None: the PVWatts inverter of ``losses.inverter_efficiency_pct``.
    modules : float
        Modules of the plant [-]: from the layout, else DC capacity / module STC power.
    inverters : float
        Inverters of the plant [-]: from the layout, else AC capacity / inverter AC limit.
    modules_per_string : float or None
        Modules in series (sets the DC voltage at the inverter); None without a layout.
    scaled : tuple of str
        What the stated capacities scaled because the site has no layout, in words.
    """

    module: ModuleParameters | None
    inverter: InverterParameters | None
    modules: float
    inverters: float
    modules_per_string: float | None
    scaled: tuple[str, ...] = ()

    def dc_voltage(self, v_mp_module):
        """DC voltage at the inverter [V]: string Vmp when the layout gives the string
        length; else the inverter's nominal ``Vdco`` (an assumption the output lists)."""
        if self.modules_per_string is not None and self.module is not None:
            return np.asarray(v_mp_module, dtype=float) * self.modules_per_string
        return np.full(np.shape(v_mp_module), self.inverter.sandia["Vdco"])


def _file(base: str | Path | None, name: str) -> Path:
    path = Path(name)
    return path if path.is_absolute() or base is None else Path(base) / path


def resolve(plant: Any, base_dir: str | Path | None) -> tuple[Equipment, dict, dict]:
    """Resolve a plant's ``module``, ``inverter`` and ``layout`` into :class:`Equipment`.

    Parameters
    ----------
    plant : pvyield.site.schema.Plant
    base_dir : str or Path or None
        Folder the equipment files are relative to (the site file's).

    Returns
    -------
    equipment : Equipment
    update : dict
        Plant fields the site left out that the equipment gives, field -> value.
    filled : dict
        Dotted path -> how each filled value was derived (for the output).

    Raises
    ------
    SiteError
        A file or database entry not found, or ratings that disagree with the layout.
    """
    from pvyield.site.schema import LAYOUT_CAPACITY_TOLERANCE, CecModule, OndInverter, PanModule

    module = inverter = None
    if isinstance(plant.module, PanModule):
        module = pan_module(_file(base_dir, plant.module.pan), plant.module.pan)
    elif isinstance(plant.module, CecModule):
        module = cec_module(plant.module.cec)
    if isinstance(plant.inverter, OndInverter):
        inverter = ond_inverter(_file(base_dir, plant.inverter.ond), plant.inverter.ond)
    elif plant.inverter is not None:
        inverter = cec_inverter(plant.inverter.cec)
    set_fields = plant.model_fields_set
    update: dict[str, Any] = {}
    filled: dict[str, str] = {}
    layout = plant.layout
    scaled = []
    ratings = (("dc_capacity_mwp", module, "p_stc_w", "modules", "module STC power"),
               ("ac_capacity_mwac", inverter, "paco_w", "inverters", "inverter AC limit"))
    counts = {}
    for name, unit, attr, count_name, what in ratings:
        stated = getattr(plant, name)
        if unit is None:
            if stated is None:
                raise SiteError(f"plant.{name}: required without a real "
                                f"{'module' if count_name == 'modules' else 'inverter'}")
            continue
        per_unit_mw = getattr(unit, attr) / 1e6
        if layout is not None:
            count = layout.module_count if count_name == "modules" else layout.inverters
            rating = count * per_unit_mw
            if stated is None:
                update[name] = rating
                filled[f"plant.{name}"] = (f"layout: {count:,.0f} {count_name} x "
                                           f"{getattr(unit, attr):,.1f} W {what} "
                                           f"({unit.describe()})")
            elif abs(rating / stated - 1) > LAYOUT_CAPACITY_TOLERANCE:
                raise SiteError(f"plant.{name} = {stated:g} differs from the layout's "
                                f"{count:,.0f} {count_name} x {getattr(unit, attr):,.1f} W = "
                                f"{rating:.4g} by {rating / stated - 1:+.1%} (allowed "
                                f"{LAYOUT_CAPACITY_TOLERANCE:.0%}); correct one of them")
        elif stated is None:
            raise SiteError(f"plant.{name}: required without plant.layout (the stated "
                            f"capacity scales the {count_name[:-1]})")
        else:
            count = stated / per_unit_mw
            scaled.append(f"no layout: plant.{name} = {stated:g} scales the "
                          f"{count_name[:-1]} to {count:,.1f} {count_name}")
        counts[count_name] = count
    if module is not None:
        for field, value, how in (
            ("module_efficiency_pct", module.efficiency * 100.0,
             f"{module.p_stc_w:g} W / {module.area_m2:.3f} m2 at 1,000 W/m2"),
            ("module_power_wp", module.p_stc_w, "STC power"),
            ("gamma_pdc_pct_per_c", module.gamma_pmp_pct_per_c, "stated power temperature "
             "coefficient (shown only: the single-diode model sets the temperature loss)"),
            ("bifaciality", module.bifaciality, "bifaciality factor"),
            ("iam_a_r", module.iam_a_r, "Martin-Ruiz a_r fitted (pvlib.iam.fit) to the IAM "
             "profile"),
        ):
            if field not in set_fields and value is not None:
                update[field] = value
                filled[f"plant.{field}"] = f"{how} of {module.describe()}"
    equipment = Equipment(
        module=module, inverter=inverter,
        modules=counts.get("modules", 0.0), inverters=counts.get("inverters", 0.0),
        modules_per_string=None if layout is None else layout.modules_per_string,
        scaled=tuple(scaled),
    )
    return equipment, update, filled
