"""A form's refusal of a number, a choice or a missing value reads in the page's language."""

from smartgate.policy.schemas import CapacityIn
from smartgate.simulation.schemas import PlanIn
from smartgate.web.i18n import translator
from smartgate.web.pages import attempt


def _refusals(schema, data):
    made, errors = attempt(lambda: schema.model_validate(data))
    assert made is None
    return {field: why.worded(translator("vi")) for field, why in errors.items()}, {
        field: why.worded(translator("zh")) for field, why in errors.items()
    }


def test_bounds_and_whole_numbers_are_worded_for_the_reader():
    vi, zh = _refusals(PlanIn, {"backlog_hours": 1000, "capacity": -1, "hours": "x"})
    assert vi == {"backlog_hours": "tối đa là 720", "capacity": "tối thiểu là 0",
                  "hours": "phải là số nguyên"}  # fmt: skip
    assert zh["backlog_hours"] == "不能大于 720"


def test_a_missing_field_is_worded_and_nothing_is_english():
    vi, _ = _refusals(CapacityIn, {"direction": "export", "from_hour": 7, "to_hour": 19})
    assert vi["trucks_per_hour"] == "bắt buộc"
    assert not [text for text in vi.values() if "Input should" in text or "Field required" in text]
