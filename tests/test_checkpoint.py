import json
import os
import pickle
from dataclasses import replace

import pytest
import torch
from safetensors.torch import save as save_tensors

from tests.support.files import HOSTILE_MARKER, ROOT, SHIPPED_2D, hostile_pickle
from vae_core import (
    VAE,
    CheckpointError,
    EpochRecord,
    Evaluation,
    Provenance,
    TrainConfig,
    TrainingStage,
    VAEConfig,
    checkpoint_bytes,
    load_checkpoint,
    save_checkpoint,
)
from vae_core.checkpoint import read_metadata

FIGURES = Evaluation(images=10, negative_elbo=150.0, reconstruction=140.0, kl=10.0, activity=(1.0, 0.5), active_units=2)


def test_round_trip_gives_identical_outputs(small_model, tmp_path):
    info = Provenance(
        command="python -m vae_core train --resume a.safetensors",
        train_seconds=12.5,
        resumed_from=(TrainingStage("python -m vae_core train", 30.0),),
        history=(EpochRecord(1.0, loss=160.0, reconstruction=150.0, kl=10.0, kl_per_dim=(6.0, 4.0)),),
        test=FIGURES,
    )
    path = save_checkpoint(small_model, tmp_path / "m.safetensors", TrainConfig(beta=0.5), info)
    loaded = load_checkpoint(path)
    assert loaded.config == small_model.config
    assert loaded.train_config.beta == 0.5 and loaded.info == info
    x, z = torch.rand(4, 1, 28, 28), torch.randn(4, 2)
    with torch.no_grad():
        assert torch.equal(loaded.decode(z), small_model.decode(z))
        assert torch.equal(loaded.encode(x)[0], small_model.encode(x)[0])
    assert not list(tmp_path.glob("*.tmp")), "temporary file left behind"


def test_the_hostile_payload_is_live():
    """The check below would prove nothing if the payload could not run: it can."""
    HOSTILE_MARKER.unlink(missing_ok=True)
    pickle.loads(hostile_pickle())
    assert HOSTILE_MARKER.exists()
    HOSTILE_MARKER.unlink()


@pytest.mark.parametrize("with_torch_save", [False, True])
def test_hostile_pickle_is_refused_without_running(tmp_path, with_torch_save):
    HOSTILE_MARKER.unlink(missing_ok=True)
    path = tmp_path / "evil.safetensors"
    path.write_bytes(hostile_pickle(with_torch_save))
    with pytest.raises(CheckpointError, match="pickle"):
        load_checkpoint(path)
    assert not HOSTILE_MARKER.exists()


def test_truncated_and_garbage_files_are_refused(small_model):
    data = checkpoint_bytes(small_model)
    for bad in (data[: len(data) // 2], data[:5], b"", os.urandom(4096)):
        with pytest.raises(CheckpointError):
            load_checkpoint(bad)


def test_checkpoint_of_another_shape_gives_a_clear_error():
    # Weights of a 2-D model under a header that claims latent size 3.
    weights = VAE(VAEConfig(latent_dim=2, hidden=64, conv_channels=(8, 16))).state_dict()
    header = read_metadata(checkpoint_bytes(VAE(VAEConfig(latent_dim=3, hidden=64, conv_channels=(8, 16)))))
    with pytest.raises(CheckpointError, match="shape"):
        load_checkpoint(save_tensors(dict(weights), metadata=header))


def test_foreign_safetensors_and_nan_weights_are_refused(small_model):
    with pytest.raises(CheckpointError, match="not a checkpoint of this project"):
        load_checkpoint(save_tensors({"w": torch.zeros(3)}))
    data = checkpoint_bytes(small_model)
    model = load_checkpoint(data)
    with torch.no_grad():
        model.decoder[0].weight[0, 0] = float("nan")
    with pytest.raises(CheckpointError, match="NaN"):
        load_checkpoint(checkpoint_bytes(model))


def test_atomic_write_keeps_the_old_file_when_writing_fails(small_model, tmp_path, monkeypatch):
    path = save_checkpoint(small_model, tmp_path / "m.safetensors")
    before = path.read_bytes()

    def fail(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError):
        save_checkpoint(small_model, path, TrainConfig(beta=3.0))
    assert path.read_bytes() == before
    assert not list(tmp_path.glob("*.tmp"))


def test_unknown_config_fields_are_refused():
    with pytest.raises(ValueError):
        VAEConfig.from_json('{"latent_dim": 2, "evil": 1}')


def test_a_stored_config_without_todays_fields_reads_back_as_it_was_trained():
    """The shipped mnist-2d and mnist-32d were trained before the fast path became the default; their
    stored train_config has no betas, warm-up or precision, and must not take today's defaults."""
    old = TrainConfig.from_json('{"epochs": 40, "learning_rate": 0.001, "lr_schedule": "cosine", "seed": 0}')
    assert (old.adam_betas, old.lr_warmup_epochs, old.precision) == ((0.9, 0.999), 0.0, "float32")
    assert TrainConfig.from_json("{}").learning_rate == 1e-3
    assert TrainConfig.from_json(TrainConfig().to_json()) == TrainConfig()  # a full config is read as written
    shipped = load_checkpoint(SHIPPED_2D).train_config
    assert (shipped.learning_rate, shipped.adam_betas, shipped.precision) == (1e-3, (0.9, 0.999), "float32")


def test_a_checkpoint_whose_header_length_starts_with_the_pickle_byte_loads(small_model):
    """A safetensors file begins with its header's length; one length in 256 has 0x80 as its first
    byte, the byte pickles begin with. Such a checkpoint once was refused as a pickle."""
    for n in range(256):  # the header's length grows by one with each character of the note
        data = checkpoint_bytes(small_model, TrainConfig(), Provenance(note="x" * n))
        if data[:1] == b"\x80":
            break
    assert data[:1] == b"\x80"
    assert load_checkpoint(data).info.note == "x" * n


@pytest.mark.parametrize("path", sorted((ROOT / "checkpoints").glob("*.safetensors")), ids=lambda p: p.stem)
def test_a_shipped_checkpoints_record_reads_back_as_it_is_stored(path):
    """The shipped files are not rewritten: their JSON reads as typed records and writes back the same,
    but for the empty activity of the two whose test figures predate it."""
    stored = json.loads(read_metadata(path.read_bytes())["info"])
    info = load_checkpoint(path).info
    assert info.command == stored["command"] and len(info.history) == len(stored["history"]) > 0
    assert info.test.negative_elbo == stored["test"]["negative_elbo"]
    assert info.as_dict() == stored | {"test": {"activity": []} | stored["test"]}


def test_a_record_with_a_malformed_field_is_refused_by_name_and_unknown_fields_are_kept(small_model):
    def with_info(info: dict) -> bytes:
        header = read_metadata(checkpoint_bytes(small_model))
        return save_tensors(dict(small_model.state_dict()), metadata=header | {"info": json.dumps(info)})

    for bad, field in (
        ({"history": [{"epoch": 1.0, "loss": "low"}]}, "loss"),
        ({"history": [{"epoch": 1.0, "loss": 1.0, "kl": 1.0}]}, "reconstruction"),
        ({"test": {"negative_elbo": 150.0}}, "test"),
        ({"world_size": "two"}, "world_size"),
        ([1, 2], "JSON object"),
    ):
        with pytest.raises(CheckpointError, match=field):
            load_checkpoint(with_info(bad))
    model = load_checkpoint(with_info({"note": "kept", "made_by": {"tool": "a newer version"}}))
    assert model.info.note == "kept" and model.info.extra == {"made_by": {"tool": "a newer version"}}
    assert load_checkpoint(checkpoint_bytes(model)).info == model.info  # nothing lost on saving again


def test_evaluating_again_keeps_the_figures_it_does_not_measure():
    """``vae evaluate --save`` without IWAE keeps the stored IWAE bound and the rest of the record."""
    old = Provenance(command="train", test=replace(FIGURES, iwae_k=5, iwae_images=10, iwae_nll=90.0))
    new = old.with_test(replace(FIGURES, negative_elbo=149.0))
    assert (new.test.negative_elbo, new.test.iwae_k, new.test.iwae_nll, new.command) == (149.0, 5, 90.0, "train")
