"""The desk's refusals of a choice, a long note or a bad id read in the page's language."""

import pytest

from smartgate.operations.schemas import InspectionIn
from smartgate.shared.errors import ValidationFailed
from smartgate.web.i18n import translator
from smartgate.web.pages import attempt_status, parsed_uuid


def _worded(errors, lang):
    return {field: why.worded(translator(lang)) for field, why in errors.items()}


def test_a_choice_and_a_long_note_are_refused_by_field_in_each_language():
    data = {"agency": "police", "outcome": "maybe", "note": "x" * 1000}
    made, errors, status = attempt_status(lambda: InspectionIn.model_validate(data))
    assert made is None and status == 422
    limit = InspectionIn.model_fields["note"].metadata[0].max_length
    assert _worded(errors, "en") == {
        "agency": "must be one of customs, border_guard, quarantine",
        "outcome": "must be one of pass, hold, fail",
        "note": f"must be at most {limit} characters",
    }
    vi, zh = _worded(errors, "vi"), _worded(errors, "zh")
    assert vi["outcome"] == "phải là một trong: pass, hold, fail"
    assert zh["note"] == f"不能超过 {limit} 个字符"


@pytest.mark.parametrize("text", ["", "not-an-id", "12345"])
def test_a_bad_id_names_its_field(text):
    with pytest.raises(ValidationFailed) as refused:
        parsed_uuid(text, "declaration_id")
    (error,) = refused.value.errors
    assert error.field == "declaration_id"
    assert error.message.worded(translator("vi")) == "không phải mã hợp lệ"
