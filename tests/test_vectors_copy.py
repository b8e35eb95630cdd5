from pathlib import Path

import pytest

from tests.conftest import VECTORS

SHARED = Path(__file__).resolve().parents[2] / "shared" / "api" / "vectors"


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared is not beside this checkout")
def test_vectors_match_the_shared_reference() -> None:
    shared = sorted(p.name for p in SHARED.glob("*.json"))
    assert shared == sorted(p.name for p in VECTORS.glob("*.json"))
    for name in shared:
        assert (VECTORS / name).read_bytes() == (SHARED / name).read_bytes(), name
