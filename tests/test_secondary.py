"""Recycled feed (secondary.csv): a table a world cannot hold is refused with what is wrong."""

import pytest

from support.builders import refusal

HEADER = "country,mineral,stage,tonnes_pa,elasticity,source\n"


@pytest.mark.parametrize(
    ("text", "named"),
    [
        (HEADER + "CHN,lithium,refined,-5,0.4,assumption: x\n", "row 2: tonnes_pa must be 0"),
        (HEADER + "CHN,lithium,refined,5,9,assumption: x\n", "elasticity from 0 to 5"),
        (HEADER + "CHN,lithium,ore,5,0.4,assumption: x\n", "row 2: 'lithium/ore'"),
        (HEADER + "CHN,lithium,refined,5,0.4,\n", "row 2: source is empty"),
        (
            HEADER + "CHN,lithium,refined,5,0.4,assumption: x\nCHN,lithium,refined,6,0.2,y: z\n",
            "row 3: CHN lithium/refined is listed twice",
        ),
        (  # a digit too many: more than China uses, which would make its purchases negative
            HEADER + "CHN,lithium,refined,1e12,0.4,assumption: x\n",
            "recycled feed of CHN lithium/refined (1,000,000,000,000 t a year) is more than",
        ),
        ("country,mineral,stage,source\nCHN,lithium,refined,assumption: x\n", "columns must"),
    ],
)
def test_a_recycling_table_a_world_cannot_hold_is_refused_with_what_is_allowed(
    tmp_path, text, named
):
    message = refusal(tmp_path, "secondary.csv", text)
    assert "secondary.csv" in message and named in message
