"""Pruning: the paper's std-dev pruner and alpha sweep, and TFMOT magnitude pruning."""
from tfcompress.prune.iterative import magnitude_masks
from tfcompress.prune.iterative import parse_targets
from tfcompress.prune.iterative import round_targets
from tfcompress.prune.stddev import apply_masks
from tfcompress.prune.stddev import HoldMasks
from tfcompress.prune.stddev import layer_sparsity
from tfcompress.prune.stddev import sparsity_summary
from tfcompress.prune.stddev import stddev_masks
from tfcompress.prune.sweep import alpha_sweep
from tfcompress.prune.sweep import choose
from tfcompress.prune.sweep import PAPER_ALPHAS
from tfcompress.prune.sweep import recalibrate_batch_norm
from tfcompress.prune.tfmot_pruning import make_schedule
from tfcompress.prune.tfmot_pruning import prune_model
from tfcompress.prune.tfmot_pruning import strip
from tfcompress.prune.tfmot_pruning import update_step_callback

__all__ = ["HoldMasks", "PAPER_ALPHAS", "alpha_sweep", "apply_masks", "choose",
           "layer_sparsity", "magnitude_masks", "make_schedule", "parse_targets",
           "prune_model", "recalibrate_batch_norm", "round_targets", "sparsity_summary",
           "stddev_masks", "strip", "update_step_callback"]
