#!/usr/bin/env python3
"""PyTorch reference timings for `npm run bench` (bench/run.mjs reads the JSON this writes).

The model is written after the official AA-CLIP code (model/adapter.py, model/transformer.py,
forward_utils.py, train.py of the AA-CLIP repository): open_clip-style residual blocks with
nn.MultiheadAttention called with its defaults (need_weights=True, as the official block does),
exact GELU, image adapters (Linear + LeakyReLU) after the first 6 vision blocks with the norm
rescale and 0.1 mixing, seg projections of blocks 6/12/18/24 and the det projection (Linear,
relu off: the training script's default), the text adapters; the stage-2 loss is the official
one (cross-entropy of det @ anchors, then per level: 100 * f @ anchors, bilinear align_corners
upsampling, softmax, FocalLoss (gamma 2, smooth 1e-5) + dice(P0, 1-mask) + dice(P1, mask)),
Adam(betas 0.5, 0.999), MultiStepLR, frozen backbone. Weights are random (timing only), except
`demo`, which loads packages/backend-node/models/demo.safetensors.

Debian's python3-torch (1.13) is enough; python3-sklearn for `metrics`. Never used by tests.

  python3 bench/pytorch/aaclip_bench.py forward --model ViT-L-14-336 --size 518 --batch 1
  python3 bench/pytorch/aaclip_bench.py train-step --model ViT-L-14-336 --size 518 --batch 2
  python3 bench/pytorch/aaclip_bench.py text-anchors --model ViT-L-14-336
  python3 bench/pytorch/aaclip_bench.py metrics --images 167 --size 518
  python3 bench/pytorch/aaclip_bench.py demo --images 64
  python3 bench/pytorch/aaclip_bench.py all [--quick]   # every case, one process each -> bench/results/pytorch-<date>.json

Each case prints one JSON line; `--threads` (default 2) sets torch's intra-op threads.
"""
import argparse
import json
import math
import os
import platform
import resource
import subprocess
import sys
import time
from collections import OrderedDict
from datetime import datetime, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

PRESETS = {
    "ViT-B-16": dict(embed=512, size=224, patch=16, width=768, layers=12, heads=12, ctx=77, vocab=49408, twidth=512, theads=8, tlayers=12),
    "ViT-L-14": dict(embed=768, size=224, patch=14, width=1024, layers=24, heads=16, ctx=77, vocab=49408, twidth=768, theads=12, tlayers=12),
    "ViT-L-14-336": dict(embed=768, size=336, patch=14, width=1024, layers=24, heads=16, ctx=77, vocab=49408, twidth=768, theads=12, tlayers=12),
    # the demo model (packages/backend-node/models/demo.safetensors)
    "demo": dict(embed=64, size=128, patch=8, width=96, layers=6, heads=3, ctx=64, vocab=259, twidth=64, theads=2, tlayers=2),
}


def aaclip_config(layers, text_layers):
    """The AA-CLIP defaults scaled to the depth (levels at 1/4..4/4, as @aaclip/core)."""
    q = layers / 4
    levels = [int(math.floor(k * q + 0.5)) for k in (1, 2, 3, 4)]
    return dict(levels=levels, image_adapt_until=min(6, layers), text_adapt_until=min(3, text_layers), i_w=0.1, t_w=0.1)


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def build(torch, nn, F, cfg, size, text=True, aa=None):
    """The official-equivalent AdaptedCLIP for `cfg` at input `size` (positional embedding at that grid)."""

    class ResidualAttentionBlock(nn.Module):
        def __init__(self, d, h):
            super().__init__()
            self.ln_1 = nn.LayerNorm(d)
            self.attn = nn.MultiheadAttention(d, h)
            self.ln_2 = nn.LayerNorm(d)
            self.mlp = nn.Sequential(OrderedDict([("c_fc", nn.Linear(d, 4 * d)), ("gelu", nn.GELU()), ("c_proj", nn.Linear(4 * d, d))]))

        def forward(self, x, attn_mask=None):
            y = self.ln_1(x)
            tmp, attn = self.attn(y, y, y, attn_mask=attn_mask)  # need_weights defaults to True, as in the official block
            x = x + tmp
            x = x + self.mlp(self.ln_2(x))
            return x, attn

    class Transformer(nn.Module):
        def __init__(self, d, layers, h):
            super().__init__()
            self.resblocks = nn.ModuleList([ResidualAttentionBlock(d, h) for _ in range(layers)])

    class VisionTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            W, p = cfg["width"], cfg["patch"]
            g = size // p
            scale = W ** -0.5
            self.conv1 = nn.Conv2d(3, W, kernel_size=p, stride=p, bias=False)
            self.class_embedding = nn.Parameter(scale * torch.randn(W))
            self.positional_embedding = nn.Parameter(scale * torch.randn(g * g + 1, W))
            self.ln_pre = nn.LayerNorm(W)
            self.transformer = Transformer(W, cfg["layers"], cfg["heads"])
            self.ln_post = nn.LayerNorm(W)
            self.proj = nn.Parameter(scale * torch.randn(W, cfg["embed"]))

    class CLIP(nn.Module):
        def __init__(self):
            super().__init__()
            self.visual = VisionTransformer()
            if text:
                T, ctx = cfg["twidth"], cfg["ctx"]
                self.token_embedding = nn.Embedding(cfg["vocab"], T)
                self.positional_embedding = nn.Parameter(0.01 * torch.randn(ctx, T))
                self.transformer = Transformer(T, cfg["tlayers"], cfg["theads"])
                self.ln_final = nn.LayerNorm(T)
                self.text_projection = nn.Parameter(T ** -0.5 * torch.randn(T, cfg["embed"]))
                mask = torch.empty(ctx, ctx)
                mask.fill_(float("-inf"))
                mask.triu_(1)
                self.register_buffer("attn_mask", mask, persistent=False)

    class SimpleAdapter(nn.Module):
        def __init__(self, c_in, c_out):
            super().__init__()
            self.fc = nn.Sequential(nn.Linear(c_in, c_out, bias=False), nn.LeakyReLU())

        def forward(self, x):
            return self.fc(x)

    class SimpleProj(nn.Module):
        def __init__(self, c_in, c_out, relu):
            super().__init__()
            self.fc = nn.Sequential(nn.Linear(c_in, c_out, bias=False), nn.LeakyReLU()) if relu else nn.Linear(c_in, c_out, bias=False)

        def forward(self, x):
            return self.fc(x)

    class AdaptedCLIP(nn.Module):
        def __init__(self, clip, a):
            super().__init__()
            self.clipmodel = clip
            self.image_encoder = clip.visual
            self.levels = a["levels"]
            self.image_adapt_until = a["image_adapt_until"]
            self.text_adapt_until = a["text_adapt_until"]
            self.i_w, self.t_w = a["i_w"], a["t_w"]
            W, E = cfg["width"], cfg["embed"]
            self.image_adapter = nn.ModuleDict(
                {
                    "layer_adapters": nn.ModuleList([SimpleAdapter(W, W) for _ in range(self.image_adapt_until)]),
                    "seg_proj": nn.ModuleList([SimpleProj(W, E, False) for _ in self.levels]),
                    "det_proj": SimpleProj(W, E, False),
                }
            )
            if text:
                T = cfg["twidth"]
                self.text_adapter = nn.ModuleList([SimpleAdapter(T, T) for _ in range(self.text_adapt_until)] + [SimpleProj(T, E, True)])
            for p in self.image_adapter.parameters():
                if p.dim() > 1:
                    nn.init.xavier_uniform_(p)

        def forward(self, x):
            enc = self.image_encoder
            x = enc.conv1(x)
            x = x.reshape(x.shape[0], x.shape[1], -1).permute(0, 2, 1)
            x = torch.cat([enc.class_embedding.to(x.dtype) + torch.zeros(x.shape[0], 1, x.shape[-1], dtype=x.dtype), x], dim=1)
            x = x + enc.positional_embedding.to(x.dtype)
            x = enc.ln_pre(x)
            x = x.permute(1, 0, 2)
            tokens = []
            for i in range(len(enc.transformer.resblocks)):
                x, _ = enc.transformer.resblocks[i](x, attn_mask=None)
                if i < self.image_adapt_until:
                    adapt_out = self.image_adapter["layer_adapters"][i](x)
                    adapt_out = adapt_out * x.norm(dim=-1, keepdim=True) / adapt_out.norm(dim=-1, keepdim=True)
                    x = self.i_w * adapt_out + (1 - self.i_w) * x
                if i + 1 in self.levels:
                    tokens.append(x[1:, :, :])
            tokens = [t.permute(1, 0, 2) for t in tokens]
            tokens = [enc.ln_post(t) for t in tokens]
            seg_tokens = [self.image_adapter["seg_proj"][i](t) for i, t in enumerate(tokens)]
            seg_tokens = [F.normalize(t, dim=-1) for t in seg_tokens]
            det_token = self.image_adapter["det_proj"](tokens[-1])
            det_token = F.normalize(det_token, dim=-1).mean(1)
            return seg_tokens, det_token

        def encode_text(self, text_ids):
            c = self.clipmodel
            x = c.token_embedding(text_ids)
            x = x + c.positional_embedding
            x = x.permute(1, 0, 2)
            for i in range(len(c.transformer.resblocks)):
                x, _ = c.transformer.resblocks[i](x, attn_mask=c.attn_mask)
                if i < self.text_adapt_until:
                    adapt_out = self.text_adapter[i](x)
                    adapt_out = adapt_out * x.norm(dim=-1, keepdim=True) / adapt_out.norm(dim=-1, keepdim=True)
                    x = self.t_w * adapt_out + (1 - self.t_w) * x
            x = x.permute(1, 0, 2)
            x = c.ln_final(x)
            return self.text_adapter[-1](x[torch.arange(x.shape[0]), text_ids.argmax(dim=-1)])

    a = aa or aaclip_config(cfg["layers"], cfg["tlayers"])
    model = AdaptedCLIP(CLIP(), a)
    model.eval()
    for p in model.clipmodel.parameters():
        p.requires_grad_(False)
    return model


# ---------------------------------------------------------------------------------------------
# forward_utils.py equivalents


def calculate_similarity_map(torch, F, patch_features, text_feature, img_size, test=False, domain="Industrial"):
    scores = 100.0 * torch.matmul(patch_features, text_feature)
    B, L, C = scores.shape
    H = int(math.sqrt(L))
    pred = scores.permute(0, 2, 1).view(B, C, H, H)
    if test:
        sigma = 1.0 if domain == "Industrial" else 1.5
        k = 7 if domain == "Industrial" else 9
        pred = ((pred[:, 1] + 1 - pred[:, 0]) / 2).unsqueeze(1)
        pred = gaussian_blur2d(torch, F, pred, k, sigma)
    preds = F.interpolate(pred, size=img_size, mode="bilinear", align_corners=True)
    if not test and C > 1:
        preds = torch.softmax(preds, dim=1)
    return preds


def gaussian_blur2d(torch, F, x, k, sigma):
    """kornia.filters.gaussian_blur2d (reflect border) as a 2-D convolution."""
    r = (k - 1) // 2
    t = torch.arange(k, dtype=x.dtype) - r
    g = torch.exp(-(t ** 2) / (2 * sigma ** 2))
    g = g / g.sum()
    kernel = (g[:, None] * g[None, :])[None, None]
    return F.conv2d(F.pad(x, (r, r, r, r), mode="reflect"), kernel)


def focal_loss(torch, logit, target, gamma=2, smooth=1e-5):
    num_class = logit.shape[1]
    logit = logit.view(logit.size(0), logit.size(1), -1).permute(0, 2, 1).contiguous().view(-1, num_class)
    target = torch.squeeze(target, 1).view(-1, 1)
    alpha = torch.ones(num_class, 1)
    idx = target.cpu().long()
    one_hot = torch.FloatTensor(target.size(0), num_class).zero_().scatter_(1, idx, 1)
    one_hot = torch.clamp(one_hot, smooth / (num_class - 1), 1.0 - smooth)
    pt = (one_hot * logit).sum(1) + smooth
    logpt = pt.log()
    alpha = torch.squeeze(alpha[idx])
    return (-1 * alpha * torch.pow((1 - pt), gamma) * logpt).mean()


def dice_loss(inp, targets):
    N = targets.size()[0]
    i = inp.view(N, -1)
    t = targets.view(N, -1)
    eff = (2 * (i * t).sum(1) + 1) / (i.sum(1) + t.sum(1) + 1)
    return 1 - eff.sum() / N


def seg_loss(torch, preds, mask):
    loss = focal_loss(torch, preds, mask)
    loss = loss + dice_loss(preds[:, 0, :, :], 1 - mask)
    loss = loss + dice_loss(preds[:, 1, :, :], mask)
    return loss


def random_anchors(torch, E, seed=3):
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(E, 2, generator=g)
    return a / a.norm(dim=0, keepdim=True)


def synthetic_tokens(torch, count, offset, ctx, vocab):
    """Sentence k: SOT, 4 + (k % 4) ids from a fixed LCG, EOT, zeros (as bench/text-anchors.mjs)."""
    out = torch.zeros(count, ctx, dtype=torch.long)
    s = 12345 + offset
    for k in range(count):
        n = 4 + ((k + offset) % 4)
        out[k, 0] = vocab - 2
        for t in range(1, n + 1):
            s = (s * 1103515245 + 12345) % 2147483648
            out[k, t] = 1 + (s % (vocab - 3))
        out[k, n + 1] = vocab - 1
    return out


# ---------------------------------------------------------------------------------------------
# cases


def preset(args):
    cfg = dict(PRESETS[args.model])
    if args.layers:
        cfg["layers"] = args.layers
    return cfg


def case_forward(torch, nn, F, args):
    cfg = preset(args)
    model = build(torch, nn, F, cfg, args.size, text=False)
    x = torch.randn(args.batch, 3, args.size, args.size)
    times = []
    with torch.no_grad():
        for _ in range(args.repeat):
            t = time.perf_counter()
            seg, det = model(x)
            times.append(time.perf_counter() - t)
    best = min(times)
    layers = f"/l{args.layers}" if args.layers else ""
    return dict(key=f"forward/{args.model}{layers}/{args.size}/b{args.batch}", case=f"{args.model} AA-CLIP forward", size=args.size, batch=args.batch,
                seconds=best, times=times, secondsPerImage=best / args.batch, peakRssMiB=peak_rss_mib())


def case_train_step(torch, nn, F, args):
    cfg = preset(args)
    S, B = args.size, args.batch
    model = build(torch, nn, F, cfg, S, text=False)
    opt = torch.optim.Adam(model.image_adapter.parameters(), lr=5e-4, betas=(0.5, 0.999))
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[16000, 32000], gamma=0.5)
    image = torch.randn(B, 3, S, S)
    label = torch.tensor([b % 2 for b in range(B)], dtype=torch.long)
    mask = torch.zeros(B, 1, S, S)
    s = S // 4
    for b in range(B):
        if b % 2:
            mask[b, 0, s:2 * s, s:2 * s] = 1
    anchors = random_anchors(torch, cfg["embed"])
    text = torch.stack([anchors for _ in range(B)], dim=0)  # [B, E, 2]
    times = []
    loss_value = float("nan")
    for _ in range(args.steps):
        t = time.perf_counter()
        patch_features, det_feature = model(image)
        loss = 0.0
        cls_preds = torch.matmul(det_feature.unsqueeze(1), text)[:, 0]
        loss += F.cross_entropy(cls_preds, label)
        for f in patch_features:
            preds = calculate_similarity_map(torch, F, f, text, S)
            loss += seg_loss(torch, preds, mask)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        times.append(time.perf_counter() - t)
        loss_value = loss.item()
    layers = f"/l{args.layers}" if args.layers else ""
    return dict(key=f"train-step/{args.model}{layers}/{S}/b{B}", case=f"{args.model} stage-2 training step", size=S, batch=B,
                seconds=min(times), times=times, loss=loss_value, peakRssMiB=peak_rss_mib())


def case_text_anchors(torch, nn, F, args):
    cfg = preset(args)
    cfg["layers"] = 4  # the vision tower is not used: keep it small
    cfg["width"], cfg["heads"], cfg["patch"] = 64, 1, 16
    model = build(torch, nn, F, cfg, 32, text=True, aa=aaclip_config(PRESETS[args.model]["layers"], cfg["tlayers"]))
    normal = synthetic_tokens(torch, args.normal, 0, cfg["ctx"], cfg["vocab"])
    abnormal = synthetic_tokens(torch, args.abnormal, 1000, cfg["ctx"], cfg["vocab"])
    times = []
    with torch.no_grad():
        for _ in range(args.repeat):
            t = time.perf_counter()
            feats = []
            for ids in (normal, abnormal):  # get_adapted_single_class_text_embedding
                e = model.encode_text(ids)
                e = e / e.norm(dim=-1, keepdim=True)
                e = e.mean(dim=0)
                feats.append(e / e.norm())
            torch.stack(feats, dim=1)
            times.append(time.perf_counter() - t)
    n = args.normal + args.abnormal
    return dict(key=f"text-anchors/{args.model}/{n}", case=f"{args.model} text anchors, one class", sentences=n, seconds=min(times), times=times, peakRssMiB=peak_rss_mib())


def case_metrics(args):
    import numpy as np
    from sklearn.metrics import average_precision_score, roc_auc_score

    count, size = args.images, args.size
    rng = np.random.default_rng(5)
    yy, xx = np.mgrid[0:size, 0:size]
    preds = np.empty((count, size, size), dtype=np.float32)
    labels = np.zeros((count, 1, size, size), dtype=np.float32)
    image_label = np.array([i % 2 for i in range(count)])
    s = size // 8
    for i in range(count):
        m = 0.3 * np.sin(xx / 17 + i) * np.cos(yy / 23) + 0.2 * rng.standard_normal((size, size))
        if i % 2:
            x0, y0 = (i * 37) % (size - s), (i * 91) % (size - s)
            labels[i, 0, y0:y0 + s, x0:x0 + s] = 1
            m[y0:y0 + s, x0:x0 + s] += 0.6
        preds[i] = m
    image_preds = np.array([0.4 + 0.3 * (i % 2) + 0.1 * math.sin(i) for i in range(count)], dtype=np.float32)
    t = time.perf_counter()
    # forward_utils.metrics_eval
    pixel_preds = preds
    if pixel_preds.max() != 1:
        pixel_preds = (pixel_preds - pixel_preds.min()) / (pixel_preds.max() - pixel_preds.min())
    if image_preds.max() != 1:
        image_preds = (image_preds - image_preds.min()) / (image_preds.max() - image_preds.min())
    pmax = pixel_preds.max(axis=(1, 2))
    image_preds = pmax * 0.5 + image_preds * 0.5
    pl, pp = labels.flatten(), pixel_preds.flatten()
    pixel_auc = roc_auc_score(pl, pp)
    pixel_ap = average_precision_score(pl, pp)
    image_auc = roc_auc_score(image_label, image_preds)
    image_ap = average_precision_score(image_label, image_preds)
    seconds = time.perf_counter() - t
    result = {"pixel AUC": round(pixel_auc, 4) * 100, "pixel AP": round(pixel_ap, 4) * 100, "image AUC": round(image_auc, 4) * 100, "image AP": round(image_ap, 4) * 100}
    return dict(key=f"metrics/{count}/{size}", case=f"metrics of one class ({count} images, {size} px)", images=count, size=size, seconds=seconds, official=result, peakRssMiB=peak_rss_mib())


def read_safetensors(torch, path):
    import numpy as np

    with open(path, "rb") as f:
        n = int.from_bytes(f.read(8), "little")
        header = json.loads(f.read(n))
        data = f.read()
    meta = header.pop("__metadata__", {})
    out = {}
    for k, v in header.items():
        dtype = {"F32": np.float32, "F16": np.float16}[v["dtype"]]
        a, b = v["data_offsets"]
        out[k] = torch.from_numpy(np.frombuffer(data[a:b], dtype=dtype).astype(np.float32).reshape(v["shape"]))
    return out, meta


def case_demo(torch, nn, F, args):
    tensors, meta = read_safetensors(torch, os.path.join(REPO, "packages", "backend-node", "models", "demo.safetensors"))
    c = json.loads(meta["clip_config"])
    a = json.loads(meta["aaclip_config"])
    cfg = dict(embed=c["embedDim"], size=c["vision"]["imageSize"], patch=c["vision"]["patchSize"], width=c["vision"]["width"], layers=c["vision"]["layers"],
               heads=c["vision"]["heads"], ctx=c["text"]["contextLength"], vocab=c["text"]["vocabSize"], twidth=c["text"]["width"], theads=c["text"]["heads"],
               tlayers=c["text"]["layers"])
    aa = dict(levels=a["levels"], image_adapt_until=a["imageAdaptUntil"], text_adapt_until=a["textAdaptUntil"], i_w=a["imageAdaptWeight"], t_w=a["textAdaptWeight"])
    S = args.size or cfg["size"]
    model = build(torch, nn, F, cfg, S, text=True, aa=aa)
    state = {}
    for k, v in tensors.items():
        if k.startswith("anchors."):
            continue
        state[k if k.startswith(("image_adapter.", "text_adapter.")) else "clipmodel." + k] = v
        if k.startswith("visual."):
            state["image_encoder." + k[len("visual."):]] = v  # the same module under its alias
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise SystemExit(f"demo weights do not fit the model: missing {missing[:5]}, unexpected {unexpected[:5]}")
    anchors = tensors[f"anchors.{args.class_name}"]  # [E, 2]
    images = [torch.randn(1, 3, S, S) for _ in range(args.images)]

    def detect(x):
        seg, det = model(x)
        amap = sum(calculate_similarity_map(torch, F, f, anchors, S, test=True) for f in seg)
        score = ((det @ anchors)[:, 1] + 1) / 2
        return amap, score

    with torch.no_grad():
        detect(images[0])
        t = time.perf_counter()
        for x in images:
            detect(x)
        seconds = time.perf_counter() - t
    return dict(key=f"demo/{S}", case=f"demo model detect ({S} px)", images=args.images, size=S, imagesPerSecond=args.images / seconds, peakRssMiB=peak_rss_mib())


def plan(quick):
    """The cases of `all` (one process each), matching bench/run.mjs's rows."""
    if quick:
        return [
            ["forward", "--model", "ViT-B-16", "--size", "224", "--batch", "1", "--repeat", "2"],
            ["forward", "--model", "ViT-B-16", "--size", "224", "--batch", "4", "--repeat", "1"],
            ["train-step", "--model", "ViT-B-16", "--layers", "4", "--size", "224", "--batch", "2", "--steps", "2"],
            ["text-anchors", "--model", "ViT-B-16"],
            ["metrics", "--images", "16", "--size", "224"],
            ["demo", "--images", "32"],
        ]
    return [
        ["forward", "--model", "ViT-L-14-336", "--size", "336", "--batch", "1", "--repeat", "2"],
        ["forward", "--model", "ViT-L-14-336", "--size", "518", "--batch", "1", "--repeat", "2"],
        ["forward", "--model", "ViT-L-14-336", "--size", "336", "--batch", "8", "--repeat", "1"],
        ["forward", "--model", "ViT-L-14-336", "--size", "518", "--batch", "8", "--repeat", "1"],
        ["train-step", "--model", "ViT-L-14-336", "--size", "518", "--batch", "2", "--steps", "2"],
        ["train-step", "--model", "ViT-L-14-336", "--layers", "4", "--size", "224", "--batch", "1", "--steps", "2"],
        ["text-anchors", "--model", "ViT-L-14-336"],
        ["metrics", "--images", "167", "--size", "518"],
        ["demo", "--images", "64"],
    ]


def run_all(args):
    import torch

    results = []
    for c in plan(args.quick):
        cmd = [sys.executable, os.path.abspath(__file__), *c, "--threads", str(args.threads)]
        print("$ " + " ".join(c), file=sys.stderr, flush=True)
        t = time.perf_counter()
        p = subprocess.run(cmd, stdout=subprocess.PIPE, text=True)
        if p.returncode != 0:
            results.append({"key": "/".join(c), "error": f"exit code {p.returncode}"})
            continue
        r = json.loads(p.stdout.strip().splitlines()[-1])
        print(f"  {json.dumps(r)}  ({time.perf_counter() - t:.0f} s)", file=sys.stderr, flush=True)
        results.append(r)
    doc = {
        "date": datetime.now(timezone.utc).isoformat(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": args.threads,
        "cpus": os.cpu_count(),
        "cpu": cpu_model(),
        "quick": args.quick,
        "results": results,
    }
    os.makedirs(os.path.join(REPO, "bench", "results"), exist_ok=True)
    out = args.out or os.path.join(REPO, "bench", "results", f"pytorch-{'quick-' if args.quick else ''}{datetime.now(timezone.utc).strftime('%Y-%m-%dT%H-%M-%SZ')}.json")
    with open(out, "w") as f:
        json.dump(doc, f, indent=2)
    print(f"wrote {out}", file=sys.stderr)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("cmd", choices=["forward", "train-step", "text-anchors", "metrics", "demo", "all"])
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--model", default="ViT-L-14-336", choices=sorted(PRESETS))
    p.add_argument("--layers", type=int, default=None, help="fewer vision blocks (a proxy of the same width)")
    p.add_argument("--size", type=int, default=None)
    p.add_argument("--batch", type=int, default=1)
    p.add_argument("--repeat", type=int, default=2)
    p.add_argument("--steps", type=int, default=2)
    p.add_argument("--normal", type=int, default=6, help="normal sentences (official set: 3 states x 2 templates)")
    p.add_argument("--abnormal", type=int, default=10, help="abnormal sentences (official set: 5 states x 2 templates)")
    p.add_argument("--images", type=int, default=None)
    p.add_argument("--class-name", default="tiles")
    p.add_argument("--quick", action="store_true", help="all: the small configs of `npm run bench -- --quick`")
    p.add_argument("--out", default=None, help="all: output JSON path")
    args = p.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    os.environ.setdefault("MKL_NUM_THREADS", str(args.threads))
    if args.cmd == "all":
        return run_all(args)
    if args.cmd == "metrics":
        args.images = args.images or 167
        args.size = args.size or 518
        print(json.dumps(case_metrics(args)))
        return
    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.cmd == "demo":
        args.images = args.images or 64
        r = case_demo(torch, nn, F, args)
    else:
        args.size = args.size or PRESETS[args.model]["size"]
        r = {"forward": case_forward, "train-step": case_train_step, "text-anchors": case_text_anchors}[args.cmd](torch, nn, F, args)
    r["threads"] = args.threads
    r["torch"] = torch.__version__
    print(json.dumps(r))


if __name__ == "__main__":
    main()
