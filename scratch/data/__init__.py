"""Small built-in data sets, toy distributions and a batch iterator."""

from .augment import Augment
from .batches import BatchIterator
from .digits import load_digits

__all__ = ["load_digits", "BatchIterator", "Augment"]
