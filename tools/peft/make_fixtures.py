#!/usr/bin/env python3
# Copyright 2026 The Bella developers
#
# Licensed under the Apache License, Version 2.0 (the "License"); you may not use this file except
# in compliance with the License. You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software distributed under the License
# is distributed on an "AS IS" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express
# or implied. See the License for the specific language governing permissions and limitations under
# the License.
"""Writes the PEFT fixtures of bella-core's PeftAdaptersTest, with numpy only.

PEFT itself is not installable here, so the files follow its documented layout by hand:
an adapter folder holds adapter_config.json (peft_type "LORA", r, lora_alpha, target_modules,
base_model_name_or_path, ...) and adapter_model.safetensors with tensors
base_model.model.<module>.lora_A.weight (r, in) and base_model.model.<module>.lora_B.weight
(out, r); a LoRA module computes W0 x + b0 + (lora_alpha / r) B A x.

Safetensors: an 8-byte little-endian header length, a JSON header (name -> dtype, shape,
data_offsets relative to the end of the header; optional __metadata__), raw little-endian data.

The base is torch.nn.Sequential(Linear(6, 8), ReLU(), Linear(8, 4)) (module names "0" and "2"),
its weights in base.safetensors; reference.safetensors holds an input x and what each adapter,
and the soup of the two, predicts for it, computed here in float64.

    python3 tools/peft/make_fixtures.py [OUT_DIR]
"""
import json
import os
import struct
import sys

import numpy as np

DEFAULT_OUT = os.path.join(
    os.path.dirname(__file__), "..", "..",
    "bella-core", "src", "test", "resources", "dev", "bella", "core", "peft")
R, ALPHA = 2, 3.0
DIMS = {"0": (6, 8), "2": (8, 4)}  # module -> (in, out)


def write_safetensors(path, tensors, dtypes=None):
    """tensors: ordered dict name -> ndarray; dtypes: name -> 'F32' or 'F16' (default F32)."""
    dtypes = dtypes or {}
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, value in tensors.items():
        dt = dtypes.get(name, "F32")
        raw = np.ascontiguousarray(value, dtype="<f4" if dt == "F32" else "<f2").tobytes()
        header[name] = {"dtype": dt, "shape": list(value.shape),
                        "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def write_adapter(folder, factors, dtypes=None):
    os.makedirs(folder, exist_ok=True)
    config = {
        "peft_type": "LORA", "task_type": None, "base_model_name_or_path": "tiny-mlp",
        "r": R, "lora_alpha": ALPHA, "target_modules": sorted(factors), "lora_dropout": 0.0,
        "bias": "none", "fan_in_fan_out": False, "use_rslora": False, "use_dora": False,
        "inference_mode": True, "modules_to_save": None, "init_lora_weights": True,
        "revision": None,
    }
    with open(os.path.join(folder, "adapter_config.json"), "w") as f:
        json.dump(config, f, indent=2)
    tensors = {}
    for module, (a, b) in factors.items():
        tensors["base_model.model.%s.lora_A.weight" % module] = a
        tensors["base_model.model.%s.lora_B.weight" % module] = b
    write_safetensors(os.path.join(folder, "adapter_model.safetensors"), tensors, dtypes)


def forward(x, base, deltas):
    """The MLP with W0 + delta on each module (float64)."""
    h = x @ (base["0.weight"] + deltas["0"]).T + base["0.bias"]
    h = np.maximum(h, 0)
    return h @ (base["2.weight"] + deltas["2"]).T + base["2.bias"]


def main(out):
    rng = np.random.default_rng(13)
    f32 = lambda *s: rng.normal(0, 0.5, s).astype(np.float32)
    base = {}
    for m, (i, o) in DIMS.items():
        base[m + ".weight"] = f32(o, i)
        base[m + ".bias"] = f32(o)
    adapters = {}
    for name in ("adapter_a", "adapter_b"):
        adapters[name] = {m: (f32(R, i), f32(o, R)) for m, (i, o) in DIMS.items()}
    os.makedirs(out, exist_ok=True)
    write_safetensors(os.path.join(out, "base.safetensors"), base)
    for name, factors in adapters.items():
        write_adapter(os.path.join(out, name), factors)
    # adapter_b again with its factors stored as F16 (values rounded first, so they match).
    half = {m: (a.astype(np.float16), b.astype(np.float16))
            for m, (a, b) in adapters["adapter_b"].items()}
    write_adapter(os.path.join(out, "adapter_b_f16"), half,
                  {n: "F16" for m in half for n in
                   ("base_model.model.%s.lora_A.weight" % m, "base_model.model.%s.lora_B.weight" % m)})

    s = ALPHA / R
    b64 = {k: v.astype(np.float64) for k, v in base.items()}
    delta = lambda f: {m: s * f[m][1].astype(np.float64) @ f[m][0].astype(np.float64) for m in f}
    x = f32(5, 6)
    da, db = delta(adapters["adapter_a"]), delta(adapters["adapter_b"])
    reference = {
        "x": x,
        "y_a": forward(x, b64, da),
        "y_b": forward(x, b64, db),
        "y_soup": forward(x, b64, {m: (da[m] + db[m]) / 2 for m in DIMS}),
    }
    write_safetensors(os.path.join(out, "reference.safetensors"), reference)
    print("wrote", os.path.normpath(out))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else DEFAULT_OUT)
