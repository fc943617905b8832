"""Site files: the schema, loading and validation."""

from pvyield.site.load import defaults_used, load_site, read_mapping, site_from_mapping
from pvyield.site.schema import Site

__all__ = ["Site", "defaults_used", "load_site", "read_mapping", "site_from_mapping"]
