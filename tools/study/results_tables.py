#!/usr/bin/env python3
"""Markdown tables for docs/results.md from the JSON that `./bella demo` writes.

    /usr/bin/python3 tools/study/results_tables.py study OUT/results.json
        one study (one seed, or --seeds K: mean ± std): the main table and the robustness table
    /usr/bin/python3 tools/study/results_tables.py sweep OUT/sweep.json [METHOD]
        a --gammas sweep: one row per gamma for METHOD (default svgd)
    /usr/bin/python3 tools/study/results_tables.py mce OUT MIN
        the MCE over the 15 equal-width confidence bins holding at least MIN test images, per
        method, mean ± std over OUT/seed-*/ (recomputed from the probs-<id>.npy files; what
        `--mce-min-count MIN` would have put in the table), with the size of the MCE's bin
    /usr/bin/python3 tools/study/results_tables.py store OUT/results.json
        trainable values and the posterior's own values (stored_values) beside the quality columns
    /usr/bin/python3 tools/study/results_tables.py mi OUT
        the mean mutual information of the test images and of the OOD images, per method, mean
        over OUT/seed-*/ (from the probs-<id>.npy files)

Numbers are copied from the JSON as they are (rounded for print), so the page can be re-made from a
run's output directory.
"""
import json
import sys

NAMES = {
    "single": "Single LoRA",
    "ensemble": "Ensemble Bella",
    "svgd": "SVGD Bella",
    "full-ensemble": "Full-rank ensemble",
    "vbl": "Laplace (VBL)",
    "vi": "Mean-field VI",
    "sgld": "SGLD",
    "mc-dropout": "MC dropout",
    "lora-swag": "LoRA-SWAG",
    "blora-xs": "B-LoRA-XS-SWAG",
    "distilled": "Dirichlet student (of SVGD Bella)",
}


def at(obj, path):
    for part in path.split("/"):
        if obj is None:
            return None
        obj = obj.get(part)
    return obj


def cell(m, path, digits=4):
    mean = at(m, path)
    if mean is None:
        return "—"
    std = at(m.get("std"), path) if "std" in m else None
    fmt = "%." + str(digits) + "f"
    if std is None:
        return fmt % mean
    return (fmt + " ± " + fmt) % (mean, std)


def sig(m, path):
    mean = at(m, path)
    if mean is None:
        return "—"
    std = at(m.get("std"), path) if "std" in m else None
    return "%.3g" % mean if std is None else "%.3g ± %.2g" % (mean, std)


def table(head, rows):
    out = ["| " + " | ".join(head) + " |", "|---|" + "---:|" * (len(head) - 1)]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(out)


def study(path):
    """Four tables: quality, diversity and cost, robustness (the MCE: see `mce`)."""
    methods = json.load(open(path))["methods"]
    quality, diversity, robust = [], [], []
    for mid, m in methods.items():
        name = NAMES.get(mid, mid)
        quality.append([name] + [cell(m, k) for k in (
            "accuracy", "nll", "ece", "brier", "ood_auroc_entropy", "ood_auroc_mi",
            "misclassification_auroc")])
        diversity.append([name, sig(m, "kl_to_mean"), sig(m, "disagreement"),
                          sig(m, "weight_distance"), "{:,}".format(int(m["trainable"])),
                          "%.1f KB" % (m["stored_bytes"] / 1024), cell(m, "train_seconds", 1)])
        robust.append([name] + [cell(m, "fgsm/" + e) for e in ("0.001", "0.005", "0.01", "0.03")]
                      + [cell(m, "corrupted/" + s) for s in ("1", "3", "5")])
    print(table(["method", "accuracy", "NLL", "ECE", "Brier", "OOD AUROC (entropy)",
                 "OOD AUROC (MI)", "misclassification AUROC"], quality))
    print()
    print(table(["method", "KL to mean", "disagreement", "weight distance", "trainable",
                 "stored", "train s"], diversity))
    print()
    print(table(["method", "FGSM 0.001", "FGSM 0.005", "FGSM 0.01", "FGSM 0.03",
                 "corrupted s1", "corrupted s3", "corrupted s5"], robust))


def sweep(path, method):
    gammas = json.load(open(path))["gammas"]
    rows = []
    for g, run in gammas.items():
        m = run["methods"][method]
        rows.append([g] + [cell(m, k) for k in (
            "accuracy", "nll", "fgsm/0.001", "fgsm/0.005", "fgsm/0.01", "fgsm/0.03",
            "ood_auroc_entropy", "ood_auroc_mi")] + [sig(m, "kl_to_mean"),
                                                     cell(m, "disagreement"),
                                                     sig(m, "weight_distance")])
    print(table(["γ", "accuracy", "NLL", "FGSM 0.001", "FGSM 0.005", "FGSM 0.01", "FGSM 0.03",
                 "OOD AUROC (entropy)", "OOD AUROC (MI)", "KL to mean", "disagreement",
                 "weight distance"], rows))


def mce(out, minimum, bins=15):
    import glob
    import os

    import numpy as np
    seeds = sorted(glob.glob(os.path.join(out, "seed-*"))) or [out]
    per = {}
    for d in seeds:
        labels = np.load(os.path.join(d, "labels.npy"))
        test = labels >= 0
        for f in sorted(glob.glob(os.path.join(d, "probs-*.npy"))):
            mid = os.path.basename(f)[len("probs-"):-len(".npy")]
            p = np.load(f).astype(np.float64).mean(axis=0)[test]
            conf = p.max(axis=1)
            right = p.argmax(axis=1) == labels[test]
            k = np.minimum((conf * bins).astype(int), bins - 1)
            gaps = [(abs(right[k == b].mean() - conf[k == b].mean()), int((k == b).sum()))
                    for b in range(bins) if (k == b).sum() >= minimum]
            per.setdefault(mid, []).append(max(gaps) if gaps else (float("nan"), 0))
    rows = []
    for mid, v in per.items():
        g = np.array([x[0] for x in v])
        n = [x[1] for x in v]
        rows.append([NAMES.get(mid, mid), "%.4f ± %.4f" % (g.mean(), g.std(ddof=1)) if len(g) > 1
                     else "%.4f" % g[0], ", ".join(map(str, n))])
    print(table(["method", "MCE (bins with >= %d images)" % minimum, "images in the MCE's bin"],
                rows))


def mi(out):
    """Mean mutual information of the test images and of the OOD images, per method."""
    import glob
    import os

    import numpy as np
    seeds = sorted(glob.glob(os.path.join(out, "seed-*"))) or [out]
    per = {}
    for d in seeds:
        ood = np.load(os.path.join(d, "ood.npy")).astype(bool)
        for f in sorted(glob.glob(os.path.join(d, "probs-*.npy"))):
            mid = os.path.basename(f)[len("probs-"):-len(".npy")]
            p = np.clip(np.load(f).astype(np.float64), 1e-12, 1)
            if p.shape[0] < 2:
                continue
            mean = p.mean(axis=0)
            total = -(mean * np.log(mean)).sum(axis=1)
            expected = -(p * np.log(p)).sum(axis=2).mean(axis=0)
            v = total - expected
            per.setdefault(mid, []).append((v[~ood].mean(), v[ood].mean()))
    rows = []
    for mid, v in per.items():
        a = np.array(v)
        rows.append([NAMES.get(mid, mid), "%.3g" % a[:, 0].mean(), "%.3g" % a[:, 1].mean(),
                     "%.1f" % (a[:, 1] / a[:, 0]).mean()])
    print(table(["method", "mean MI, test images", "mean MI, OOD images", "OOD / test"], rows))


def store(path):
    """What each method trains and what its posterior holds, and its predictive quality."""
    methods = json.load(open(path))["methods"]
    rows = []
    for mid, m in methods.items():
        rows.append([NAMES.get(mid, mid), "{:,}".format(int(m["trainable"])),
                     "{:,}".format(int(m["stored_values"])) if m.get("stored_values") else "—",
                     cell(m, "accuracy"), cell(m, "nll"), cell(m, "ood_auroc_entropy"),
                     cell(m, "ood_auroc_mi")])
    print(table(["method", "trainable values", "posterior's values", "accuracy", "NLL",
                 "OOD AUROC (entropy)", "OOD AUROC (MI)"], rows))


if __name__ == "__main__":
    if sys.argv[1] == "study":
        study(sys.argv[2])
    elif sys.argv[1] == "store":
        store(sys.argv[2])
    elif sys.argv[1] == "mi":
        mi(sys.argv[2])
    elif sys.argv[1] == "mce":
        mce(sys.argv[2], int(sys.argv[3]))
    else:
        sweep(sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else "svgd")
