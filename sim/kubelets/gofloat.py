"""Floats exactly as Prometheus' Go `expfmt` writes them: `strconv.FormatFloat(f, 'g', -1, 64)` with special cases.

Go's shortest 'g' form uses exponent notation when the decimal exponent is < -4 or >= 6 (`1.253376e+07`), plain
digits otherwise (`495616`, `357.35491`); expfmt writes 0 as `0`, 1 as `1`, NaN as `NaN` and infinities as `±Inf`.
Python's repr finds the same shortest digits, so only the layout differs: repr switches to exponents at 1e16.
"""

import math


def format_float(value: float) -> str:
    """The text expfmt writes for a sample value."""
    magnitude = abs(value)
    if 1e-4 <= magnitude < 1e6:
        text = repr(value)
        return text[:-2] if text.endswith(".0") else text
    if value == 0:
        return "0"
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    text = repr(value)
    # repr already uses exponents below 1e-4 and from 1e16 on, with Go's layout (`1e-05`, `1.5e+16`).
    return text if "e" in text else _exponent_form(text)


def _exponent_form(text: str) -> str:
    """'12533760.0' -> '1.253376e+07': repr's fixed form of a number in [1e6, 1e16) rewritten as Go's %e."""
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    digits = (whole + fraction).rstrip("0")
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e+{len(whole) - 1:02d}"


def format_integer(value: int) -> str:
    """format_float(float(value)) for an integral value below 2**53 (a byte count), without the float round trip."""
    if -1_000_000 < value < 1_000_000:
        return str(value)
    text = str(value)
    sign = "-" if value < 0 else ""
    whole = text.lstrip("-")
    digits = whole.rstrip("0")
    mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
    return f"{sign}{mantissa}e+{len(whole) - 1:02d}"
