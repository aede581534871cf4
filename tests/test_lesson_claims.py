"""Every claim of every lesson holds on the shipped models, measured by the functions the pages draw
from: a lesson that says what its figures refute fails here, before a class hears it."""

from __future__ import annotations

import pytest

from ui import claims, lessons

LESSONS, _ = lessons.load_all()
CLAIMS = [
    pytest.param(claim, id=f"{lesson.name}:{n + 1}:{claim.measure}:{claim.model}")
    for lesson in LESSONS
    for n, step in enumerate(lesson.steps)
    for claim in step.claims
]


def test_the_default_lesson_states_its_measurable_sentences_as_claims():
    measured = {claim.measure for step in lessons.default().steps for claim in step.claims}
    # holes, active units, the path's ELBO, the anomaly AUROC and the samples' novelty are all checked
    assert {"hole_fraction", "active_units", "path_peak_step", "auroc", "sample_novelty"} <= measured


@pytest.mark.slow  # minutes: each claim measures the shipped models (the second CI stage, docs/testing.md)
@pytest.mark.parametrize("claim", CLAIMS)
def test_a_lesson_claim_holds_on_the_shipped_models(claim):
    verdict = claims.evaluate(claim)
    assert verdict.holds, str(verdict)


def test_a_claim_the_models_contradict_is_reported_with_its_figures(tmp_path):
    (tmp_path / "wrong.toml").write_text(
        """title = "A wrong lesson"
[[step]]
title = "The path"
page = "interpolation"
text = '''The 7 to 1 path is hardest in its middle.'''
[[step.claim]]
says = "the -ELBO is highest in the middle of the path"
measure = "path_peak_step"
model = "mnist-2d"
between = [4, 7]
[[step.claim]]
says = "it starts at the 7"
measure = "path_peak_step"
model = "mnist-2d"
equals = 1
"""
    )
    problems = lessons.check(tmp_path / "wrong.toml")
    assert len(problems) == 1, problems
    assert "the models contradict it: ✗ the -ELBO is highest in the middle of the path: 1 for mnist-2d" in problems[0]
    assert "'The path' (step 1)" in problems[0]


def test_a_claim_can_compare_two_models_and_says_both_figures():
    claim, problem = claims.parse(
        {"says": "beta 4 carries less", "measure": "kl", "model": "beta4-10d", "below": "beta1-10d"}
    )
    assert problem is None
    verdict = claims.evaluate(claim)
    assert verdict.holds and "for beta4-10d, below" in str(verdict) and "for beta1-10d" in str(verdict)
