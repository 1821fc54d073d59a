"""The claims table: each claim's verdict follows the run's numbers, and "cannot tell" where
the feature spaces disagree, the top is a tie or the run did not train what a claim is about."""

from genbench.results.claims import CLAIMS, FAILS, HOLDS, UNKNOWN, markdown_claims


def row(model, **values):
    base = {"fid": 100.0, "fid_ae": 10.0, "fid_pca": 1.0, "train_seconds": 60.0, "sample_seconds_per_1000": 0.1,
            "label_accuracy": None, "stability": 0.5, "overall_distance": 0.5}
    return {"model": model, **base, **values}


PARAMS = {"models": {"wgan_gp": {"train": {"spectral_norm": False}}}}


def verdicts(rows, params=PARAMS):
    return [claim.check(rows, params)[0] for claim in CLAIMS]


def test_claims_that_hold():
    rows = [row("vae", stability=0.9), row("cgan", label_accuracy=0.9),
            row("ddpm", fid=50.0, fid_ae=5.0, fid_pca=0.5, train_seconds=600.0, sample_seconds_per_1000=9.0,
                label_accuracy=0.8),
            row("wgan_gp", overall_distance=0.9)]
    assert verdicts(rows, {"models": {"wgan_gp": {"train": {"spectral_norm": True}}}}) == [HOLDS] * 5


def test_claims_that_do_not_hold():
    rows = [row("vae", fid=50.0, fid_ae=5.0, fid_pca=0.5, stability=0.4, train_seconds=900.0),
            row("cgan", label_accuracy=0.5), row("ddpm", sample_seconds_per_1000=9.0, label_accuracy=0.8),
            row("gan", stability=0.9, overall_distance=0.9), row("wgan_gp")]
    assert verdicts(rows, {"models": {"wgan_gp": {"train": {"spectral_norm": True}}}}) == [FAILS] * 5


def test_cannot_tell_where_spaces_disagree_the_top_ties_or_the_run_lacks_the_setting():
    rows = [row("vae", fid=50.0), row("ddpm", fid_ae=5.0, fid_pca=0.5), row("cgan", label_accuracy=0.9),
            row("cdcgan", label_accuracy=0.9), row("wgan_gp", overall_distance=0.9)]
    quality, _, control, stability, balance = verdicts(rows)
    assert quality == control == stability == balance == UNKNOWN  # stability: every model 0.5
    assert "the spaces disagree" in CLAIMS[0].check(rows, PARAMS)[1]
    assert "without spectral normalization" in CLAIMS[4].check(rows, PARAMS)[1]


def test_the_table_has_a_line_per_claim_with_its_verdict():
    rows = [row("vae"), row("ddpm", fid=50.0, fid_ae=5.0, fid_pca=0.5), row("cgan", label_accuracy=0.9),
            row("wgan_gp")]
    lines = markdown_claims(rows, PARAMS).splitlines()
    assert len(lines) == 2 + len(CLAIMS)
    assert lines[2].startswith("| The DDPM has the best quality |") and lines[2].endswith("| **holds** |")
