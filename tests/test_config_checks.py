import math

import pytest

from tfcompress import config as config_lib
from tfcompress import config_checks
from tfcompress.errors import InputError


def test_every_numeric_field_has_a_range():
  """A field added to base_config() must get a line in config_checks._RANGES."""
  fields = set(config_checks.numeric_fields(config_lib.base_config()))
  missing = sorted(fields - set(config_checks._RANGES))
  assert not missing, f"add these to config_checks._RANGES: {missing}"
  config = config_lib.base_config()
  for key in config_checks._RANGES:  # And every entry names a real field.
    config_checks._get(config, key)


def test_defaults_and_every_shipped_config_pass():
  config_checks.check_numbers(config_lib.base_config())
  config_checks.check_numbers(config_lib.smoke(config_lib.base_config()))


@pytest.mark.parametrize("key", sorted(config_checks._RANGES))
def test_nan_and_inf_are_refused_everywhere(key):
  for bad in (math.nan, math.inf):
    config = config_lib.base_config()
    *groups, name = key.split(".")
    group = config
    for g in groups:
      group = group[g]
    value = getattr(group, name)
    if isinstance(value, int) and not isinstance(value, bool):
      continue  # An int field cannot hold NaN (the schema refuses it).
    with group.unlocked():
      setattr(group, name, (bad,) if isinstance(value, tuple) else bad)
    with pytest.raises(InputError, match=f"`{key}` must be a finite number"):
      config_checks.check_numbers(config)


def test_intervals_read_as_written():
  assert config_checks.parse_interval("[0, 1)") == (0.0, True, 1.0, False)
  assert config_checks.describe("(0, inf)") == "> 0"
  assert config_checks.describe("[2, inf)") == ">= 2"
  assert config_checks.describe("(0, 1]") == "in (0, 1]"
