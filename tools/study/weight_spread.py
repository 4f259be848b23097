#!/usr/bin/env python3
"""Where the particles' weight-space spread lives: per adapted layer, the mean pairwise
||s A_i B_i - s A_j B_j||_F^2 of a saved Bella adapter, and the part of it carried by the rows
of input features that are zero in every image of the data set (directions the data never
constrain; only the prior and the repulsion act there).

Reads the adapter directory written by `./bella demo` (OUT/adapters/<method>/), parsing the
safetensors file by its documented layout (8-byte little-endian header length, JSON header,
raw little-endian data) with numpy only. For digits, the constant-zero input pixels come from the
bundled scikit-learn digits (examples/src/main/resources/dev/bella/examples/data/digits.csv.gz).

    /usr/bin/python3 tools/study/weight_spread.py bella-out/adapters/svgd-bella-n-5
"""
import glob
import gzip
import json
import os
import struct
import sys

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DIGITS = os.path.join(ROOT, "examples/src/main/resources/dev/bella/examples/data/digits.csv.gz")


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, t in header.items():
        if name == "__metadata__":
            continue
        assert t["dtype"] == "F32", t["dtype"]
        a, b = t["data_offsets"]
        out[name] = np.frombuffer(data[a:b], dtype="<f4").reshape(t["shape"]).astype(np.float64)
    return out


def zero_pixels():
    with gzip.open(DIGITS, "rt") as f:
        rows = [list(map(float, line.split(",")[:64])) for line in f if line.strip()]
    x = np.array(rows)
    return np.where(np.abs(x).max(axis=0) == 0)[0]


def main(adapter_dir):
    manifest = os.path.join(adapter_dir, "bella_adapter.json")
    if not os.path.exists(manifest):  # folders saved before the manifest was renamed
        manifest = os.path.join(adapter_dir, "adapter_config.json")
    config = json.load(open(manifest))
    c = config["config"]
    scale = c["alpha"] / c["rank"]
    tensors = read_safetensors(glob.glob(os.path.join(adapter_dir, "*.safetensors"))[0])
    layers = [l["path"] for l in config["layers"]]
    zeros = zero_pixels()
    total = 0.0
    for layer in layers:
        a = tensors[layer + ".lora_A"]
        b = tensors[layer + ".lora_B"]
        # Bella's layout: A is (n, d_in, r), B is (n, r, d_out); delta_i = s A_i B_i (d_in x d_out)
        delta = scale * np.einsum("nir,nro->nio", a, b)
        n = delta.shape[0]
        pair = []
        zero_part = []
        for i in range(n):
            for j in range(i + 1, n):
                d = (delta[i] - delta[j]) ** 2
                pair.append(d.sum())
                zero_part.append(d[zeros].sum() if delta.shape[1] == 64 else 0.0)
        mean = float(np.mean(pair))
        total += mean
        print("%s: mean pairwise ||dW_i - dW_j||^2 = %.4g, of which constant-zero input rows %.4g"
              % (layer, mean, float(np.mean(zero_part))))
    print("total over layers: %.4g (constant-zero pixels: %s)" % (total, list(zeros)))


if __name__ == "__main__":
    main(sys.argv[1])
