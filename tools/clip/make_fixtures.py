#!/usr/bin/env python3
"""Reference fixtures for dev.bella.clip, computed independently of the Java code.

Run from the repository root with the system Python (Debian python3-torch 1.13, numpy,
PIL):

    /usr/bin/python3 tools/clip/make_fixtures.py

The reference network below is OpenAI's CLIP visual transformer, written out as in
openai/CLIP's clip/model.py (VisionTransformer, Transformer, ResidualAttentionBlock with
torch.nn.MultiheadAttention, QuickGELU, fp32 LayerNorm), including its (tokens, batch,
width) permute. Nothing here imports or mirrors the Java code.

It writes under bella-clip/src/test/resources/clip/:

tiny_openai_f16.safetensors
    A tiny configuration (image 32, patch 8, width 64, layers 2, heads 4, output 32)
    with seeded weights, OpenAI state-dict names (visual.*, plus a few text-tower
    tensors that a loader must ignore), float16.
tiny_hf_bf16.safetensors
    The same weights under Hugging Face CLIPModel names (vision_model.*,
    visual_projection.weight; q/k/v split from in_proj as HF's conversion script
    does; plus text_model.*, logit_scale and the int64 position_ids buffer), bfloat16.
tiny_openai_jit.pt
    A TorchScript archive (torch.jit.trace) of a wrapper module whose attribute
    `visual` is the reference network, so its parameters are named visual.* as in
    OpenAI's ViT-B-32.pt, stored in float16 as OpenAI ships it. The wrapper also
    holds top-level text-like parameters (positional_embedding, token_embedding,
    text_projection, logit_scale) that must not be mistaken for visual ones.
tiny_reference.safetensors (float32)
    images (2, 3, 32, 32); ln_pre (2, 17, 64) = tokens after ln_pre;
    resblocks.0, resblocks.1 (2, 17, 64) = outputs of each residual block, batch
    first; embedding (2, 32); embedding_gelu (2, 32) = the same weights with exact
    GELU instead of QuickGELU (LAION open_clip models).
    Computed in float64 from the weights above, stored as float32.
reference.json
    The tiny configuration, and the parameter count of the full-size ViT-B/32
    visual tower (224, 32, 768, 12, 12, 512) counted by torch itself on the
    constructed module (never run).
preprocess_*.png, preprocess_reference.safetensors
    Synthetic RGB images and CLIP's preprocessing of them with PIL, as
    torchvision's Resize(S, BICUBIC) + CenterCrop(S) + ToTensor + Normalize do on a
    PIL image: shorter side to S (longer side int(S * long / short)), PIL bicubic
    (antialiased), crop offsets int(round((size - S) / 2.0)) (Python rounds half to
    even), /255, CLIP mean/std. Each case stores the uint8 crop (H, W, 3) before
    normalisation (`<case>.pixels`) and the normalised (3, S, S) tensor
    (`<case>.tensor`); the 224 case stores every 7th row and column only.

Weights are rounded so that they are exactly representable in float16 and
bfloat16 (bfloat16 rounding, magnitudes below 2^-14 flushed to 0): every file
holds exactly the same values as the float64 reference used.
"""
import json
import math
import os
import struct
from collections import OrderedDict

import numpy as np
import torch
from PIL import Image
from torch import nn

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
OUT = os.path.join(ROOT, "bella-clip", "src", "test", "resources", "clip")

TINY = dict(image_size=32, patch_size=8, width=64, layers=2, heads=4, output_dim=32)
VIT_B32 = dict(image_size=224, patch_size=32, width=768, layers=12, heads=12, output_dim=512)
MEAN = (0.48145466, 0.4578275, 0.40821073)
STD = (0.26862954, 0.26130258, 0.27577711)


# ---------------------------------------------------------------- reference network


class LayerNorm(nn.LayerNorm):
    """fp32 LayerNorm as in openai/CLIP."""

    def forward(self, x):
        orig_type = x.dtype
        ret = super().forward(x.type(torch.float32) if x.dtype == torch.float16 else x)
        return ret.type(orig_type)


class QuickGELU(nn.Module):
    def forward(self, x):
        return x * torch.sigmoid(1.702 * x)


class ResidualAttentionBlock(nn.Module):
    def __init__(self, d_model, n_head, act):
        super().__init__()
        self.attn = nn.MultiheadAttention(d_model, n_head)
        self.ln_1 = LayerNorm(d_model)
        self.mlp = nn.Sequential(OrderedDict([
            ("c_fc", nn.Linear(d_model, d_model * 4)),
            ("gelu", act()),
            ("c_proj", nn.Linear(d_model * 4, d_model)),
        ]))
        self.ln_2 = LayerNorm(d_model)

    def attention(self, x):
        return self.attn(x, x, x, need_weights=False)[0]

    def forward(self, x):
        x = x + self.attention(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class Transformer(nn.Module):
    def __init__(self, width, layers, heads, act):
        super().__init__()
        self.width = width
        self.layers = layers
        self.resblocks = nn.Sequential(
            *[ResidualAttentionBlock(width, heads, act) for _ in range(layers)])

    def forward(self, x):
        return self.resblocks(x)


class VisionTransformer(nn.Module):
    def __init__(self, image_size, patch_size, width, layers, heads, output_dim, act=QuickGELU):
        super().__init__()
        self.input_resolution = image_size
        self.output_dim = output_dim
        self.conv1 = nn.Conv2d(3, width, kernel_size=patch_size, stride=patch_size, bias=False)
        scale = width ** -0.5
        self.class_embedding = nn.Parameter(scale * torch.randn(width))
        self.positional_embedding = nn.Parameter(
            scale * torch.randn((image_size // patch_size) ** 2 + 1, width))
        self.ln_pre = LayerNorm(width)
        self.transformer = Transformer(width, layers, heads, act)
        self.ln_post = LayerNorm(width)
        self.proj = nn.Parameter(scale * torch.randn(width, output_dim))

    def forward(self, x, intermediates=None):
        x = self.conv1(x)
        x = x.reshape(x.shape[0], x.shape[1], -1)
        x = x.permute(0, 2, 1)
        x = torch.cat([self.class_embedding.to(x.dtype)
                       + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype), x], dim=1)
        x = x + self.positional_embedding.to(x.dtype)
        x = self.ln_pre(x)
        if intermediates is not None:
            intermediates["ln_pre"] = x.clone()
        x = x.permute(1, 0, 2)  # NLD -> LND, as OpenAI does
        for i, block in enumerate(self.transformer.resblocks):
            x = block(x)
            if intermediates is not None:
                intermediates["resblocks.%d" % i] = x.permute(1, 0, 2).clone()
        x = x.permute(1, 0, 2)
        x = self.ln_post(x[:, 0, :])
        x = x @ self.proj
        return x


class OpenAiLikeClip(nn.Module):
    """The visual tower under the attribute `visual`, plus text-like top-level tensors."""

    def __init__(self, visual):
        super().__init__()
        self.visual = visual
        self.positional_embedding = nn.Parameter(torch.zeros(5, 16))
        self.token_embedding = nn.Embedding(10, 16)
        self.text_projection = nn.Parameter(torch.zeros(16, 32))
        self.logit_scale = nn.Parameter(torch.ones([]) * math.log(1 / 0.07))

    def forward(self, image):
        return self.visual(image)


# ---------------------------------------------------------------- weights


def representable(t):
    """Rounds to bfloat16, flushes |x| < 2^-14 to zero: exact in f16, bf16 and f32."""
    t = t.to(torch.bfloat16).to(torch.float32)
    t[t.abs() < 2.0 ** -14] = 0
    assert torch.equal(t.to(torch.float16).to(torch.float32), t)
    return t


def seeded_weights(model, seed):
    gen = torch.Generator().manual_seed(seed)
    sd = model.state_dict()
    out = OrderedDict()
    for name, value in sd.items():
        shape = value.shape
        z = torch.randn(shape, generator=gen)
        if name.endswith("ln_1.weight") or name.endswith("ln_2.weight") or \
                name in ("ln_pre.weight", "ln_post.weight"):
            v = 1.0 + 0.2 * z
        elif name.endswith("bias"):
            v = 0.1 * z
        elif name == "conv1.weight":
            v = z / math.sqrt(shape[1] * shape[2] * shape[3])
        elif name in ("class_embedding", "positional_embedding"):
            v = 0.3 * z
        elif name == "proj":
            v = z / math.sqrt(shape[0])
        else:  # Linear weights (out, in)
            v = z / math.sqrt(shape[1])
        out[name] = representable(v)
    return out


# ---------------------------------------------------------------- safetensors (by hand)


def to_bytes(t, dtype):
    t = t.detach().contiguous()
    if dtype == "F32":
        return t.to(torch.float32).numpy().astype("<f4").tobytes()
    if dtype == "F16":
        return t.to(torch.float16).numpy().astype("<f2").tobytes()
    if dtype == "BF16":
        return t.to(torch.bfloat16).view(torch.int16).numpy().astype("<i2").tobytes()
    if dtype == "I64":
        return t.to(torch.int64).numpy().astype("<i8").tobytes()
    raise ValueError(dtype)


def write_safetensors(path, tensors, metadata=None):
    """tensors: list of (name, tensor, dtype)."""
    header = OrderedDict()
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t, dtype in tensors:
        b = to_bytes(t, dtype)
        header[name] = {"dtype": dtype, "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode("utf-8")
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)


def hf_names(sd, layers):
    """OpenAI visual state dict -> Hugging Face CLIPModel names (as HF's conversion script)."""
    out = OrderedDict()
    out["vision_model.embeddings.class_embedding"] = sd["class_embedding"]
    out["vision_model.embeddings.patch_embedding.weight"] = sd["conv1.weight"]
    out["vision_model.embeddings.position_embedding.weight"] = sd["positional_embedding"]
    out["vision_model.pre_layrnorm.weight"] = sd["ln_pre.weight"]
    out["vision_model.pre_layrnorm.bias"] = sd["ln_pre.bias"]
    for i in range(layers):
        o = "transformer.resblocks.%d." % i
        h = "vision_model.encoder.layers.%d." % i
        q, k, v = sd[o + "attn.in_proj_weight"].chunk(3, dim=0)
        qb, kb, vb = sd[o + "attn.in_proj_bias"].chunk(3, dim=0)
        out[h + "self_attn.k_proj.weight"] = k
        out[h + "self_attn.k_proj.bias"] = kb
        out[h + "self_attn.v_proj.weight"] = v
        out[h + "self_attn.v_proj.bias"] = vb
        out[h + "self_attn.q_proj.weight"] = q
        out[h + "self_attn.q_proj.bias"] = qb
        out[h + "self_attn.out_proj.weight"] = sd[o + "attn.out_proj.weight"]
        out[h + "self_attn.out_proj.bias"] = sd[o + "attn.out_proj.bias"]
        out[h + "layer_norm1.weight"] = sd[o + "ln_1.weight"]
        out[h + "layer_norm1.bias"] = sd[o + "ln_1.bias"]
        out[h + "mlp.fc1.weight"] = sd[o + "mlp.c_fc.weight"]
        out[h + "mlp.fc1.bias"] = sd[o + "mlp.c_fc.bias"]
        out[h + "mlp.fc2.weight"] = sd[o + "mlp.c_proj.weight"]
        out[h + "mlp.fc2.bias"] = sd[o + "mlp.c_proj.bias"]
        out[h + "layer_norm2.weight"] = sd[o + "ln_2.weight"]
        out[h + "layer_norm2.bias"] = sd[o + "ln_2.bias"]
    out["vision_model.post_layernorm.weight"] = sd["ln_post.weight"]
    out["vision_model.post_layernorm.bias"] = sd["ln_post.bias"]
    out["visual_projection.weight"] = sd["proj"].t()
    return out


# ---------------------------------------------------------------- model fixtures


def model_fixtures():
    torch.manual_seed(0)
    cfg = TINY
    model = VisionTransformer(**cfg)
    weights = seeded_weights(model, 20250101)
    model.load_state_dict(weights)
    model.eval()

    text_like = OrderedDict([
        ("positional_embedding", representable(torch.randn(5, 16))),
        ("token_embedding.weight", representable(torch.randn(10, 16))),
        ("text_projection", representable(torch.randn(16, 32))),
        ("logit_scale", torch.tensor(math.log(100.0))),
    ])

    # OpenAI naming, float16, with text tensors a loader must ignore.
    tensors = [("visual." + k, v, "F16") for k, v in weights.items()]
    tensors += [(k, v, "F16") for k, v in text_like.items() if k != "logit_scale"]
    tensors.append(("logit_scale", text_like["logit_scale"], "F32"))
    write_safetensors(os.path.join(OUT, "tiny_openai_f16.safetensors"), tensors,
                      {"format": "pt", "source": "tools/clip/make_fixtures.py"})

    # Hugging Face naming, bfloat16.
    hf = hf_names(weights, cfg["layers"])
    tokens = (cfg["image_size"] // cfg["patch_size"]) ** 2 + 1
    tensors = [("text_model.embeddings.token_embedding.weight",
                text_like["token_embedding.weight"], "BF16")]
    tensors += [(k, v, "BF16") for k, v in hf.items()]
    tensors.append(("vision_model.embeddings.position_ids",
                    torch.arange(tokens).unsqueeze(0), "I64"))
    tensors.append(("text_projection.weight", text_like["text_projection"].t(), "BF16"))
    tensors.append(("logit_scale", text_like["logit_scale"], "F32"))
    write_safetensors(os.path.join(OUT, "tiny_hf_bf16.safetensors"), tensors,
                      {"format": "pt"})

    # Inputs and float64 reference outputs.
    gen = torch.Generator().manual_seed(7)
    images = torch.randn(2, 3, cfg["image_size"], cfg["image_size"], generator=gen)
    ref = model.double()
    inter = OrderedDict()
    with torch.no_grad():
        emb = ref(images.double(), inter)
        gelu_model = VisionTransformer(**cfg, act=nn.GELU).double()
        gelu_model.load_state_dict({k: v.double() for k, v in weights.items()})
        emb_gelu = gelu_model(images.double())
    out = [("images", images, "F32")]
    out += [(k, v, "F32") for k, v in inter.items()]
    out += [("embedding", emb, "F32"), ("embedding_gelu", emb_gelu, "F32")]
    write_safetensors(os.path.join(OUT, "tiny_reference.safetensors"), out)

    # TorchScript (as OpenAI ships ViT-B-32.pt): traced in float32, stored in float16.
    wrapper = OpenAiLikeClip(VisionTransformer(**cfg))
    wrapper.visual.load_state_dict(weights)
    with torch.no_grad():
        wrapper.positional_embedding.copy_(text_like["positional_embedding"])
        wrapper.token_embedding.weight.copy_(text_like["token_embedding.weight"])
        wrapper.text_projection.copy_(text_like["text_projection"])
    wrapper.eval()
    traced = torch.jit.trace(wrapper, images[:1])
    traced = traced.half()
    torch.jit.save(traced, os.path.join(OUT, "tiny_openai_jit.pt"))
    check = torch.jit.load(os.path.join(OUT, "tiny_openai_jit.pt"))
    names = [n for n, _ in check.named_parameters()]
    assert "visual.transformer.resblocks.0.attn.in_proj_weight" in names, names
    for n, p in check.named_parameters():
        assert p.dtype == torch.float16, (n, p.dtype)

    full = VisionTransformer(**VIT_B32)
    full_count = sum(p.numel() for p in full.parameters())
    tiny_count = sum(p.numel() for p in model.parameters())
    info = OrderedDict([
        ("tiny", cfg),
        ("tiny_parameter_count", tiny_count),
        ("vit_b32", VIT_B32),
        ("vit_b32_parameter_count", full_count),
        ("reference_dtype", "float64, stored as float32"),
        ("torch", torch.__version__),
    ])
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")
    print("tiny parameters", tiny_count, "ViT-B/32 parameters", full_count)
    print("max |embedding|", float(emb.abs().max()))


# ---------------------------------------------------------------- preprocessing


def synthetic_image(w, h, seed, noise):
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    r = 127.5 + 100 * np.sin(x / 5.0) * np.cos(y / 7.0)
    g = 255.0 * x / max(w - 1, 1)
    b = 255.0 * ((x + 2 * y) % 17) / 16.0
    img = np.stack([r, g, b], axis=-1) + rng.normal(0, noise, size=(h, w, 3))
    return Image.fromarray(np.clip(np.rint(img), 0, 255).astype(np.uint8), "RGB")


def clip_preprocess(img, size):
    w, h = img.size
    if w <= h:
        nw, nh = size, int(size * h / w)
    else:
        nw, nh = int(size * w / h), size
    if (nw, nh) != (w, h):
        img = img.resize((nw, nh), Image.BICUBIC)
    top = int(round((nh - size) / 2.0))
    left = int(round((nw - size) / 2.0))
    img = img.crop((left, top, left + size, top + size))
    pixels = np.asarray(img.convert("RGB"), dtype=np.uint8)
    t = pixels.astype(np.float32) / np.float32(255.0)
    t = (t - np.array(MEAN, dtype=np.float32)) / np.array(STD, dtype=np.float32)
    return pixels, np.ascontiguousarray(t.transpose(2, 0, 1))


def preprocess_fixtures():
    # (name, width, height, target size): downscale with an odd crop remainder (8.5 ->
    # 8), upscale (5.5 -> 6), and the real 224 pipeline.
    # The large image has no noise so that its PNG stays small.
    cases = [("landscape", 77, 50, 32, 1, 12), ("portrait", 20, 27, 32, 2, 12),
             ("photo", 260, 229, 224, 3, 0)]
    tensors = []
    for name, w, h, size, seed, noise in cases:
        img = synthetic_image(w, h, seed, noise)
        img.save(os.path.join(OUT, "preprocess_%s.png" % name), optimize=True)
        pixels, t = clip_preprocess(img, size)
        if size > 64:
            pixels, t = pixels[::7, ::7, :], t[:, ::7, ::7]
        tensors.append((name + ".pixels", torch.from_numpy(pixels.astype(np.float32)), "F32"))
        tensors.append((name + ".tensor", torch.from_numpy(np.ascontiguousarray(t)), "F32"))
    write_safetensors(os.path.join(OUT, "preprocess_reference.safetensors"), tensors)


def main():
    os.makedirs(OUT, exist_ok=True)
    model_fixtures()
    preprocess_fixtures()
    total = sum(os.path.getsize(os.path.join(OUT, f)) for f in os.listdir(OUT))
    print("fixtures:", total, "bytes in", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
