"""Properties of Kubernetes quantities and label selectors, checked on many generated cases (hypothesis)."""

import contextlib
import math
import string
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from services.lib import quantity, selectors

NANOCORES = st.integers(min_value=0, max_value=10**21)
BYTES = st.integers(min_value=0, max_value=2**62)


@given(NANOCORES)
def test_cpu_round_trips_through_its_canonical_string(nanocores: int) -> None:
    text = quantity.format_cpu(nanocores)
    assert quantity.to_nanocores(text) == nanocores
    assert quantity.format_cpu(quantity.to_nanocores(text)) == text


@given(NANOCORES)
def test_cpu_uses_the_largest_suffix_that_keeps_an_integer(nanocores: int) -> None:
    text = quantity.format_cpu(nanocores)
    digits = text.rstrip("numkMGTPE")
    assert digits.isdigit() and (digits == "0" or not digits.startswith("0"))
    if text[-1:] != "E" and nanocores:
        assert int(digits) % 1000 != 0


@given(BYTES)
def test_memory_round_trips_through_its_canonical_string(num_bytes: int) -> None:
    text = quantity.format_memory(num_bytes)
    assert quantity.to_bytes(text) == num_bytes


@given(BYTES)
def test_memory_uses_the_largest_binary_suffix_that_keeps_an_integer(num_bytes: int) -> None:
    text = quantity.format_memory(num_bytes)
    if num_bytes < 1024:
        assert text == quantity.format_cpu(num_bytes * 10**9)  # below 1024 it is printed as a decimal quantity
    elif text.endswith("i"):
        assert text[-2:] == "Ei" or int(text[:-2]) % 1024 != 0
    else:
        assert num_bytes % 1024 != 0 and text == str(num_bytes)


@given(
    st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False, allow_infinity=False),
    st.sampled_from(["n", "u", "m", "", "k", "M", "G", "Ki", "Mi", "Gi"]),
)
def test_a_written_quantity_parses_to_its_exact_value_rounded_up_to_nano(number: Decimal, suffix: str) -> None:
    factor = {
        "n": Decimal("1e-9"),
        "u": Decimal("1e-6"),
        "m": Decimal("1e-3"),
        "": Decimal(1),
        "k": Decimal(1000),
        "M": Decimal(10**6),
        "G": Decimal(10**9),
        "Ki": Decimal(1024),
        "Mi": Decimal(2**20),
        "Gi": Decimal(2**30),
    }[suffix]
    assert quantity.to_nanocores(f"{number}{suffix}") == math.ceil(number * factor * Decimal(10**9))


@given(st.text(max_size=12))
def test_parsing_any_text_either_gives_a_value_or_a_quantity_error(text: str) -> None:
    with contextlib.suppress(quantity.QuantityError):
        quantity.parse(text)


NAME = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=8)
VALUE = st.one_of(st.just(""), NAME)
LABELS = st.dictionaries(st.sampled_from(["app", "tier", "env", "example.com/team"]), NAME, max_size=4)
REQUIREMENT = st.one_of(
    st.tuples(st.sampled_from(["app", "tier", "env", "example.com/team"]), st.sampled_from(["=", "==", "!="]), VALUE),
    st.tuples(
        st.sampled_from(["app", "tier", "env"]),
        st.sampled_from(["in", "notin"]),
        st.lists(NAME, min_size=1, max_size=3),
    ),
    st.tuples(st.sampled_from(["app", "tier", "env"]), st.sampled_from(["exists", "!exists"]), st.none()),
)


def render(requirement: tuple[str, str, object]) -> str:
    key, operator, value = requirement
    if operator in ("in", "notin"):
        assert isinstance(value, list)
        return f"{key} {operator} ({', '.join(value)})"
    if operator == "exists":
        return key
    if operator == "!exists":
        return f"!{key}"
    return f"{key}{operator}{value}"


def holds(requirement: tuple[str, str, object], labels: dict[str, str]) -> bool:
    key, operator, value = requirement
    present, values = key in labels, value if isinstance(value, list) else []
    return {
        "=": present and labels[key] == value,
        "==": present and labels[key] == value,
        "!=": not present or labels[key] != value,
        "in": present and labels[key] in values,
        "notin": not present or labels[key] not in values,
        "exists": present,
        "!exists": not present,
    }[operator]


@given(st.lists(REQUIREMENT, max_size=4), LABELS, st.sampled_from([",", ", ", " ,"]))
@settings(max_examples=300)
def test_a_selector_matches_exactly_when_every_requirement_holds(
    requirements: list[tuple[str, str, object]], labels: dict[str, str], separator: str
) -> None:
    selector = selectors.parse_labels(separator.join(render(r) for r in requirements))
    assert selector.matches(labels) == all(holds(r, labels) for r in requirements)


@given(st.text(alphabet=string.printable, max_size=30))
def test_parsing_any_selector_text_gives_a_selector_or_a_selector_error(text: str) -> None:
    with contextlib.suppress(selectors.SelectorError):
        selectors.parse_labels(text)
    with contextlib.suppress(selectors.SelectorError):
        selectors.parse_fields(text)
