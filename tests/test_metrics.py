"""FID, KID, Inception Score, label accuracy, class distribution, precision and recall on
cases with known answers."""

import numpy as np
import pytest
from scipy import linalg

from genbench.scoring.metrics.classes import class_distribution, label_accuracy
from genbench.scoring.metrics.fid import fid, frechet_distance
from genbench.scoring.metrics.inception import inception_score
from genbench.scoring.metrics.kid import kid, mmd2_unbiased
from genbench.scoring.metrics.manifolds import kth_neighbour_radii, manifold_metrics, real_radii


def precision_recall(real, fake, k):
    values = manifold_metrics(real, fake, pr_k=k)
    return values["precision"], values["recall"]


def test_fid_of_a_set_with_itself_is_zero():
    feats = np.random.default_rng(0).normal(size=(2000, 16))
    assert fid(feats, feats) == pytest.approx(0.0, abs=1e-6)


def test_frechet_distance_matches_closed_form():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(8, 8)), rng.normal(size=(8, 8))
    s1, s2 = a @ a.T + np.eye(8), b @ b.T + np.eye(8)
    mu1, mu2 = rng.normal(size=8), rng.normal(size=8)
    # Closed form through the symmetric root: Tr((S1^1/2 S2 S1^1/2)^1/2) = Tr((S1 S2)^1/2).
    r1 = linalg.sqrtm(s1).real
    expected = (np.sum((mu1 - mu2) ** 2) + np.trace(s1) + np.trace(s2)
                - 2 * np.trace(linalg.sqrtm(r1 @ s2 @ r1).real))
    assert frechet_distance(mu1, s1, mu2, s2) == pytest.approx(expected, rel=1e-6)


def test_fid_of_two_sampled_gaussians_matches_closed_form():
    rng = np.random.default_rng(2)
    d, n = 4, 200_000
    x = rng.normal(0.0, 1.0, size=(n, d))
    y = rng.normal(1.0, 2.0, size=(n, d))
    expected = d * 1.0 + d * (1 + 4 - 2 * 2)  # |mu|^2 + Tr(1 + 4 - 2 sqrt(1 * 4))
    assert fid(x, y) == pytest.approx(expected, rel=0.02)


def test_inception_score_of_one_class_is_one():
    probs = np.zeros((1000, 10))
    probs[:, 3] = 1.0
    mean, std = inception_score(probs, splits=10)
    assert mean == pytest.approx(1.0, abs=1e-6) and std == pytest.approx(0.0, abs=1e-6)


def test_inception_score_of_ten_confident_equal_classes_is_ten():
    probs = np.eye(10)[np.arange(1000) % 10]
    mean, _ = inception_score(probs, splits=1)
    assert mean == pytest.approx(10.0, rel=1e-9)
    mean, _ = inception_score(probs, splits=10)  # random splits of 100: close to 10
    assert mean == pytest.approx(10.0, rel=0.05)


def test_inception_score_ignores_the_order_of_samples():
    """Sample sets come ordered by requested digit; splits must still see every class."""
    probs = np.eye(10)[np.repeat(np.arange(10), 100)]
    mean, _ = inception_score(probs, splits=10)
    assert mean > 9.0


def test_label_accuracy_and_per_digit():
    requested = np.repeat(np.arange(10), 10)
    predicted = requested.copy()
    predicted[:5] = 1  # half of the zeros misread as ones
    acc, per_digit = label_accuracy(np.eye(10)[predicted], requested)
    assert acc == pytest.approx(0.95)
    assert per_digit == {"0": pytest.approx(0.5), **{str(d): 1.0 for d in range(1, 10)}}


def test_class_distribution_entropy():
    share, entropy = class_distribution(np.eye(10)[np.full(50, 4)])
    assert share["4"] == 1.0 and sum(share.values()) == 1.0 and entropy == pytest.approx(0.0)
    _, entropy = class_distribution(np.eye(10)[np.arange(100) % 10])
    assert entropy == pytest.approx(1.0)


def test_precision_recall_of_a_set_with_itself_is_one():
    feats = np.random.default_rng(3).normal(size=(500, 8))
    assert precision_recall(feats, feats, k=3) == (1.0, 1.0)


def test_precision_recall_against_a_disjoint_cluster_is_zero():
    rng = np.random.default_rng(4)
    real, fake = rng.normal(size=(400, 8)), rng.normal(size=(400, 8)) + 100.0
    assert precision_recall(real, fake, k=3) == (0.0, 0.0)


def test_precision_recall_separates_quality_from_coverage():
    """Fakes from one half of the real distribution: precise, but with half the recall."""
    rng = np.random.default_rng(5)
    real = rng.normal(size=(2000, 2))
    fake = rng.normal(size=(4000, 2))
    fake = fake[fake[:, 0] > 0][:1000]
    precision, recall = precision_recall(real, fake, k=3)
    assert precision > 0.9
    assert 0.35 < recall < 0.65


def test_mmd2_unbiased_matches_its_definition():
    """Sum over i != j of k(x_i, x_j) / m(m-1), the same for y, minus twice the mean k(x_i, y_j)."""
    rng = np.random.default_rng(6)
    x, y = rng.normal(size=(5, 3)), rng.normal(size=(7, 3)) + 0.5
    k = lambda a, b: (a @ b / 3 + 1) ** 3
    within_x = sum(k(x[i], x[j]) for i in range(5) for j in range(5) if i != j) / (5 * 4)
    within_y = sum(k(y[i], y[j]) for i in range(7) for j in range(7) if i != j) / (7 * 6)
    between = sum(k(a, b) for a in x for b in y) / (5 * 7)
    assert mmd2_unbiased(x, y) == pytest.approx(within_x + within_y - 2 * between, rel=1e-12)


def test_kid_is_near_zero_for_one_distribution_and_grows_with_a_shift():
    rng = np.random.default_rng(7)
    real = rng.normal(size=(3000, 16))
    same, _ = kid(real, rng.normal(size=(3000, 16)), subsets=20, subset_size=500)
    near, _ = kid(real, rng.normal(size=(3000, 16)) + 0.2, subsets=20, subset_size=500)
    far, std = kid(real, rng.normal(size=(3000, 16)) + 1.0, subsets=20, subset_size=500)
    assert abs(same) < 0.01 < near < far and std > 0


def test_kid_of_a_small_set_draws_half_of_it_so_its_std_means_something():
    """With 300 samples and subsets of 1,000, every subset would be all 300 samples and the std
    would reflect only the draw of real images; subsets of half the smaller set differ."""
    rng = np.random.default_rng(8)
    a, b = rng.normal(size=(300, 4)), rng.normal(size=(2000, 4)) + 1.0
    assert kid(a, b, subsets=5) == kid(a, b, subsets=5)
    _, std_same_set = kid(a, a, subsets=10)  # whole-set subsets would give a std of exactly 0
    assert std_same_set > 0
    with pytest.raises(ValueError, match="at least 4 rows"):
        kid(a[:3], b)


# ------------------------------------------------- density / coverage, diversity, memorization


def density_coverage(real, fake, k=5, chunk=1000):
    values = manifold_metrics(real, fake, chunk=chunk, dc_k=k)
    return values["density"], values["coverage"]


def test_density_and_coverage_are_the_prdc_packages():
    prdc = pytest.importorskip("prdc")

    rng = np.random.default_rng(3)
    real = rng.normal(size=(600, 8)).astype(np.float32)
    fake = rng.normal(0.3, 1.2, size=(400, 8)).astype(np.float32)
    expected = prdc.compute_prdc(real, fake, nearest_k=5)
    density, coverage = density_coverage(real, fake, k=5, chunk=128)
    assert density == pytest.approx(expected["density"], rel=1e-5)
    assert coverage == pytest.approx(expected["coverage"], rel=1e-5)


def test_the_k_nn_metrics_are_their_definitions_one_distance_at_a_time():
    """Each of the four against a plain reading of its paper's definition on the full distance
    matrix, with the real radii given (as the reference stage stores them) or computed."""
    import torch

    rng = np.random.default_rng(9)
    real = torch.as_tensor(rng.normal(size=(300, 6)), dtype=torch.float32)
    fake = torch.as_tensor(rng.normal(0.2, 0.8, size=(250, 6)), dtype=torch.float32)

    def radii(x, k):  # the k-th nearest other point, by sorting every distance
        return torch.cdist(x, x).sort(1).values[:, k]
    d = torch.cdist(fake, real)
    expected = {"precision": (d <= radii(real, 3)[None]).any(1).float().mean().item(),
                "recall": (d <= radii(fake, 3)[:, None]).any(0).float().mean().item(),
                "density": ((d < radii(real, 5)[None]).sum(1).float().mean() / 5).item(),
                "coverage": (d < radii(real, 5)[None]).any(0).float().mean().item()}
    assert expected["precision"] not in (0.0, 1.0) and expected["recall"] not in (0.0, 1.0)
    for given in (real_radii(real), None):
        values = manifold_metrics(real, fake, given, chunk=64)
        assert values == pytest.approx(expected, rel=1e-6)
    assert torch.equal(kth_neighbour_radii(real, (3,))[3], radii(real, 3))


def test_density_is_about_one_and_coverage_high_for_the_same_distribution():
    rng = np.random.default_rng(4)
    density, coverage = density_coverage(rng.normal(size=(2000, 4)), rng.normal(size=(2000, 4)))
    assert 0.85 < density < 1.15 and coverage > 0.9
    density, coverage = density_coverage(rng.normal(size=(2000, 4)), rng.normal(size=(2000, 4)) * 0.05)
    assert coverage < 0.2  # every sample in one spot covers few real balls


def test_same_digit_pairs_pair_distinct_items_of_one_digit():
    import torch

    from genbench.scoring.metrics.diversity import same_digit_pairs

    digits = torch.tensor([0, 0, 1, 1, 1, 2, 3, 3])  # one 2: no pair for it
    pairs = same_digit_pairs(digits, seed=0, per_digit=50)
    assert len(pairs) == 3 * 50
    assert (pairs[:, 0] != pairs[:, 1]).all() and (digits[pairs[:, 0]] == digits[pairs[:, 1]]).all()
    assert torch.equal(pairs, same_digit_pairs(digits, seed=0, per_digit=50))


def test_ssim_and_perceptual_diversity_are_zero_for_copies_and_high_for_noise():
    import torch

    from genbench.scoring.evaluator import Evaluator
    from genbench.scoring.metrics.diversity import perceptual_diversity, same_digit_pairs, ssim_diversity

    torch.manual_seed(0)
    evaluator = Evaluator(width=4).eval()
    digits = torch.arange(200) % 10
    pairs = same_digit_pairs(digits, seed=0, per_digit=20)
    copies = torch.rand(1, 1, 28, 28).repeat(200, 1, 1, 1)
    noise = torch.rand(200, 1, 28, 28)
    assert ssim_diversity(copies, pairs) == pytest.approx(0.0, abs=1e-5)
    assert perceptual_diversity(evaluator, copies, pairs) == pytest.approx(0.0, abs=1e-6)
    assert ssim_diversity(noise, pairs) > 0.9  # independent noise: SSIM about 0
    assert perceptual_diversity(evaluator, noise, pairs) > 0.01
    assert ssim_diversity(noise, pairs[:0]) is None


def test_perceptual_diversity_is_the_mean_distance_of_its_pairs():
    """Each image seen once per chunk of pairs gives what each pair seen on its own gives."""
    import torch

    from genbench.scoring.evaluator import Evaluator
    from genbench.scoring.metrics.diversity import _unit, perceptual_diversity, same_digit_pairs

    torch.manual_seed(1)
    evaluator = Evaluator(width=4).eval()
    images = torch.rand(60, 1, 28, 28)
    pairs = same_digit_pairs(torch.arange(60) % 3, seed=0, per_digit=40)  # images in many pairs
    with torch.no_grad():
        distances = [torch.stack([((_unit(a) - _unit(b)) ** 2).sum(1).mean() for a, b in
                                  zip(evaluator.activations(images[i:i + 1]), evaluator.activations(images[j:j + 1]))]
                                 ).mean() for i, j in pairs.tolist()]
    assert perceptual_diversity(evaluator, images, pairs, chunk=50) == pytest.approx(
        torch.stack(distances).mean().item(), rel=1e-5)


def test_memorization_sees_planted_copies_of_training_images():
    import torch

    from genbench.scoring.metrics.memorization import memorization, nearest_distances

    gen = torch.Generator().manual_seed(0)
    train, test = torch.randn(3000, 8, generator=gen), torch.randn(1000, 8, generator=gen)
    new = torch.randn(400, 8, generator=gen)
    test_d, _ = nearest_distances(test, train)
    ratio, copies = memorization(nearest_distances(new, train)[0], test_d)
    assert 0.85 < ratio < 1.15 and copies < 0.05  # new points: like test
    planted = torch.cat([new[:200], train[:200]])  # half are training points
    d, index = nearest_distances(planted, train)
    ratio, copies = memorization(d, test_d)
    assert copies == pytest.approx(0.5, abs=0.03) and ratio < 0.9
    assert torch.equal(index[200:], torch.arange(200))  # each copy found at its own training index
    ratio, copies = memorization(nearest_distances(train[:300], train)[0], test_d)
    assert ratio == 0.0 and copies == 1.0


@pytest.mark.parametrize("fids, epoch", [([100, 50, 20, 19, 18], 4), ([100, 18.5, 30, 18], 4),
                                         ([50, 49], 1), ([80], 1)])
def test_convergence_epoch_is_where_the_quick_fid_stays_within_ten_percent(fids, epoch):
    from genbench.results.stability import convergence

    result = convergence([{"quick_fid": f} for f in fids])
    assert result == {"convergence_epoch": epoch, "convergence_fraction": epoch / len(fids)}


def test_every_catalogued_metric_has_one_computation_and_nothing_else_does():
    from genbench.results.catalogue import METRICS, NUMBERS
    from genbench.scoring.scorecard import COMPUTE

    assert sorted(m.key for m in METRICS) == sorted(COMPUTE)
    assert len(METRICS) == len({m.key for m in METRICS})
    assert len(NUMBERS) == len({n.key for n in NUMBERS.values()})  # one entry per key
    assert all(m.direction in ("higher", "lower", "nearest_real") for m in METRICS)
