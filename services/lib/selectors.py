"""Kubernetes label and field selectors: the full grammar, parsed once, matched many times.

Label selectors: `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k>1`, `k<1`, joined by commas.
Field selectors: `f=v`, `f==v`, `f!=v`, joined by commas, with `\\` escaping `,`, `=`, `!` and `\\` in values.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass

_NAME = r"[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?"
_KEY = re.compile(rf"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?{_NAME}$")
_VALUE = re.compile(rf"^({_NAME})?$")
_SET = re.compile(r"^\s*(\S+?)\s+(in|notin)\s*\((.*)\)\s*$")
_BINARY = re.compile(r"^\s*([^!=<>\s]+)\s*(==|=|!=|>|<)\s*(.*?)\s*$")
_EXISTS = re.compile(r"^\s*(!?)\s*([^!=<>\s()]+)\s*$")


class SelectorError(ValueError):
    """A selector that does not parse; the message says which part and why."""


@dataclass(frozen=True)
class Requirement:
    """One label requirement."""

    key: str
    operator: str  # one of: exists, !exists, =, !=, in, notin, >, <
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether a set of labels satisfies this requirement."""
        value = labels.get(self.key)
        match self.operator:
            case "exists":
                return value is not None
            case "!exists":
                return value is None
            case "=" | "in":
                return value in self.values
            case "!=" | "notin":
                return value not in self.values
            case _:
                return _compare(value, self.operator, next(iter(self.values)))


def _compare(value: str | None, operator: str, bound: str) -> bool:
    try:
        number = int(value) if value is not None else None
    except ValueError:
        return False
    return number is not None and (number > int(bound) if operator == ">" else number < int(bound))


@dataclass(frozen=True)
class LabelSelector:
    """A parsed label selector; the empty selector matches everything."""

    requirements: tuple[Requirement, ...] = ()

    def matches(self, labels: Mapping[str, str]) -> bool:
        """Whether every requirement holds."""
        return all(requirement.matches(labels) for requirement in self.requirements)

    def __and__(self, other: "LabelSelector") -> "LabelSelector":
        return LabelSelector(self.requirements + other.requirements)

    def equalities(self) -> dict[str, str]:
        """The key=value requirements, which an index can use to narrow candidates."""
        return {r.key: next(iter(r.values)) for r in self.requirements if r.operator == "=" and len(r.values) == 1}


def parse_labels(text: str) -> LabelSelector:
    """Parse a label selector such as `app=web,tier in (a,b),!canary`."""
    if not text.strip():
        return LabelSelector()
    return LabelSelector(tuple(_requirement(part) for part in _split_top_level(text)))


def _split_top_level(text: str) -> list[str]:
    """Split on commas outside parentheses."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current)
            current = ""
        else:
            current += char
    if depth != 0:
        raise SelectorError(f"unable to parse requirement: unbalanced parentheses in {text!r}")
    return [*parts, current]


def _requirement(part: str) -> Requirement:
    if match := _SET.match(part):
        key, operator, inner = match.groups()
        values = [value.strip() for value in inner.split(",")]
        return _checked(key, operator, values, part)
    if match := _BINARY.match(part):
        key, operator, value = match.groups()
        return _checked(key, "=" if operator == "==" else operator, [value], part)
    if match := _EXISTS.match(part):
        negated, key = match.groups()
        return _checked(key, "!exists" if negated else "exists", [], part)
    raise SelectorError(f"unable to parse requirement: {part.strip()!r} is not a valid label requirement")


def _checked(key: str, operator: str, values: list[str], part: str) -> Requirement:
    if not _KEY.match(key) or len(key.rpartition("/")[2]) > 63:
        raise SelectorError(f"unable to parse requirement: invalid label key {key!r} in {part.strip()!r}")
    for value in values:
        if operator in (">", "<"):
            if not re.fullmatch(r"-?\d+", value):
                raise SelectorError(f"unable to parse requirement: for '{operator}', {value!r} must be an integer")
        elif len(value) > 63 or not _VALUE.match(value):
            raise SelectorError(f"unable to parse requirement: invalid label value {value!r} in {part.strip()!r}")
    if operator in ("in", "notin") and not any(values):
        raise SelectorError(f"unable to parse requirement: {part.strip()!r} needs at least one value")
    return Requirement(key, operator, frozenset(values))


@dataclass(frozen=True)
class FieldSelector:
    """A parsed field selector: (field, operator, value) terms, all of which must hold."""

    terms: tuple[tuple[str, str, str], ...] = ()

    def fields(self) -> set[str]:
        """The field names the selector uses."""
        return {field for field, _, _ in self.terms}

    def matches(self, values: Mapping[str, str]) -> bool:
        """Whether every term holds for an object whose field values are given; absent fields are empty."""
        return all((values.get(field, "") == value) == (operator == "=") for field, operator, value in self.terms)

    def value(self, field: str) -> str | None:
        """The value an equality term requires of `field`, if any."""
        return next((value for name, operator, value in self.terms if name == field and operator == "="), None)


def parse_fields(text: str) -> FieldSelector:
    """Parse a field selector such as `metadata.name=web,status.phase!=Failed`."""
    terms = []
    for part in _split_escaped(text):
        if not part:
            continue
        match = re.match(r"^(.*?)(==|!=|=)(.*)$", part.replace("\\=", "\0").replace("\\!", "\1"))
        if not match or not match.group(1).strip():
            raise SelectorError(f"invalid selector: {part!r}; can't understand {part!r}")
        field, operator, value = (g.replace("\0", "=").replace("\1", "!") for g in match.groups())
        terms.append((field.strip(), "!=" if operator == "!=" else "=", _unescape(value)))
    return FieldSelector(tuple(terms))


def _unescape(value: str) -> str:
    """Drop the backslash before each escaped character."""
    return re.sub(r"\\(.)", r"\1", value)


def _split_escaped(text: str) -> list[str]:
    """Split on commas not preceded by a backslash."""
    parts, current, escaped = [], "", False
    for char in text:
        if char == "," and not escaped:
            parts.append(current)
            current = ""
            continue
        current += char
        escaped = char == "\\" and not escaped
    return [*parts, current]
