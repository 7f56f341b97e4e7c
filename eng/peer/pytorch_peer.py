#!/usr/bin/env python3
"""The PyTorch side of the OneShot performance report (`report` in benchmarks/OneShot.Benchmarks).

The report starts this script once and drives it over stdin/stdout, one JSON object per line each way, so that its
own measurements and PyTorch's alternate in one run (drift in the machine's speed hits both sides alike). Every
timing is taken here with time.perf_counter around the work alone (the pipe is not timed).

The networks are the same as OneShot's (Conv4, ResNet-12, ResNet-18 without its classifier), with random weights:
speed does not depend on the values. Inference is timed two ways: plain `eval()` + `inference_mode` (what a
PyTorch user writes first) and `torch.jit.optimize_for_inference(torch.jit.script(model))` (the one-line upgrade:
freezing, conv+bn folding, MKL-DNN prepacked weights).

Requests (each answered by one line):
  {"cmd": "hello"}                                            -> versions, threads, ISA
  {"cmd": "embed", "model": M, "size": S, "widths": [...], "batch": B, "variant": "plain"|"optimized", "repeats": R}
                                                              -> {"seconds": [t, ...]}  (R forward passes in a row)
  {"cmd": "train", "steps": K, "way": 60, "shot": 1, "query": 5, "channels_last": false}
                                                              -> {"seconds": [t, ...]}  (K Adam steps after one warm-up)
  {"cmd": "classify", "path": P, "repeats": R}                -> {"seconds": [t, ...]}  (file -> label, Conv4-28)
  {"cmd": "quit"}

Usage: python3 pytorch_peer.py --threads N     (prints {"ready": ...} once torch is imported)
"""

import argparse
import json
import os
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as e:  # the report prints this reason and skips the peer
    print(json.dumps({"error": f"torch is not importable: {e}"}), flush=True)
    sys.exit(3)


def conv4(in_channels=1, widths=(64, 64, 64, 64)):
    layers = []
    c = in_channels
    for w in widths:
        layers += [nn.Sequential(nn.Conv2d(c, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(), nn.MaxPool2d(2))]
        c = w
    return nn.Sequential(nn.Sequential(*layers), nn.Flatten())


class ResNet12Block(nn.Module):
    def __init__(self, cin, w):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, w, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.conv2 = nn.Conv2d(w, w, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(w)
        self.conv3 = nn.Conv2d(w, w, 3, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(w)
        self.relu = nn.LeakyReLU(0.1)
        self.maxpool = nn.MaxPool2d(2)
        self.downsample = nn.Sequential(nn.Conv2d(cin, w, 1, bias=False), nn.BatchNorm2d(w))

    def forward(self, x):
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.relu(self.bn2(self.conv2(y)))
        y = self.bn3(self.conv3(y))
        return self.maxpool(self.relu(y + self.downsample(x)))


def resnet12(in_channels=3, widths=(64, 160, 320, 640)):
    blocks = []
    c = in_channels
    for w in widths:
        blocks.append(ResNet12Block(c, w))
        c = w
    return nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(1), nn.Flatten())


class BasicBlock(nn.Module):
    def __init__(self, cin, w, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, w, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(w)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(w, w, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(w)
        self.downsample = None
        if stride != 1 or cin != w:
            self.downsample = nn.Sequential(nn.Conv2d(cin, w, 1, stride=stride, bias=False), nn.BatchNorm2d(w))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        y = self.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        return self.relu(y + identity)


def resnet18(in_channels=3):
    """torchvision's resnet18 without fc (torchvision is not a dependency)."""
    layers = [nn.Conv2d(in_channels, 64, 7, stride=2, padding=3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
              nn.MaxPool2d(3, stride=2, padding=1)]
    c = 64
    for w, stride in ((64, 1), (128, 2), (256, 2), (512, 2)):
        layers += [BasicBlock(c, w, stride), BasicBlock(w, w, 1)]
        c = w
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())


def build(model, widths):
    torch.manual_seed(0)
    if model == "conv4":
        net = conv4(1, widths or (64, 64, 64, 64))
    elif model == "resnet12":
        net = resnet12(3, widths or (64, 160, 320, 640))
    elif model == "resnet18":
        net = resnet18(3)
    else:
        raise ValueError(f"unknown model {model!r}")
    return net.eval()


def channels(model):
    return 1 if model == "conv4" else 3


_models = {}


def runner(model, size, widths, batch, variant):
    """A callable running one forward pass, built (and for 'optimized', scripted + optimized) once per shape."""
    key = (model, size, tuple(widths or ()), batch, variant)
    if key not in _models:
        net = build(model, widths)
        x = torch.rand(batch, channels(model), size, size)
        if variant == "plain":
            def run(net=net, x=x):
                with torch.inference_mode():
                    return net(x)
        elif variant == "optimized":
            with torch.no_grad():
                opt = torch.jit.optimize_for_inference(torch.jit.script(net))

            def run(opt=opt, x=x):
                with torch.no_grad():
                    return opt(x)

            run()  # the profiling executor specialises on the first call; the second (below) runs the optimized graph
        else:
            raise ValueError(f"unknown variant {variant!r}")
        run()  # warm-up
        _models[key] = run
    return _models[key]


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


_train = {}


def train_steps(steps, way, shot, query, size=28, classes=100, per_class=20, channels_last=False):
    """Prototypical-network steps on a Conv4-64, as the report's hand-written TorchSharp loop and the library do:
    sample an episode (random classes and items from an in-memory dataset), one forward pass of support + query,
    prototypes, squared Euclidean logits, cross-entropy, Adam. With channels_last, the network and each batch are
    converted to torch.channels_last (PyTorch's documented way to train convolutions faster on the CPU)."""
    key = (way, shot, query, channels_last)
    if key not in _train:
        g = torch.Generator().manual_seed(7)
        protos = (torch.rand(classes, 1, 1, size, size, generator=g) > 0.5).float()
        data = protos.expand(classes, per_class, 1, size, size) + torch.randn(classes, per_class, 1, size, size, generator=g) * 0.3
        net = build("conv4", None).train()
        if channels_last:
            net = net.to(memory_format=torch.channels_last)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3)
        labels = torch.arange(way).repeat_interleave(query)
        _train[key] = (data.contiguous(), net, opt, labels, torch.Generator().manual_seed(11))
    data, net, opt, labels, g = _train[key]

    def step():
        cls = torch.randperm(data.shape[0], generator=g)[:way]
        items = torch.stack([torch.randperm(data.shape[1], generator=g)[: shot + query] for _ in range(way)])
        chosen = data[cls.unsqueeze(1), items]  # [way, shot+query, 1, H, W]
        support = chosen[:, :shot].reshape(way * shot, 1, size, size)
        q = chosen[:, shot:].reshape(way * query, 1, size, size)
        x = torch.cat([support, q])
        if channels_last:
            x = x.contiguous(memory_format=torch.channels_last)
        z = net(x)
        prototypes = z[: way * shot].view(way, shot, -1).mean(1)
        distances = (z[way * shot:].unsqueeze(1) - prototypes.unsqueeze(0)).pow(2).sum(2)
        loss = F.cross_entropy(-distances, labels)
        opt.zero_grad()
        loss.backward()
        opt.step()
        loss.item()

    step()  # warm-up
    return [timed(step) for _ in range(steps)]


_classify = {}


def classify(path, repeats):
    """File -> label for one image: PIL decode, grayscale, resize to 28x28, Conv4 (optimized), nearest of 5 prototypes.
    The same work as OneShot's Gallery.Classify(path) with a 5-class Conv4 gallery."""
    from PIL import Image  # imported here: the rest of the peer does not need Pillow

    if "net" not in _classify:
        net = build("conv4", None)
        with torch.no_grad():
            opt = torch.jit.optimize_for_inference(torch.jit.script(net))
            for _ in range(3):
                opt(torch.rand(1, 1, 28, 28))
        _classify["net"] = opt
        _classify["prototypes"] = torch.randn(5, 64)
    net, prototypes = _classify["net"], _classify["prototypes"]

    def once():
        with Image.open(path) as im:
            im = im.convert("L").resize((28, 28), Image.BILINEAR)
            x = torch.frombuffer(bytearray(im.tobytes()), dtype=torch.uint8).float().div_(255).view(1, 1, 28, 28)
        with torch.no_grad():
            z = net(x)
            return int(torch.cdist(z, prototypes).argmin())

    once()
    return [timed(once) for _ in range(repeats)]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, required=True)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    out = sys.stdout
    isa = torch.backends.cpu.get_cpu_capability() if hasattr(torch.backends, "cpu") and hasattr(torch.backends.cpu, "get_cpu_capability") else ""
    if not isa:
        isa = next((line.split(":", 1)[1].strip() for line in torch.__config__.show().splitlines() if "CPU capability usage" in line), "unknown")
    onednn = os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA") or "default (all the host has)"
    out.write(json.dumps({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads(),
                          "aten_isa": isa, "onednn_max_isa": onednn, "mkldnn": torch.backends.mkldnn.is_available(),
                          "python": sys.version.split()[0]}) + "\n")
    out.flush()
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        try:
            req = json.loads(line)
            cmd = req["cmd"]
            if cmd == "quit":
                break
            if cmd == "embed":
                run = runner(req["model"], req["size"], req.get("widths"), req["batch"], req["variant"])
                reply = {"seconds": [timed(run) for _ in range(req.get("repeats", 1))]}
            elif cmd == "train":
                reply = {"seconds": train_steps(req["steps"], req.get("way", 60), req.get("shot", 1), req.get("query", 5),
                                                channels_last=req.get("channels_last", False))}
            elif cmd == "classify":
                reply = {"seconds": classify(req["path"], req["repeats"])}
            else:
                reply = {"error": f"unknown command {cmd!r}"}
        except Exception as e:  # reported to the caller, which prints it and stops using the peer
            reply = {"error": f"{type(e).__name__}: {e}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
