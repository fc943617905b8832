"""Property tests: whatever a site or weather file holds, only pvyield's own errors escape.

A few hundred examples per strategy here; ``benchmarks/fuzz_inputs.py --examples 20000``
runs the same properties longer.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.badinputs.properties import (
    FORMATS,
    GENERIC_CSV,
    NSRDB_HEAD,
    TMY3_HEAD,
    VALID_SAM,
    VALID_SCENARIO,
    VALID_SITE_YAML,
    generic_csv_reads_or_raises_weather_error,
    mutated_text,
    sam_files,
    scenario_loads_or_raises_site_error,
    scenario_texts,
    site_file_reads_or_raises_site_error,
    site_mapping_validates_or_raises_site_error,
    site_mappings,
    weather_file_reads_or_raises_weather_error,
)

#: Examples per property: 200 in the test suite (fixed examples, reproducible);
#: benchmarks/fuzz_inputs.py sets more, drawn at random.
EXAMPLES = int(os.environ.get("PVYIELD_FUZZ_EXAMPLES", "200"))
RANDOM = os.environ.get("PVYIELD_FUZZ_RANDOM") == "1"
FEW = settings(max_examples=EXAMPLES, deadline=None, derandomize=not RANDOM, database=None,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@FEW
@given(st.binary(max_size=2000))
def test_any_bytes_as_a_site_file(content):
    site_file_reads_or_raises_site_error(content, ".yaml")


@FEW
@given(mutated_text(VALID_SITE_YAML))
def test_a_mutated_site_file(text):
    site_file_reads_or_raises_site_error(text, ".yaml")


@FEW
@given(st.text(max_size=400), st.sampled_from([".toml", ".yml"]))
def test_any_text_as_a_toml_or_yml_site_file(text, suffix):
    site_file_reads_or_raises_site_error(text, suffix)


@FEW
@given(site_mappings())
def test_a_site_with_arbitrary_field_values(mapping):
    site_mapping_validates_or_raises_site_error(mapping)


@FEW
@given(sam_files())
def test_a_sam_csv_with_arbitrary_cells(text):
    weather_file_reads_or_raises_weather_error(text)


@FEW
@given(mutated_text(VALID_SAM))
def test_a_mutated_sam_csv(text):
    weather_file_reads_or_raises_weather_error(text)


@FEW
@given(st.sampled_from([NSRDB_HEAD, TMY3_HEAD]).flatmap(mutated_text))
def test_a_mutated_nsrdb_or_tmy3_file(text):
    weather_file_reads_or_raises_weather_error(text)


@FEW
@given(st.binary(max_size=1500), st.sampled_from(FORMATS))
def test_any_bytes_in_any_weather_format(content, fmt):
    weather_file_reads_or_raises_weather_error(content, fmt)


@FEW
@given(mutated_text(VALID_SCENARIO))
def test_a_mutated_scenario_file(text):
    scenario_loads_or_raises_site_error(text)


@FEW
@given(scenario_texts())
def test_a_scenario_with_arbitrary_matrix(text):
    scenario_loads_or_raises_site_error(text)


@FEW
@given(mutated_text(GENERIC_CSV))
def test_a_mutated_generic_csv(text):
    generic_csv_reads_or_raises_weather_error(text)
