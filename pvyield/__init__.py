"""pvyield: yield estimates for photovoltaic plants, checked against what was reported.

>>> import pvyield
>>> site = pvyield.load_site("sites/ceme1.yaml")      # doctest: +SKIP
>>> result = pvyield.estimate(site)                   # doctest: +SKIP
>>> bare = pvyield.variant(site, **{"plant.bifaciality": 0.0})   # doctest: +SKIP
>>> result.annual_energy_gwh, result.losses, result.checks   # doctest: +SKIP
>>> pvyield.validate().summary      # doctest: +SKIP  (estimates against measured plants)
"""

from pvyield.errors import ModelError, PvyieldError, SiteError, WeatherError
from pvyield.estimate import estimate
from pvyield.results import Result
from pvyield.site import Site, load_site
from pvyield.site.overrides import variant
from pvyield.validation import Validation, validate

__all__ = [
    "ModelError",
    "PvyieldError",
    "Result",
    "Site",
    "SiteError",
    "Validation",
    "WeatherError",
    "estimate",
    "load_site",
    "validate",
    "variant",
]
__version__ = "0.1.0"
