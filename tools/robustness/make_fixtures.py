#!/usr/bin/env python3
"""Reference values for bella-metrics' corruption tests (dev.bella.metrics.shift), computed independently of the Java code.

Run from the repository root with the system Python (numpy, scipy, Pillow 9.4):

    /usr/bin/python3 tools/robustness/make_fixtures.py

It writes bella-metrics/src/test/resources/shift/reference.json with, for severities 1..5:

gaussian_blur
    scipy.ndimage.gaussian_filter(plane, sigma, mode='nearest', truncate=4.0) per channel: what
    CIFAR-10-C's skimage.filters.gaussian(x, sigma, multichannel=True) calls. "full" is a
    2-channel 5 x 6 image with CIFAR-10-C's sigmas; "rank1" is the separable image u v^T of
    36 x 40 pixels, whose sigmas are scaled by min(H, W) / 32 = 1.125 (Bella's rule above 32
    pixels): the expected output is outer(filter1d(u), filter1d(v)).
contrast
    numpy's (x - mean) * c + mean per channel on the "full" image (CIFAR-10-C's formula).
pixelate
    Pillow's Image.resize(..., Image.BOX) on float ('F') images, down to int(side * c) and back,
    as CIFAR-10-C does (with each axis's own side in place of its fixed 32). The images are
    u v^T; the script checks that Pillow's 2-D result equals outer(ru, rv), where ru, rv are the
    same resizes applied to u and v as one-pixel-wide images, and stores ru and rv.
spatter
    For a 3-channel 12 x 10 and a 1-channel 9 x 11 image and a given standard normal field:
    mud (severities 4, 5) transcribed from make_cifar_c.py, water (1-3) as Bella defines it
    (see spatter() below and docs/robustness.md), with scipy's distance transform.
"""
import json
import math
import os

import numpy as np
from PIL import Image
from scipy import ndimage

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..",
                   "bella-metrics", "src", "test", "resources", "shift", "reference.json")

BLUR = [0.4, 0.6, 0.7, 0.8, 1.0]
CONTRAST = [0.75, 0.5, 0.4, 0.3, 0.15]
PIXELATE = [0.95, 0.9, 0.85, 0.75, 0.65]


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def blur_full(img):
    return [np.stack([ndimage.gaussian_filter(ch, s, mode="nearest", truncate=4.0) for ch in img])
            for s in BLUR]


SPATTER = [(0.62, 0.1, 0.7, 0.7, 0.5, 0),
           (0.65, 0.1, 0.8, 0.7, 0.5, 0),
           (0.65, 0.3, 1, 0.69, 0.5, 0),
           (0.65, 0.1, 0.7, 0.69, 0.6, 1),
           (0.65, 0.1, 0.5, 0.68, 0.6, 1)]
WATER = np.array([175, 238, 238]) / 255.
MUD = np.array([63, 42, 20]) / 255.


def gaussian(x, sigma):
    """skimage.filters.gaussian as CIFAR-10-C calls it, on a 2-D float64 array."""
    return ndimage.gaussian_filter(x, sigma, mode="nearest", truncate=4.0)


def spatter(x, severity, z):
    """CIFAR-10-C's spatter on x (C, H, W) with the normal field z (H, W) given.

    Mud (severities 4, 5) is transcribed from make_cifar_c.py. Water (1-3) is Bella's version,
    written independently of the Java code with scipy's exact distance transform: the drops
    are m = c4 * L * min(d, 20) / max(L * min(d, 20)), d the distance to the nearest dry pixel.
    A colour is used per channel for 3 channels, its BT.601 luma otherwise.
    """
    c = SPATTER[severity - 1]
    x = x.copy()
    liquid = gaussian(c[0] + c[1] * z, c[2])
    liquid[liquid < c[3]] = 0
    colours = (MUD if c[5] else WATER) if x.shape[0] == 3 else \
        np.full(x.shape[0], (MUD if c[5] else WATER) @ np.array([0.299, 0.587, 0.114]))
    if c[5] == 0:
        dist = ndimage.distance_transform_edt(liquid > 0)
        m = liquid * np.minimum(dist, 20)
        if m.max() > 0:
            m = c[4] * m / m.max()
        return np.clip(x + m[None] * colours[:, None, None], 0, 1)
    m = np.where(liquid > c[3], 1, 0)
    m = gaussian(m.astype(np.float64), c[4])
    m[m < 0.8] = 0
    return np.clip(x * (1 - m[None]) + m[None] * colours[:, None, None], 0, 1)


def spatter_case(rng, channels, h, w):
    x = f32(rng.uniform(0.05, 0.95, size=(channels, h, w)))
    z = rng.standard_normal(size=(h, w))
    return dict(c=channels, h=h, w=w, x=x.ravel().tolist(), z=z.ravel().tolist(),
                out=[spatter(x, s, z).ravel().tolist() for s in range(1, 6)])


def blur_rank1(u, v, scale):
    out = []
    for s in BLUR:
        su = ndimage.gaussian_filter1d(u, s * scale, mode="nearest", truncate=4.0)
        sv = ndimage.gaussian_filter1d(v, s * scale, mode="nearest", truncate=4.0)
        full = ndimage.gaussian_filter(np.outer(u, v), s * scale, mode="nearest", truncate=4.0)
        assert np.abs(full - np.outer(su, sv)).max() < 1e-12
        out.append((su, sv))
    return out


def pil_pixelate(img, c):
    """CIFAR-10-C's pixelate on a float image (H, W), with the image's own sides for 32."""
    h, w = img.shape
    im = Image.fromarray(img.astype(np.float32), mode="F")
    im = im.resize((max(1, int(w * c)), max(1, int(h * c))), Image.BOX).resize((w, h), Image.BOX)
    return np.asarray(im, dtype=np.float64)


def pil_column(u, c):
    """The same resize along one axis: u as a one-pixel-wide column image."""
    n = len(u)
    im = Image.fromarray(u[:, None].astype(np.float32), mode="F")
    im = im.resize((1, max(1, int(n * c))), Image.BOX).resize((1, n), Image.BOX)
    return np.asarray(im, dtype=np.float64)[:, 0]


def pixelate_case(h, w):
    u = f32(0.2 + 0.8 * (0.5 + 0.5 * np.sin(np.arange(h) * 1.3 + 0.4)))
    v = f32(0.3 + 0.7 * (0.5 + 0.5 * np.cos(np.arange(w) * 0.7 + 0.1)) ** 2)
    ru, rv = [], []
    for c in PIXELATE:
        a = pil_column(u, c)
        b = pil_column(v, c)
        full = pil_pixelate(np.outer(u, v).astype(np.float32).astype(np.float64), c)
        err = np.abs(full - np.outer(a, b)).max()
        assert err < 1e-5, (h, w, c, err)
        ru.append(a.tolist())
        rv.append(b.tolist())
    return dict(h=h, w=w, u=u.tolist(), v=v.tolist(), ru=ru, rv=rv)


def main():
    rng = np.random.default_rng(20240612)
    img = f32(rng.uniform(0.05, 0.95, size=(2, 5, 6)))
    u36 = f32(0.1 + 0.9 * rng.uniform(size=36))
    v40 = f32(0.1 + 0.9 * rng.uniform(size=40))
    means = img.mean(axis=(1, 2), keepdims=True)
    blur1 = blur_rank1(u36, v40, 36 / 32)
    data = {
        "image": dict(shape=list(img.shape), values=img.ravel().tolist()),
        "gaussian_blur": dict(
            full=[b.ravel().tolist() for b in blur_full(img)],
            rank1=dict(h=36, w=40, u=u36.tolist(), v=v40.tolist(),
                       ru=[su.tolist() for su, _ in blur1],
                       rv=[sv.tolist() for _, sv in blur1])),
        "contrast": [np.clip((img - means) * c + means, 0, 1).ravel().tolist() for c in CONTRAST],
        "pixelate": [pixelate_case(32, 40), pixelate_case(8, 8), pixelate_case(28, 28),
                     pixelate_case(12, 36)],
        "spatter": [spatter_case(rng, 3, 12, 10), spatter_case(rng, 1, 9, 11)],
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(data, f)
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
