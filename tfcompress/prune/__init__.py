"""Pruning: the paper's std-dev pruner and alpha sweep, and TFMOT magnitude pruning."""
from tfcompress.prune.iterative import magnitude_masks
from tfcompress.prune.stddev import apply_masks
from tfcompress.prune.stddev import HoldMasks
from tfcompress.prune.stddev import sparsity_summary
from tfcompress.prune.stddev import stddev_masks
from tfcompress.prune.sweep import alpha_sweep
from tfcompress.prune.tfmot_pruning import make_schedule
from tfcompress.prune.tfmot_pruning import prune_model
from tfcompress.prune.tfmot_pruning import strip
from tfcompress.prune.tfmot_pruning import update_step_callback

# Internals, importable as `prune.<name>` by the stages and tests; not the public API.
from tfcompress.prune.iterative import parse_targets  # noqa: F401
from tfcompress.prune.iterative import round_targets  # noqa: F401
from tfcompress.prune.stddev import layer_sparsity  # noqa: F401
from tfcompress.prune.sweep import choose  # noqa: F401
from tfcompress.prune.sweep import recalibrate_batch_norm  # noqa: F401

__all__ = ["HoldMasks", "alpha_sweep", "apply_masks", "magnitude_masks", "make_schedule",
           "prune_model", "sparsity_summary", "stddev_masks", "strip", "update_step_callback"]
