"""The watermelon data set 2.0 (Zhou Zhihua, *Machine Learning*, 2016, table 4.1).

17 watermelons, 6 categorical attributes, and whether the melon is ripe ("good").
Typed in from the table; the attribute values are translated from the Chinese:

    color    青绿 green, 乌黑 dark, 浅白 light
    root     蜷缩 curled, 稍蜷 slightly curled, 硬挺 stiff
    sound    浊响 muffled, 沉闷 dull, 清脆 crisp
    texture  清晰 clear, 稍糊 slightly blurry, 模糊 blurry
    navel    凹陷 hollow, 稍凹 slightly hollow, 平坦 flat
    touch    硬滑 hard, 软粘 soft
    ripe     是 yes, 否 no

The categories of each attribute are listed in the order the book names them, and
the integer codes follow that order, so a tree grown on the codes draws its branches
in the book's order (figure 4.4). At the root the information gains are color 0.109,
root 0.143, sound 0.141, texture 0.381, navel 0.289, touch 0.006 bits (section 4.2.1).
"""

from __future__ import annotations

import numpy as np

from .. import backend as _backend
from ..backend import Backend

FEATURE_NAMES = ("color", "root", "sound", "texture", "navel", "touch")
CATEGORIES = (
    ("green", "dark", "light"),
    ("curled", "slightly curled", "stiff"),
    ("muffled", "dull", "crisp"),
    ("clear", "slightly blurry", "blurry"),
    ("hollow", "slightly hollow", "flat"),
    ("hard", "soft"),
)
TARGET_NAMES = ("no", "yes")  # code 0 = not ripe, 1 = ripe

# (color, root, sound, texture, navel, touch, ripe), rows 1..17 of table 4.1
ROWS = (
    ("green", "curled", "muffled", "clear", "hollow", "hard", "yes"),
    ("dark", "curled", "dull", "clear", "hollow", "hard", "yes"),
    ("dark", "curled", "muffled", "clear", "hollow", "hard", "yes"),
    ("green", "curled", "dull", "clear", "hollow", "hard", "yes"),
    ("light", "curled", "muffled", "clear", "hollow", "hard", "yes"),
    ("green", "slightly curled", "muffled", "clear", "slightly hollow", "soft", "yes"),
    ("dark", "slightly curled", "muffled", "slightly blurry", "slightly hollow", "soft", "yes"),
    ("dark", "slightly curled", "muffled", "clear", "slightly hollow", "hard", "yes"),
    ("dark", "slightly curled", "dull", "slightly blurry", "slightly hollow", "hard", "no"),
    ("green", "stiff", "crisp", "clear", "flat", "soft", "no"),
    ("light", "stiff", "crisp", "blurry", "flat", "hard", "no"),
    ("light", "curled", "muffled", "blurry", "flat", "soft", "no"),
    ("green", "slightly curled", "muffled", "slightly blurry", "hollow", "hard", "no"),
    ("light", "slightly curled", "dull", "slightly blurry", "hollow", "hard", "no"),
    ("dark", "slightly curled", "muffled", "clear", "slightly hollow", "soft", "no"),
    ("light", "curled", "muffled", "blurry", "flat", "hard", "no"),
    ("green", "curled", "dull", "slightly blurry", "slightly hollow", "hard", "no"),
)


def load_watermelon(backend: str | Backend | None = None, as_strings: bool = False):
    """The watermelon data set 2.0 as (X, y).

    Parameters
    ----------
    backend : str or Backend, optional
        Where to place the coded arrays (default: ``SCRATCH_BACKEND`` or numpy).
    as_strings : bool
        Return the values as host NumPy string arrays instead of codes.

    Returns
    -------
    X : array, shape (17, 6)
        Category codes 0, 1, 2 (the index into ``CATEGORIES[j]``) in the backend's
        default float, or strings with ``as_strings``.
    y : array, shape (17,)
        1 = ripe, 0 = not (int64), or "yes"/"no" with ``as_strings``.
    """
    table = np.array(ROWS)
    if as_strings:
        return table[:, :6], table[:, 6]
    codes = np.array(
        [[CATEGORIES[j].index(v) for j, v in enumerate(row[:6])] for row in ROWS], dtype=float
    )
    y = np.array([TARGET_NAMES.index(row[6]) for row in ROWS], dtype=np.int64)
    bk = backend if isinstance(backend, Backend) else _backend.get(backend)
    return bk.asarray(codes, dtype=bk.float), bk.asarray(y, dtype=bk.xp.int64)
