#!/usr/bin/python3
"""Reference values for bella-metrics, computed independently with NumPy and scikit-learn.

Writes JSON fixtures under bella-metrics/src/test/resources/fixtures/ that the Java tests
(dev.bella.metrics.FixtureTest) load and compare against. Run from the repository root with
Debian's python3-sklearn (numpy 1.24, scikit-learn 1.2):

    /usr/bin/python3 tools/metrics/make_fixtures.py

Everything is seeded, so re-running gives identical files. Inputs are float32 (as a network
produces them); reference values are computed in float64 from the float32 values.

Conventions implemented here from SPEC sections 4-5, not from the Java code:
- predicted class = first argmax (np.argmax); natural logs;
- NLL = mean -log(max(p[y], 1e-12));
- ECE/MCE top-label, bin b = min(floor(conf * M), M - 1) in float64;
- Brier = mean over examples of the sum over classes of squared error;
- AUROC = sklearn roc_auc_score; AUPR = sklearn average_precision_score;
- FPR95 = smallest FPR over roc_curve(drop_intermediate=False) points with TPR >= 0.95;
- macro OvR AUROC = roc_auc_score(y, P, multi_class='ovr', average='macro');
- MI = H[mean p] - mean H[p_i], diversity_i = mean over examples of KL(p_i || p_bar).
"""
import json
import os

import numpy as np
from sklearn.metrics import (average_precision_score, brier_score_loss, log_loss,
                             roc_auc_score, roc_curve)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "bella-metrics", "src", "test", "resources", "fixtures")
EPS = 1e-12


def probs_f32(rng, n, c, sharpness):
    logits = rng.normal(size=(n, c)) * sharpness
    e = np.exp(logits - logits.max(1, keepdims=True))
    return (e / e.sum(1, keepdims=True)).astype(np.float32)


def classification(p32, y, bins):
    p = p32.astype(np.float64)
    n = len(y)
    pred = p.argmax(1)
    correct = pred == y
    conf = p.max(1)
    b = np.minimum(np.floor(conf * bins).astype(np.int64), bins - 1)
    counts, mean_conf, acc = [], [], []
    ece, mce = 0.0, 0.0
    for k in range(bins):
        m = b == k
        cnt = int(m.sum())
        counts.append(cnt)
        if cnt == 0:
            mean_conf.append(None)
            acc.append(None)
            continue
        mc, ac = conf[m].mean(), correct[m].mean()
        mean_conf.append(float(mc))
        acc.append(float(ac))
        ece += cnt / n * abs(ac - mc)
        mce = max(mce, abs(ac - mc))
    onehot = np.eye(p.shape[1])[y]
    return {
        "accuracy": float(correct.mean()),
        "nll": float(np.mean(-np.log(np.maximum(p[np.arange(n), y], EPS)))),
        "brier": float(((p - onehot) ** 2).sum(1).mean()),
        "ece": float(ece),
        "mce": float(mce),
        "bin_counts": counts,
        "bin_mean_confidence": mean_conf,
        "bin_accuracy": acc,
    }


def fpr_at_tpr(flags, scores, target=0.95):
    fpr, tpr, _ = roc_curve(flags, scores, drop_intermediate=False)
    return float(fpr[tpr >= target].min())


def detection(flags, scores):
    return {
        "auroc": float(roc_auc_score(flags, scores)),
        "aupr": float(average_precision_score(flags, scores)),
        "fpr95": float(fpr_at_tpr(flags, scores)),
    }


def entropy(p):
    with np.errstate(divide="ignore", invalid="ignore"):
        return -np.where(p > 0, p * np.log(p), 0.0).sum(-1)


def uncertainty(parts32):
    parts = parts32.astype(np.float64)
    pbar = parts.mean(0)
    h_bar = entropy(pbar)
    h_i = entropy(parts)  # n x N
    mi = h_bar - h_i.mean(0)
    with np.errstate(divide="ignore", invalid="ignore"):
        kl = np.where(parts > 0, parts * (np.log(parts) - np.log(pbar)[None]), 0.0).sum(-1)
    disagree = (parts.argmax(-1) != pbar.argmax(-1)[None]).mean(0)
    return pbar, {
        "predictive_entropy": h_bar.tolist(),
        "aleatoric": h_i.mean(0).tolist(),
        "mutual_information": mi.tolist(),
        "disagreement": disagree.tolist(),
        "mean_predictive_entropy": float(h_bar.mean()),
        "mean_aleatoric": float(h_i.mean()),
        "mean_mutual_information": float(mi.mean()),
        "mean_disagreement": float(disagree.mean()),
        "diversity": kl.mean(1).tolist(),
    }


def f32list(a):
    return [float(v) for v in np.asarray(a, dtype=np.float32).ravel()]


def write(name, obj):
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, name + ".json"), "w") as f:
        json.dump(obj, f, separators=(",", ":"))
        f.write("\n")
    print("wrote", name)


def multiclass_case(name, seed, n, c, sharpness, bins_list):
    rng = np.random.default_rng(seed)
    p = probs_f32(rng, n, c, sharpness)
    # labels drawn from the predicted distribution, so the model is roughly calibrated
    y = np.array([rng.choice(c, p=row / row.sum()) for row in p.astype(np.float64)])
    y[:c] = np.arange(c)  # every class present
    case = {"n": n, "c": c, "probs": f32list(p), "labels": y.tolist()}
    case["by_bins"] = {str(b): classification(p, y, b) for b in bins_list}
    case["auroc_ovr"] = float(roc_auc_score(y, p.astype(np.float64), multi_class="ovr",
                                            average="macro"))
    case["sklearn_log_loss"] = float(log_loss(y, p.astype(np.float64), labels=list(range(c))))
    wrong = p.argmax(1) != y
    case["misclassification_entropy"] = detection(wrong, entropy(p.astype(np.float64)))
    write(name, case)


def binary_case():
    rng = np.random.default_rng(7)
    n = 400
    q = rng.beta(2, 2, size=n).astype(np.float32)
    q[:3] = [0.0, 1.0, 0.5]  # confidence exactly 1.0 and exactly 0.5
    y = (rng.random(n) < q).astype(np.int64)
    p = np.stack([1 - q.astype(np.float64), q.astype(np.float64)], 1)
    case = {"n": n, "positive": f32list(q), "labels": y.tolist()}
    # float32 [1 - q, q] as Java builds it
    p32 = np.stack([(np.float32(1) - q), q], 1).astype(np.float32)
    case["by_bins"] = {"15": classification(p32, y, 15)}
    case["sklearn_brier_score_loss"] = float(brier_score_loss(y, q.astype(np.float64)))
    case["sklearn_roc_auc"] = float(roc_auc_score(y, q.astype(np.float64)))
    del p
    write("binary", case)


def ranking_case(name, seed, n, decimals, pos_rate):
    rng = np.random.default_rng(seed)
    flags = rng.random(n) < pos_rate
    flags[0], flags[1] = True, False
    scores = rng.normal(size=n) + 0.8 * flags
    if decimals is not None:
        scores = np.round(scores, decimals)  # many ties, including across classes
    case = {"n": n, "scores": scores.tolist(), "positive": flags.astype(int).tolist()}
    case.update(detection(flags, scores))
    case["fpr80"] = fpr_at_tpr(flags, scores, 0.8)
    write(name, case)


def particles_case():
    rng = np.random.default_rng(11)
    k, n, c = 5, 300, 6
    base = rng.normal(size=(n, c)) * 2.0
    logits = base[None] + rng.normal(size=(k, n, c)) * np.linspace(0.1, 2.0, n)[None, :, None]
    e = np.exp(logits - logits.max(-1, keepdims=True))
    parts = (e / e.sum(-1, keepdims=True)).astype(np.float32)
    parts[:, 0, :] = np.eye(c, dtype=np.float32)[0]  # all particles certain and agreeing: MI = 0
    parts[:, 1, :] = 0
    for i in range(k):
        parts[i, 1, i % c] = 1.0  # certain but disagreeing particles
    y = rng.integers(0, c, size=n)
    y[:c] = np.arange(c)
    ood = rng.random(n) < 0.3
    ood[0], ood[1] = False, True
    pbar, unc = uncertainty(parts)
    case = {"particles": k, "n": n, "c": c, "probs": f32list(parts), "labels": y.tolist(),
            "ood": ood.astype(int).tolist()}
    case.update(unc)
    # the report: classification on in-distribution examples of p_bar; OOD on all examples
    ind = ~ood
    case["report_in_distribution"] = classification(pbar[ind], y[ind], 15)
    case["report_auroc_ovr"] = float(roc_auc_score(y[ind], pbar[ind], multi_class="ovr",
                                                   average="macro"))
    _, unc_in = uncertainty(parts[:, ind])
    case["report_mean_predictive_entropy"] = unc_in["mean_predictive_entropy"]
    case["report_mean_aleatoric"] = unc_in["mean_aleatoric"]
    case["report_mean_mutual_information"] = unc_in["mean_mutual_information"]
    h = np.array(unc["predictive_entropy"])
    mi = np.array(unc["mutual_information"])
    case["report_ood_entropy"] = detection(ood, h)
    case["report_ood_mi"] = detection(ood, mi)
    write("particles", case)


def main():
    multiclass_case("multiclass_small", 1, 200, 5, 1.5, [15, 10, 1])
    multiclass_case("multiclass_large", 2, 5000, 10, 3.0, [15, 20])
    binary_case()
    ranking_case("ranking_ties", 3, 500, 1, 0.3)
    ranking_case("ranking_continuous", 4, 2000, None, 0.1)
    particles_case()


if __name__ == "__main__":
    main()
