"""Pass codes are one case, so any spelling of a code finds it and no two differ by case."""

import random
import string

from hypothesis import given
from hypothesis import strategies as st

from smartgate.queue.model import PASS_ALPHABET, PASS_LENGTH, new_pass_code, pass_key


def test_codes_use_one_case_and_no_letters_people_misread():
    draw = random.Random(15).choice
    codes = [new_pass_code(draw) for _ in range(2_000)]
    assert all(len(code) == PASS_LENGTH and set(code) <= set(PASS_ALPHABET) for code in codes)
    assert not set("ILOU") & set(PASS_ALPHABET) and PASS_ALPHABET.upper() == PASS_ALPHABET
    assert len({code.casefold() for code in codes}) == len(codes)


@given(st.text(alphabet=PASS_ALPHABET, min_size=PASS_LENGTH, max_size=PASS_LENGTH), st.data())
def test_every_spelling_of_a_code_has_its_key(code, data):
    flips = data.draw(st.lists(st.booleans(), min_size=len(code), max_size=len(code)))
    typed = "".join(c.lower() if flip else c for c, flip in zip(code, flips, strict=True))
    assert pass_key(f" {typed}\t") == code


@given(st.text(alphabet=string.ascii_letters + string.digits + "-_", max_size=32))
def test_an_older_mixed_case_code_keys_to_its_upper_case(code):
    # Codes issued before were token_urlsafe; the migration stored them upper case.
    assert pass_key(code) == code.upper()
    assert pass_key(code.swapcase()) == pass_key(code)


def test_only_ascii_letters_change_case():
    assert pass_key("straße") == "STRAßE"  # str.upper() would make it STRASSE
