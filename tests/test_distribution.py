"""Answer shares per statement: favourable / neutral / unfavourable on the scored value, by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxassess._util.paths import DEMO_DIR
from cxassess.io.responses import responses_from_frame
from cxassess.questionnaire.model import questionnaire_from_dict
from cxassess.scoring.score import score, score_file

MINI = {
    "id": "mini", "scale": {"min": 1, "max": 5, "labels": {1: "a", 2: "b", 3: "c", 4: "d", 5: "e"}},
    "stages": [{"id": 1, "name": "Low", "min_score": 1}, {"id": 2, "name": "High", "min_score": 3}],
    "dimensions": [{"id": "d", "name": "D"}],
    "items": [{"id": "P", "dimension": "d", "text": "positive"},
              {"id": "N", "dimension": "d", "text": "negative", "reverse": True},
              {"id": "O", "outcome": True, "text": "outcome"}],
}


def _scores(min_group_size: int = 3):
    q = questionnaire_from_dict(MINI)
    frame = pd.DataFrame({
        "respondent_id": [f"R{i}" for i in range(6)],
        "team": ["x", "x", "x", "y", "y", "y"],
        "P": [1, 2, 3, 4, 5, 5],
        "N": [1, 1, 2, 4, "", ""],  # answered 1, 1, 2, 4 -> scored 5, 5, 4, 2
        "O": [3, 3, 4, "", "", ""],
    })
    return score(responses_from_frame(frame, q, on_error="skip"), q, group_by=["team"], min_group_size=min_group_size)


def test_shares_by_hand_with_reverse_items_flipped():
    dist = _scores().distribution
    assert dist.loc["P", ["favourable", "neutral", "unfavourable"]].tolist() == pytest.approx([3 / 6, 1 / 6, 2 / 6])
    # disagreeing with a negatively worded statement is favourable
    assert dist.loc["N", ["favourable", "neutral", "unfavourable"]].tolist() == pytest.approx([3 / 4, 0, 1 / 4])
    assert dist.loc["O", ["favourable", "neutral", "unfavourable"]].tolist() == pytest.approx([1 / 3, 2 / 3, 0])
    assert dist["n"].tolist() == [6, 4, 3]


def test_no_share_on_fewer_answers_than_the_minimum():
    dist = _scores(min_group_size=4).distribution
    assert np.isnan(dist.loc["O", "favourable"]) and dist.loc["N", "favourable"] == pytest.approx(0.75)


def test_group_shares_only_for_shown_groups_and_per_group_minimum():
    g = _scores().group_distribution.set_index(["group", "item"])
    assert g.loc[("x", "P"), "unfavourable"] == pytest.approx(2 / 3)
    assert g.loc[("y", "P"), "favourable"] == pytest.approx(1.0)
    # one answer to N in team y: no share for it (a NaN, or no row once complementary suppression hides it)
    assert ("y", "N") not in g.index or np.isnan(g.loc[("y", "N"), "favourable"])
    hidden = _scores(min_group_size=4).group_distribution  # teams of three: both hidden
    assert hidden.empty


def test_demo_distribution_in_scores_json():
    scores = score_file(DEMO_DIR / "acme-utilities.csv", group_by=["role"])
    data = scores.to_dict()["distribution"]
    assert set(data["items"]) == set(scores.questionnaire.item_ids)
    one = data["items"]["LEAD3"]
    assert one["favourable"] + one["neutral"] + one["unfavourable"] == pytest.approx(1.0)
    shown = [str(v) for v in scores.groups["role"].index[~scores.groups["role"]["suppressed"].astype(bool)]]
    assert set(data["groups"]["role"]) == set(shown)
