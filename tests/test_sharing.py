"""A classroom shares one server: saving a model into the list every session sees is for whoever runs
it (VAE_TEACHER_KEY), never under a shipped model's name, and within a count and a size limit. Everyone
can still download their model and upload it again in their own session."""

from __future__ import annotations

import hashlib

import pytest

import vae_core as vc
from server import sharing, training
from tests.support.apptest import app
from ui.state import Key

TEACHER_KEY = "correct horse battery staple"


@pytest.fixture(scope="module")
def finished_job() -> training.TrainingJob:
    """A real run of the Train page's job, brief: a small model on 200 digits, one epoch."""
    images, test_images = vc.load_dataset("mnist", True)[0][:200], vc.load_dataset("mnist", False)[0][:200]
    config = vc.VAEConfig(latent_dim=2, hidden=32, conv_channels=(4, 8))
    job = training.TrainingJob(config, vc.TrainConfig(epochs=1, batch_size=100), images, test_images)
    job._thread.join(timeout=120)
    assert job.result is not None, job.error
    return job


@pytest.fixture
def shared(tmp_path, monkeypatch):
    """An empty shared folder of this test's own, and a server started without any sharing setting."""
    monkeypatch.setenv(sharing.SHARED_DIR_SETTING, str(tmp_path))
    for setting in (sharing.TEACHER_KEY_SETTING, sharing.SHARED_MODELS_SETTING, sharing.SHARED_MB_SETTING):
        monkeypatch.delenv(setting, raising=False)
    return tmp_path


def finished_page(job: training.TrainingJob):
    """The Train page of a session whose run has finished."""
    at = app("train.py")
    job.kept = False
    at.session_state[Key.TRAINING_JOB] = job
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def save(at, name: str, key: str = TEACHER_KEY):
    at.text_input(key=Key.T_SAVE_NAME).set_value(name)
    at.text_input(key=Key.T_TEACHER_KEY).set_value(key)
    at.button(key=Key.T_SAVE).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_without_a_teacher_key_nobody_can_save_for_everyone_but_download_stays(shared, finished_job):
    at = finished_page(finished_job)
    assert not any(b.label == "Save for everyone" for b in at.button)
    assert not any(t.key == Key.T_TEACHER_KEY for t in at.text_input)
    assert any(b.label == "Download checkpoint (.safetensors)" for b in at.get("download_button"))
    with pytest.raises(sharing.SaveRefused, match="started without VAE_TEACHER_KEY"):
        sharing.save_shared(finished_job.result.model, "sneaky", "")
    assert list(shared.iterdir()) == []


def test_a_wrong_key_or_a_shipped_name_is_refused_with_a_message(shared, finished_job, monkeypatch):
    monkeypatch.setenv(sharing.TEACHER_KEY_SETTING, TEACHER_KEY)
    shipped = sharing.CHECKPOINT_DIR / f"{sharing.DEFAULT_CHECKPOINT}.safetensors"
    before = hashlib.sha256(shipped.read_bytes()).hexdigest()
    at = save(finished_page(finished_job), "mine", key="a guess")
    assert any("not this server's teacher key" in e.value for e in at.error)
    at = save(at, sharing.DEFAULT_CHECKPOINT)
    assert any(f"{sharing.DEFAULT_CHECKPOINT} is a model the app ships with" in e.value for e in at.error)
    assert list(shared.iterdir()) == [] and hashlib.sha256(shipped.read_bytes()).hexdigest() == before
    # Nor can a file put in the shared folder by hand shadow a shipped model.
    (shared / shipped.name).write_bytes(vc.checkpoint_bytes(finished_job.result.model))
    assert sharing.shipped_checkpoints()[sharing.DEFAULT_CHECKPOINT] == shipped


def test_saves_beyond_the_count_or_the_size_limit_are_refused(shared, finished_job, monkeypatch):
    monkeypatch.setenv(sharing.TEACHER_KEY_SETTING, TEACHER_KEY)
    monkeypatch.setenv(sharing.SHARED_MODELS_SETTING, "1")
    at = save(finished_page(finished_job), "first")
    assert any("Saved first" in s.value for s in at.success)
    assert "first (shared)" in at.run().sidebar.selectbox(key=Key.MODEL).options  # drawn before the page
    assert "first (shared)" in app().sidebar.selectbox(key=Key.MODEL).options  # and in another session
    at = save(at, "second")
    assert any("the shared list holds 1 model, the most this server allows" in e.value for e in at.error)
    assert sorted(p.name for p in shared.iterdir()) == ["first.safetensors"]
    monkeypatch.setenv(sharing.SHARED_MODELS_SETTING, "5")
    monkeypatch.setenv(sharing.SHARED_MB_SETTING, "0")
    with pytest.raises(sharing.SaveRefused, match="more than the 0 MB"):
        sharing.save_shared(finished_job.result.model, "third", TEACHER_KEY)
