"""Deterministic pseudo-random noise: stable seeds from names, and a cheap uniform value per (seed, sample index).

Seeds come from BLAKE2 rather than `hash()`, which Python salts per process: start-time fractions and grid phases
must not change when the simulator restarts, or the pipeline would see every container restart with it.
"""

import hashlib

_MASK = (1 << 64) - 1


def seed(*parts: str) -> int:
    """A stable 64-bit seed for a tuple of names."""
    return int.from_bytes(hashlib.blake2b("\0".join(parts).encode(), digest_size=8).digest(), "little")


def unit(seed_value: int, index: int) -> float:
    """A value in [-1, 1) that depends only on the seed and the index (splitmix64 finaliser)."""
    x = (seed_value + index * 0x9E3779B97F4A7C15) & _MASK
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & _MASK
    x ^= x >> 31
    return x / 2**63 - 1.0


def fraction(seed_value: int, modulus: int) -> int:
    """A stable integer in [0, modulus), e.g. a sub-second start-time fraction in ns."""
    return seed_value % modulus
