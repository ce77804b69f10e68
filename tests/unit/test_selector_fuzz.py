"""The label and field selector parsers under generated input: whatever a client puts in `labelSelector` or
`fieldSelector`, parsing gives a selector that can be matched, or SelectorError, which the api answers with a 400
BadRequest Status. `./just fuzz` runs many more cases than `./just test` (FLOWMETER_FUZZ_EXAMPLES)."""

from hypothesis import given
from hypothesis import strategies as st

from services.lib import selectors
from tests.unit.test_parser_fuzz import FUZZ

# Pieces selectors are made of, so generated text reaches the grammar's deep paths often.
TOKENS = st.sampled_from([
    "app", "tier", "k8s.io/name", "a-b_c.d", "metadata.name", "metadata.namespace", "spec.nodeName", "=", "==", "!=",
    "!", "in", "notin", " in ", " notin ", "(", ")", ",", " ", "\\", "\\,", "\\=", ">", "<", "1", "-1", "10", "web",
    "", "é", "\x00", "x" * 64, "exists",
])  # fmt: skip
LABELS = st.dictionaries(st.sampled_from(["app", "tier", "k8s.io/name", "x"]), st.sampled_from(["web", "1", "10", ""]))
FIELDS = st.dictionaries(st.sampled_from(["metadata.name", "metadata.namespace"]), st.sampled_from(["web", "", "a,b"]))
SELECTOR_TEXT = st.one_of(st.text(), st.lists(TOKENS, max_size=16).map("".join))


@FUZZ
@given(SELECTOR_TEXT, LABELS)
def test_any_label_selector_parses_and_matches_or_is_a_selector_error(text: str, labels: dict[str, str]) -> None:
    try:
        selector = selectors.parse_labels(text)
    except selectors.SelectorError as error:
        assert str(error).startswith("unable to parse requirement")
        return
    assert selector.matches(labels) in (True, False)
    assert isinstance(selector.equalities(), dict)


@FUZZ
@given(SELECTOR_TEXT, FIELDS)
def test_any_field_selector_parses_and_matches_or_is_a_selector_error(text: str, values: dict[str, str]) -> None:
    try:
        selector = selectors.parse_fields(text)
    except selectors.SelectorError as error:
        assert str(error).startswith("invalid selector")
        return
    assert selector.matches(values) in (True, False)
    assert all(field for field in selector.fields())
