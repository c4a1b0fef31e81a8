"""Looking at what a network learned and comparing training settings: predictions and their
mistakes (``predictions``), every layer's output (``layers``), fair experiments
(``experiments``), MLP baselines (``baselines``), tables (``tables``) and the course's figures
(``plots``, which needs matplotlib: import it as ``from lenet5.analysis import plots``)."""
from .baselines import BASELINES, INPUT_SIZE, baseline
from .experiments import Trial, ablation, format_trials, run_trial
from .layers import feature_maps, format_table, layer_outputs, layer_table, trace
from .predictions import Predictions, collect, confusion_matrix
from .tables import markdown_table

__all__ = ["BASELINES", "INPUT_SIZE", "Predictions", "Trial", "ablation", "baseline",
           "collect", "confusion_matrix", "feature_maps", "format_table", "format_trials",
           "layer_outputs", "layer_table", "markdown_table", "run_trial", "trace"]
