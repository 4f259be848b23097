#!/usr/bin/env python3
"""Reference values for bella-svgd's tests, computed independently of the Java code.

Run from the repository root with the system Python (torch 1.13, numpy):

    /usr/bin/python3 tools/svgd/make_fixtures.py

It writes two JSON files under bella-svgd/src/test/resources/fixtures/:

lowrank_svgd.json
    A fixed low-rank configuration (n = 4 particles, two layers with different
    shapes, ranks and scales, float64) and, computed with PyTorch:
    - D_ij = sum_l ||s_l A_i B_i - s_l A_j B_j||_F^2 from the explicitly formed
      dense perturbations (no trace trick);
    - the median of D_ij over i < j with numpy.median (mean of the two middle
      values for an even count), h^2 = med / (2 log(n + 1)), K = exp(-D / (2 h^2));
    - the repulsion by autograd, h held constant:
        kernel_gradient_i = -(1/n) grad_{theta_i} sum_j k(theta_i, stopgrad(theta_j))
        stein_i           =  (1/n) sum_j grad_{theta_j} k(theta_j, stopgrad(theta_i))
    - the smoothed driving term -(1/n) sum_j k_ij grad L_j for random "loss
      gradients", and phi = driving + gamma * kernel_gradient for gamma = 0.01
      and for gamma = 0.7.

fullrank_svgd.json
    Liu & Wang's svgd.py (https://github.com/dilinwang820/Stein-Variational-Gradient-Descent,
    python/svgd.py), transcribed below in numpy:
    - phi for fixed particles and a Gaussian target with a fixed h;
    - a 40-iteration AdaGrad run (stepsize 0.05, alpha 0.9, fudge 1e-6) on the
      2-D Gaussian of their example, with one change: the median is taken over
      the pairs i < j (Bella's Bandwidth.median()) instead of over the whole
      matrix including its zero diagonal.
"""
import json
import math
import os

import numpy as np
import torch

torch.set_default_dtype(torch.float64)
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "bella-svgd", "src", "test", "resources", "fixtures")


def lowrank():
    gen = torch.Generator().manual_seed(20240611)
    n = 4
    # (d_in, d_out, r, scale)
    specs = [(5, 3, 3, 0.5), (4, 6, 2, 2.0)]
    layers = []
    for d_in, d_out, r, s in specs:
        a = torch.randn(n, d_in, r, generator=gen) * 0.6
        b = torch.randn(n, r, d_out, generator=gen) * 0.6
        ga = torch.randn(n, d_in, r, generator=gen)
        gb = torch.randn(n, r, d_out, generator=gen)
        layers.append(dict(a=a, b=b, s=s, ga=ga, gb=gb))

    def dense(ls, i_params, j_params):
        """D between particle sets given as lists of (A, B) per layer, shape (n, n)."""
        total = 0
        for l, (ai, bi), (aj, bj) in zip(ls, i_params, j_params):
            pi = l["s"] * ai @ bi  # (n, d_in, d_out)
            pj = l["s"] * aj @ bj
            diff = pi[:, None] - pj[None, :]
            total = total + (diff ** 2).sum(dim=(2, 3))
        return total

    params = [(l["a"], l["b"]) for l in layers]
    with torch.no_grad():
        d = dense(layers, params, params)
    iu = np.triu_indices(n, k=1)
    med = float(np.median(d.numpy()[iu]))
    h2 = med / (2 * math.log(n + 1))
    k = torch.exp(-d / (2 * h2))

    # KERNEL_GRADIENT: -(1/n) grad_i sum_j k(theta_i, sg(theta_j))
    req = [(a.clone().requires_grad_(True), b.clone().requires_grad_(True)) for a, b in params]
    fixed = [(a.detach(), b.detach()) for a, b in params]
    f = torch.exp(-dense(layers, req, fixed) / (2 * h2)).sum()
    f.backward()
    rep_kg = [(-a.grad / n, -b.grad / n) for a, b in req]

    # STEIN: (1/n) sum_j grad_{theta_j} k(theta_j, sg(theta_i)), one backward per i
    rep_st = [(torch.zeros_like(a), torch.zeros_like(b)) for a, b in params]
    for i in range(n):
        req = [(a.clone().requires_grad_(True), b.clone().requires_grad_(True)) for a, b in params]
        target = [(a[i:i + 1].detach(), b[i:i + 1].detach()) for a, b in params]
        # dense(...)[:, 0] = D(theta_j, theta_i) for all j
        fi = torch.exp(-dense(layers, req, target)[:, 0] / (2 * h2)).sum()
        fi.backward()
        for l, (a, b) in enumerate(req):
            rep_st[l][0][i] = a.grad.sum(dim=0) / n
            rep_st[l][1][i] = b.grad.sum(dim=0) / n

    driving = []
    for l in layers:
        da = -(k @ l["ga"].reshape(n, -1)).reshape(l["ga"].shape) / n
        db = -(k @ l["gb"].reshape(n, -1)).reshape(l["gb"].shape) / n
        driving.append((da, db))

    def t(x):
        return dict(shape=list(x.shape), data=x.detach().reshape(-1).tolist())

    out = dict(
        description="tools/svgd/make_fixtures.py: low-rank SVGD reference (PyTorch autograd)",
        n=n,
        layers=[dict(scale=l["s"], a=t(l["a"]), b=t(l["b"]), grad_a=t(l["ga"]), grad_b=t(l["gb"]))
                for l in layers],
        distances=t(d),
        median=med,
        h2=h2,
        kernel=t(k),
        repulsion_kernel_gradient=[dict(a=t(a), b=t(b)) for a, b in rep_kg],
        repulsion_stein=[dict(a=t(a), b=t(b)) for a, b in rep_st],
        driving=[dict(a=t(a), b=t(b)) for a, b in driving],
        phi={str(g): [dict(a=t(da + g * ra), b=t(db + g * rb))
                      for (da, db), (ra, rb) in zip(driving, rep_kg)] for g in (0.01, 0.7)},
    )
    return out


# ---- Liu & Wang's svgd.py, transcribed (numpy) ---------------------------------------------

def svgd_kernel(theta, h=-1):
    diff = theta[:, None, :] - theta[None, :, :]
    pairwise_dists = (diff ** 2).sum(-1)  # squareform(pdist(theta))**2
    if h < 0:
        # Bella's median: over i < j (svgd.py: np.median(pairwise_dists) incl. the diagonal)
        n = theta.shape[0]
        h = np.median(pairwise_dists[np.triu_indices(n, k=1)])
        h = np.sqrt(0.5 * h / np.log(theta.shape[0] + 1))
    kxy = np.exp(-pairwise_dists / h ** 2 / 2)
    dxkxy = -np.matmul(kxy, theta)
    sumkxy = np.sum(kxy, axis=1)
    for i in range(theta.shape[1]):
        dxkxy[:, i] = dxkxy[:, i] + np.multiply(theta[:, i], sumkxy)
    dxkxy = dxkxy / (h ** 2)
    return kxy, dxkxy


def svgd_update(x0, lnprob, n_iter, stepsize, bandwidth=-1, alpha=0.9):
    theta = np.copy(x0)
    fudge_factor = 1e-6
    historical_grad = 0
    for it in range(n_iter):
        lnpgrad = lnprob(theta)
        kxy, dxkxy = svgd_kernel(theta, h=bandwidth)
        grad_theta = (np.matmul(kxy, lnpgrad) + dxkxy) / x0.shape[0]
        if it == 0:
            historical_grad = historical_grad + grad_theta ** 2
        else:
            historical_grad = alpha * historical_grad + (1 - alpha) * (grad_theta ** 2)
        adj_grad = np.divide(grad_theta, fudge_factor + np.sqrt(historical_grad))
        theta = theta + stepsize * adj_grad
    return theta


def fullrank():
    rng = np.random.RandomState(7)
    mu = np.array([-0.6871, 0.8010])
    prec = np.array([[0.2260, 0.1652], [0.1652, 0.6779]])

    def dlnprob(theta):
        return -np.matmul(theta - mu, prec)

    # phi with a fixed h, 3-D particles, a Gaussian with a random SPD precision
    x = rng.normal(0, 1.5, size=(6, 3))
    m = rng.normal(size=(3, 3))
    prec3 = m @ m.T + np.eye(3)
    mu3 = rng.normal(size=3)
    score3 = -np.matmul(x - mu3, prec3)
    h = 1.3
    kxy, dxkxy = svgd_kernel(x, h=h)
    phi_fixed = (kxy @ score3 + dxkxy) / x.shape[0]
    _, dxkxy_med = svgd_kernel(x, h=-1)
    kxy_med, _ = svgd_kernel(x, h=-1)
    phi_median = (kxy_med @ score3 + dxkxy_med) / x.shape[0]

    x0 = rng.normal(0, 1, size=(10, 2))
    run = svgd_update(x0, dlnprob, n_iter=40, stepsize=0.05)

    def t(a):
        return dict(shape=list(a.shape), data=np.asarray(a).reshape(-1).tolist())

    return dict(
        description="tools/svgd/make_fixtures.py: Liu & Wang svgd.py reference (numpy)",
        direction=dict(particles=t(x), scores=t(score3), h=h, phi_fixed=t(phi_fixed),
                       phi_median=t(phi_median)),
        run=dict(mu=mu.tolist(), precision=t(prec), initial=t(x0), iterations=40,
                 stepsize=0.05, alpha=0.9, final=t(run)),
    )


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, fn in (("lowrank_svgd.json", lowrank), ("fullrank_svgd.json", fullrank)):
        path = os.path.join(OUT, name)
        with open(path, "w") as f:
            json.dump(fn(), f, indent=1)
            f.write("\n")
        print("wrote", os.path.normpath(path))


if __name__ == "__main__":
    main()
