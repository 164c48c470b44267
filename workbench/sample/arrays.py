"""Vectorised helpers of the sample generator: instants as microseconds since the epoch,
draws from cumulative weights, bijective ids, and numpy arrays turned into Arrow columns.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from workbench.sample.vocabulary import HOUR_W, P_CUM, PRODUCTS, cdf_of, utc
from workbench.store.schema import MONEY

SEC = 1_000_000
MIN = 60 * SEC
HOUR = 60 * MIN
DAY = 24 * HOUR
NEVER = np.iinfo(np.int64).max
_LOCAL = HOUR  # Polish local time is taken as UTC+1 for daily rhythms

TS = pa.timestamp("us", tz="UTC")

# --------------------------------------------------------------------------------------
# Vectorised helpers
# --------------------------------------------------------------------------------------

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def to_us(t: datetime) -> int:
    d = utc(t) - _EPOCH
    return (d.days * 86_400 + d.seconds) * SEC + d.microseconds


def draw(rng: np.random.Generator, cdf: np.ndarray, size: int) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, rng.random(size), side="right"), len(cdf) - 1)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: a bijection of uint64 that looks random."""
    z = x.astype(np.uint64) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def fixed(prefix: str, body: np.ndarray) -> pa.Array:
    """Strings ``prefix + row`` from an (n, w) matrix of ASCII codes."""
    n = body.shape[0]
    pre = np.frombuffer(prefix.encode(), dtype=np.uint8)
    chars = np.empty((n, len(pre) + body.shape[1]), dtype=np.uint8)
    chars[:, : len(pre)] = pre
    chars[:, len(pre) :] = body
    offsets = np.arange(n + 1, dtype=np.int32) * chars.shape[1]
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars))


_DIGITS4 = np.array([list(f"{i:04d}".encode()) for i in range(10_000)], dtype=np.uint8)


def digits(x: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers, as an (n, width) ASCII matrix."""
    blocks = -(-width // 4)
    x = x.astype(np.uint64)
    out = np.empty((len(x), 4 * blocks), dtype=np.uint8)
    for b in range(blocks - 1, -1, -1):  # four digits at a time, from the right
        q = x // np.uint64(10_000)
        out[:, 4 * b : 4 * b + 4] = _DIGITS4[x - q * np.uint64(10_000)]
        x = q
    return out[:, 4 * blocks - width :]


def hex(x: np.ndarray) -> np.ndarray:
    shifts = np.arange(60, -4, -4, dtype=np.uint64)
    return _HEX[(x.astype(np.uint64)[:, None] >> shifts) & np.uint64(15)]


def take_codes(vocab: pa.Array, codes: np.ndarray) -> pa.Array:
    codes = np.asarray(codes, dtype=np.int64)
    neg = codes < 0
    idx = pa.array(codes, mask=neg) if neg.any() else pa.array(codes)
    return vocab.take(idx)


def floats(x: np.ndarray) -> pa.Array:
    nan = np.isnan(x)
    return pa.array(x, type=pa.float64(), mask=nan if nan.any() else None)


def amounts(x: np.ndarray) -> pa.Array:
    """Amounts (already whole grosze) as the store's exact decimals."""
    return pc.cast(floats(x), MONEY.to_pyarrow(), safe=False)


def timestamps(x: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(x, dtype=np.int64), type=TS)


def join_columns(*parts) -> pa.Array:
    parts = [pa.scalar(p) if isinstance(p, str) else p for p in parts]
    return pc.binary_join_element_wise(*parts, "")


def ranks(keys: np.ndarray) -> np.ndarray:
    """Position of each row within its run of equal (sorted) keys."""
    if len(keys) == 0:
        return np.zeros(0, dtype=np.int64)
    new = np.r_[True, keys[1:] != keys[:-1]]
    starts = np.flatnonzero(new)
    return np.arange(len(keys)) - starts[np.cumsum(new) - 1]


def within(sizes: np.ndarray) -> np.ndarray:
    """Position inside each group for ``np.repeat(groups, sizes)``."""
    ends = np.cumsum(sizes)
    return np.arange(ends[-1] if len(ends) else 0) - np.repeat(ends - sizes, sizes)


def recent(rng: np.random.Generator, a: np.ndarray, b: np.ndarray, tau_days: float) -> np.ndarray:
    """Instants in [a, b] with a density growing as exp(t / tau) (busier recently)."""
    tau = tau_days * DAY
    span = np.maximum(b - a, 0).astype(float)
    u = rng.random(len(a))
    off = tau * np.log(u + (1.0 - u) * np.exp(-span / tau))
    return np.clip(b + np.round(off).astype(np.int64), a, b)


def diurnal(rng: np.random.Generator, t: np.ndarray, lo, hi, cdf: np.ndarray | None = None) -> np.ndarray:
    """Moves each instant to a local hour of the same day drawn from a daily rhythm."""
    n = len(t)
    hour = draw(rng, cdf_of(HOUR_W) if cdf is None else cdf, n)
    day = (t + _LOCAL) // DAY
    new = day * DAY - _LOCAL + hour * HOUR + rng.integers(0, HOUR, n)
    new = np.where(new > hi, new - DAY, new)
    return np.where((new < lo) | (new > hi), t, new)


def lognormal_us(rng: np.random.Generator, median_s: float, sigma: float, n: int, cap_s: float) -> np.ndarray:
    return (np.minimum(rng.lognormal(math.log(median_s), sigma, n), cap_s) * SEC).astype(np.int64)


def pick_product(rng: np.random.Generator, cat: np.ndarray) -> np.ndarray:
    idx = np.searchsorted(P_CUM, cat + rng.random(len(cat)), side="right")
    return np.minimum(idx, len(PRODUCTS) - 1)
