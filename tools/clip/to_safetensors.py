#!/usr/bin/env python3
"""Converts a pickled PyTorch CLIP checkpoint into a safetensors file that
dev.bella.clip.ClipCheckpoints can read (Java cannot unpickle torch.save files).

    /usr/bin/python3 tools/clip/to_safetensors.py INPUT.pt OUTPUT.safetensors [--visual-only]

INPUT may be:
  - a state dict saved with torch.save (open_clip's open_clip_pytorch_model.bin, a
    Hugging Face pytorch_model.bin), possibly wrapped as {"state_dict": ...} with
    "module." prefixes, as open_clip's training checkpoints are;
  - a TorchScript archive (OpenAI's ViT-B-32.pt) - which ClipCheckpoints also reads
    directly; converting it only saves the engine start-up.

Tensor names are kept (visual.* or vision_model.*), dtypes too (F32, F16, BF16, F64);
non-floating tensors (position_ids buffers, counters) are dropped. --visual-only keeps the
visual tower's tensors (visual.*, vision_model.*, visual_projection.*) only. Needs only
torch (no safetensors package): the format is written by hand.
"""
import argparse
import json
import struct
from collections import OrderedDict

import torch

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.float64: "F64"}


def load_tensors(path):
    try:
        module = torch.jit.load(path, map_location="cpu")
        return OrderedDict(module.state_dict())
    except RuntimeError:
        pass
    obj = torch.load(path, map_location="cpu")
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise SystemExit("%s holds a %s, not a state dict" % (path, type(obj).__name__))
    out = OrderedDict()
    for k, v in obj.items():
        if isinstance(v, torch.Tensor):
            out[k[len("module."):] if k.startswith("module.") else k] = v
    return out


def to_bytes(t):
    t = t.detach().contiguous().cpu()
    if t.dtype == torch.bfloat16:
        return t.view(torch.int16).numpy().astype("<i2").tobytes()
    fmt = {torch.float32: "<f4", torch.float16: "<f2", torch.float64: "<f8"}[t.dtype]
    return t.numpy().astype(fmt).tobytes()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input")
    ap.add_argument("output")
    ap.add_argument("--visual-only", action="store_true")
    args = ap.parse_args()
    tensors = load_tensors(args.input)
    header = OrderedDict([("__metadata__", {"format": "pt", "converted_from": args.input})])
    blobs = []
    offset = 0
    dropped = []
    for name, t in tensors.items():
        visual = name.startswith(("visual.", "vision_model.", "visual_projection."))
        if t.dtype not in DTYPES or (args.visual_only and not visual):
            dropped.append(name)
            continue
        b = to_bytes(t)
        header[name] = {"dtype": DTYPES[t.dtype], "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(args.output, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    print("wrote %d tensors (%d bytes of data) to %s; dropped %d"
          % (len(blobs), offset, args.output, len(dropped)))


if __name__ == "__main__":
    main()
