"""Small built-in data sets, toy distributions and a batch iterator."""

from .augment import Augment
from .batches import BatchIterator
from .digits import load_digits
from .toy2d import mode_coverage, toy_2d
from .watermelon import load_watermelon

__all__ = ["load_digits", "load_watermelon", "BatchIterator", "Augment", "toy_2d", "mode_coverage"]
