from pathlib import Path

import pytest

from crpv.programme.parsing import parse_file

SEED = Path(__file__).resolve().parents[2].parent / "shared" / "seeds" / "programme-2025-irev.txt"


@pytest.fixture(scope="session")
def seed_bytes():
    if not SEED.exists():
        pytest.fail(f"programme seed missing: {SEED} (../shared/ must sit beside the repository)")
    return SEED.read_bytes()


@pytest.fixture(scope="session")
def seed(seed_bytes):
    return parse_file(SEED.name, seed_bytes)
