"""The NASA airfoil self-noise data set, hash-checked before it is used.

The file comes from the book's public mirror, through ``pooch`` (cached in the user's cache
folder), or, for offline use, from the folder named by the environment variable
``D2L_OPT_DATA_DIR``. Either way its SHA-1 must match :data:`AIRFOIL_SHA1`: a missing,
truncated or altered file is refused, never used.
"""
from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import NamedTuple

import numpy as np
import torch
from torch import Tensor

from ._validate import check_integer

__all__ = ["AIRFOIL_URL", "AIRFOIL_SHA1", "AIRFOIL_FILE", "Airfoil", "airfoil_path",
           "load_airfoil", "DATA_DIR_VARIABLE"]

AIRFOIL_FILE = "airfoil_self_noise.dat"
AIRFOIL_URL = "http://d2l-data.s3-accelerate.amazonaws.com/airfoil_self_noise.dat"
AIRFOIL_SHA1 = "76e5be1548fd8222e5074cf0faae75edff8cf93f"
AIRFOIL_SHAPE = (1503, 6)
DATA_DIR_VARIABLE = "D2L_OPT_DATA_DIR"


class Airfoil(NamedTuple):
    """Whitened airfoil data: ``features`` of shape ``(n, 5)``, ``targets`` of shape ``(n, 1)``."""

    features: Tensor
    targets: Tensor


def _sha1(path: Path) -> str:
    return hashlib.sha1(path.read_bytes()).hexdigest()


def _check(path: Path, how_to_fix: str) -> Path:
    digest = _sha1(path)
    if digest != AIRFOIL_SHA1:
        raise ValueError(f"{path} is not the airfoil data set: its SHA-1 is {digest}, expected "
                         f"{AIRFOIL_SHA1} (the file is truncated or altered). {how_to_fix}")
    return path


def airfoil_path() -> Path:
    """The path of a verified copy of the data file, downloading it if needed.

    With ``D2L_OPT_DATA_DIR`` set, the file must be in that folder; nothing is downloaded.
    """
    folder = os.environ.get(DATA_DIR_VARIABLE)
    if folder:
        path = Path(folder).expanduser() / AIRFOIL_FILE
        if not path.is_file():
            raise FileNotFoundError(
                f"{DATA_DIR_VARIABLE}={folder!r} holds no {AIRFOIL_FILE}. Put the file there "
                f"(download it from {AIRFOIL_URL}), or unset {DATA_DIR_VARIABLE} to let the "
                "book download it.")
        return _check(path, f"Replace it with a fresh copy from {AIRFOIL_URL}.")
    import pooch

    cache = Path(pooch.os_cache("d2l_opt"))
    try:
        fetched = pooch.retrieve(AIRFOIL_URL, known_hash=f"sha1:{AIRFOIL_SHA1}",
                                 fname=AIRFOIL_FILE, path=cache, progressbar=False)
    except ValueError as error:  # pooch's hash mismatch
        raise ValueError(f"The downloaded {AIRFOIL_FILE} failed its SHA-1 check ({error}). "
                         f"Download it by hand into a folder and set {DATA_DIR_VARIABLE} "
                         "to that folder.") from error
    except Exception as error:
        raise OSError(f"Could not download {AIRFOIL_URL} ({error}). Offline, put "
                      f"{AIRFOIL_FILE} in a folder and set {DATA_DIR_VARIABLE} to it.") from error
    return _check(Path(fetched), f"Delete {fetched} and run again to download it anew.")


def load_airfoil(n: int = 1500) -> Airfoil:
    """The first ``n`` examples of the airfoil data, every column whitened.

    Each of the six columns is shifted to mean 0 and scaled to variance 1 (over all 1503
    rows); the first five are the features, the last (sound pressure) the target.

    Args:
        n: how many examples to keep, 1 to 1503.
    Returns:
        :class:`Airfoil` with float32 ``features`` ``(n, 5)`` and ``targets`` ``(n, 1)``.

    Example: ``X, y = load_airfoil()``; ``X.shape`` is ``(1500, 5)``. Chapter: minibatch SGD.
    """
    check_integer("n", n, 1, AIRFOIL_SHAPE[0])
    path = airfoil_path()
    table = np.loadtxt(path, dtype=np.float64, delimiter="\t")
    if table.shape != AIRFOIL_SHAPE:  # unreachable with a verified file; guards edits above
        raise ValueError(f"{path} has shape {table.shape}, expected {AIRFOIL_SHAPE}")
    table = (table - table.mean(axis=0)) / table.std(axis=0)
    data = torch.from_numpy(table[:n].astype(np.float32))
    return Airfoil(data[:, :-1].contiguous(), data[:, -1:].contiguous())
