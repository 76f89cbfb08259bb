"""Loads a run's config.json as an absl config file: `--config=runs/x/config.json`."""
from tfcompress import config


def get_config(path):
  return config.from_json(path)
