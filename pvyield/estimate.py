"""The one obvious path: site -> weather -> model chain -> result."""

from __future__ import annotations

from pathlib import Path

from pvyield.model.chain import run_chain
from pvyield.results import Result, summarise
from pvyield.site import Site, load_site
from pvyield.weather import weather_for_site


def estimate(site: Site | str | Path) -> Result:
    """Estimate a plant's yield.

    Parameters
    ----------
    site : Site or path
        A validated :class:`~pvyield.site.Site` or the path of a site file.

    Returns
    -------
    Result
        Annual and monthly figures, losses by stage, checks against reported figures and
        the assumptions the estimate rests on.
    """
    if not isinstance(site, Site):
        site = load_site(site)
    frame, meta = weather_for_site(site)
    return summarise(site, meta, run_chain(site, frame))
