"""The airfoil data: hash-checked, whitened, refused when damaged, read offline."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch

from d2l_opt import data


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    """A private copy of the verified data file, in a folder that tests may damage."""
    shutil.copy(data.airfoil_path(), tmp_path / data.AIRFOIL_FILE)
    monkeypatch.setenv("D2L_OPT_DATA_DIR", str(tmp_path))
    return tmp_path


def test_loads_whitened_float32(data_dir):
    features, targets = data.load_airfoil()
    assert features.shape == (1500, 5) and targets.shape == (1500, 1)
    assert features.dtype == targets.dtype == torch.float32
    # Whitened over all 1503 rows, so the first 1500 are close to mean 0, variance 1.
    assert features.mean(0).abs().max() < 0.01
    assert (features.std(0) - 1).abs().max() < 0.01
    assert data.load_airfoil(10).features.shape == (10, 5)


def test_truncated_file_is_refused(data_dir):
    path = data_dir / data.AIRFOIL_FILE
    path.write_bytes(path.read_bytes()[:-100])
    with pytest.raises(ValueError, match="SHA-1 .* expected 76e5be15.*Replace it"):
        data.load_airfoil()


def test_altered_file_is_refused(data_dir):
    path = data_dir / data.AIRFOIL_FILE
    content = bytearray(path.read_bytes())
    content[500] = ord("9") if content[500] != ord("9") else ord("8")
    path.write_bytes(bytes(content))
    with pytest.raises(ValueError, match="not the airfoil data set"):
        data.load_airfoil()


def test_missing_file_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("D2L_OPT_DATA_DIR", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="holds no airfoil_self_noise.dat.*download it"):
        data.load_airfoil()


@pytest.mark.parametrize("n", [0, 1504, 2.5, True])
def test_bad_n_is_named(data_dir, n):
    with pytest.raises(ValueError, match=f"n must be an integer from 1 to 1503, got {n!r}"):
        data.load_airfoil(n)


def test_download_path_is_hash_checked(tmp_path, monkeypatch):
    """Without D2L_OPT_DATA_DIR the file comes through pooch with the known SHA-1."""
    import pooch

    source = data.airfoil_path()
    seen = {}

    def fake_retrieve(url, known_hash, fname, path, progressbar):
        seen.update(url=url, known_hash=known_hash)
        target = Path(path) / fname
        Path(path).mkdir(parents=True, exist_ok=True)
        shutil.copy(source, target)
        return str(target)

    monkeypatch.delenv("D2L_OPT_DATA_DIR", raising=False)
    monkeypatch.setattr(pooch, "os_cache", lambda name: tmp_path / name)
    monkeypatch.setattr(pooch, "retrieve", fake_retrieve)
    assert data.load_airfoil().features.shape == (1500, 5)
    assert seen == {"url": data.AIRFOIL_URL, "known_hash": f"sha1:{data.AIRFOIL_SHA1}"}
