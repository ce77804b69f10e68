"""Kubernetes `resource.Quantity`: the canonical strings the API prints, and parsing of what users write."""

import functools
from decimal import ROUND_CEILING, Decimal, InvalidOperation

_DECIMAL_SUFFIXES = {-9: "n", -6: "u", -3: "m", 0: "", 3: "k", 6: "M", 9: "G", 12: "T", 15: "P", 18: "E"}
_BINARY_SUFFIXES = ("", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei")
_PARSE_SUFFIXES = {
    "Ki": Decimal(2**10),
    "Mi": Decimal(2**20),
    "Gi": Decimal(2**30),
    "Ti": Decimal(2**40),
    "Pi": Decimal(2**50),
    "Ei": Decimal(2**60),
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}


class QuantityError(ValueError):
    """A string that is not a Kubernetes quantity."""


def _decimal_si(mantissa: int, exponent: int) -> str:
    """Canonical DecimalSI form of mantissa × 10^exponent: no fraction, largest suffix, exponent a multiple of 3."""
    if mantissa == 0:
        return "0"
    while mantissa % 10 == 0 and exponent < 18:
        mantissa //= 10
        exponent += 1
    while exponent % 3 != 0:
        mantissa *= 10
        exponent -= 1
    return f"{mantissa}{_DECIMAL_SUFFIXES[exponent]}"


@functools.lru_cache(maxsize=65536)  # rendering every pod of a large list is mostly the same few values
def format_cpu(nanocores: int) -> str:
    """CPU as the API serves it, e.g. 123456789 -> '123456789n', 250000000 -> '250m', 1000000000 -> '1'."""
    return _decimal_si(nanocores, -9)


@functools.lru_cache(maxsize=65536)
def format_memory(num_bytes: int) -> str:
    """Memory as the API serves it (BinarySI), e.g. 1616273408 -> '1578392Ki'; below 1024 it is DecimalSI."""
    if abs(num_bytes) < 1024:
        return _decimal_si(num_bytes, 0)
    power = 0
    while power < len(_BINARY_SUFFIXES) - 1 and num_bytes % 1024 == 0:
        num_bytes //= 1024
        power += 1
    return f"{num_bytes}{_BINARY_SUFFIXES[power]}"


def format_milli(milli: int, binary: bool = False) -> str:
    """A milli-value as Kubernetes prints NewMilliQuantity: DecimalSI, or BinarySI when whole bytes allow it."""
    if binary and milli % 1000 == 0:
        return format_memory(milli // 1000)
    return _decimal_si(milli, -3)


def to_milli(text: str) -> int:
    """Quantity.MilliValue(): the value in thousandths, rounded up."""
    return int((parse(text) * 1000).to_integral_value(ROUND_CEILING))


def parse(text: str) -> Decimal:
    """The exact value of a quantity such as '250m', '64Mi', '1.5', '2e3'."""
    number, suffix = _split(text.strip())
    try:
        value = Decimal(number)
    except InvalidOperation:
        raise QuantityError(f"quantity {text!r}: {number!r} is not a number") from None
    if not value.is_finite():
        raise QuantityError(f"quantity {text!r} is not finite")
    if suffix in _PARSE_SUFFIXES:
        return value * _PARSE_SUFFIXES[suffix]
    return value * Decimal(10) ** int(suffix[1:])  # a decimal exponent such as e3 or E-3


def _split(text: str) -> tuple[str, str]:
    """Split a quantity into its number and its suffix."""
    for index, char in enumerate(text):
        if char in "eE" and index > 0 and _is_exponent(text[index + 1 :]):
            return text[:index], text[index:]
        if not (char.isdigit() or char in "+-."):
            suffix = text[index:]
            if suffix not in _PARSE_SUFFIXES:
                raise QuantityError(f"quantity {text!r}: unknown suffix {suffix!r}")
            return text[:index], suffix
    if not text:
        raise QuantityError("quantity is empty")
    return text, ""


def _is_exponent(digits: str) -> bool:
    """True for the part after 'e' in '2e3' or '2e-3'."""
    return digits.lstrip("+-").isdigit()


def to_nanocores(text: str) -> int:
    """CPU quantity in whole nanocores, rounded up as Kubernetes rounds to nano precision."""
    return int((parse(text) * Decimal("1e9")).to_integral_value(ROUND_CEILING))


def to_bytes(text: str) -> int:
    """Memory quantity in whole bytes, rounded up."""
    return int(parse(text).to_integral_value(ROUND_CEILING))
