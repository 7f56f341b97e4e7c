#!/usr/bin/python3
"""Writes the golden forward-pass and loss fixtures of OneShot's tests (tests/OneShot.Tests/TestData/golden).

Run with Debian's python3-torch (1.13): /usr/bin/python3 eng/golden/make_fixtures.py
See eng/golden/README.md. The networks below are written from the published references, not from OneShot:
  * Conv4: Snell et al.'s protonets (encoder = 4 x [conv3x3 pad 1, BN, ReLU, maxpool 2], flatten).
  * ResNet-12: RFS (Tian et al. 2020) / MetaOptNet models/resnet.py BasicBlock with drop_rate 0
    (conv-BN-LeakyReLU(0.1) x2, conv-BN, + 1x1 conv-BN shortcut, LeakyReLU(0.1), maxpool 2), global average pool.
  * ResNet-18: torchvision.models.resnet18 without fc (BasicBlock, 7x7/2 stem, 3x3/2 max-pool, global average pool).

Weights are not random draws: every value comes from an integer hash of (tensor key, element index), so the C#
tests can rebuild them bit for bit without this script (ResNet-18 has 11M weights; only their SHA-256 is stored).
The references are computed in float64 from those float32 values; the fixtures store float64 outputs.
"""
import hashlib
import json
import math
import os
import struct
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "OneShot.Tests", "TestData", "golden")

# ---------------------------------------------------------------- deterministic values (mirrored in GoldenWeights.cs)


def fnv1a(text):
    h = 0x811C9DC5
    for b in text.encode("utf-8"):
        h ^= b
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def unit(key, count):
    """count values in (0, 1), each (hash >> 8 + 0.5) / 2^24: exact in float32 and float64."""
    x = (np.arange(count, dtype=np.uint64) * np.uint64(0x9E3779B1) + np.uint64(fnv1a(key))) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(16)
    x = (x * np.uint64(0x7FEB352D)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(0x846CA68B)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(16)
    return ((x >> np.uint64(8)).astype(np.float64) + 0.5) / 16777216.0


def uniform(key, shape, low, high):
    """float32 values in [low, high): low + (high - low) * u, computed in float64 then rounded once."""
    u = unit(key, int(np.prod(shape)))
    return torch.from_numpy((low + (high - low) * u).astype(np.float32).reshape(shape))


def fill(module):
    """Sets every parameter and buffer of module from its state-dict key (see GoldenWeights.cs)."""
    state = {}
    for key, value in module.state_dict().items():
        shape = tuple(value.shape)
        leaf = key.rsplit(".", 1)[-1]
        if leaf == "num_batches_tracked":
            state[key] = torch.tensor(7, dtype=torch.int64)
            continue
        if leaf == "weight" and len(shape) == 4:  # convolution: He-uniform on fan-in
            bound = math.sqrt(6.0 / (shape[1] * shape[2] * shape[3]))
            state[key] = uniform(key, shape, -bound, bound)
        elif leaf == "weight":  # batch-norm scale
            state[key] = uniform(key, shape, 0.5, 1.5)
        elif leaf == "bias":  # batch-norm shift and Conv4's convolution bias
            state[key] = uniform(key, shape, -0.2, 0.2)
        elif leaf == "running_mean":
            state[key] = uniform(key, shape, -0.1, 0.1)
        elif leaf == "running_var":
            state[key] = uniform(key, shape, 0.5, 1.5)
        else:
            raise ValueError(f"no rule for {key}")
    module.load_state_dict(state, strict=True)
    return state


def weights_sha256(state):
    """SHA-256 over key, then little-endian bytes, of every tensor in state-dict order (see GoldenWeights.cs)."""
    sha = hashlib.sha256()
    for key, value in state.items():
        sha.update(key.encode("utf-8"))
        sha.update(value.contiguous().numpy().astype(value.numpy().dtype.newbyteorder("<")).tobytes())
    return sha.hexdigest()


# ---------------------------------------------------------------- the reference networks


def conv_block(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2))


class Conv4(nn.Module):
    def __init__(self, cin, widths):
        super().__init__()
        chans = [cin] + list(widths)
        self.encoder = nn.Sequential(*[conv_block(chans[i], chans[i + 1]) for i in range(4)])

    def forward(self, x):
        x = self.encoder(x)
        return x.view(x.size(0), -1)


class RfsBlock(nn.Module):
    def __init__(self, inplanes, planes):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=1, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.LeakyReLU(0.1)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes)
        self.maxpool = nn.MaxPool2d(2)
        self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=1, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        residual = self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        out = self.relu(out + residual)
        return self.maxpool(out)


class ResNet12(nn.Module):
    def __init__(self, cin, widths):
        super().__init__()
        chans = [cin] + list(widths)
        for i in range(4):
            setattr(self, f"layer{i + 1}", nn.Sequential(RfsBlock(chans[i], chans[i + 1])))
        self.avgpool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        for i in range(4):
            x = getattr(self, f"layer{i + 1}")(x)
        return torch.flatten(self.avgpool(x), 1)


class BasicBlock(nn.Module):
    def __init__(self, inplanes, planes, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(inplanes, planes, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride=1, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = None
        if stride != 1 or inplanes != planes:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes, 1, stride=stride, bias=False), nn.BatchNorm2d(planes))

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet18(nn.Module):
    def __init__(self, cin):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, 64, 7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=1)
        widths, strides, planes = [64, 128, 256, 512], [1, 2, 2, 2], 64
        for i in range(4):
            setattr(self, f"layer{i + 1}", nn.Sequential(BasicBlock(planes, widths[i], strides[i]), BasicBlock(widths[i], widths[i], 1)))
            planes = widths[i]
        self.avgpool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        for i in range(4):
            x = getattr(self, f"layer{i + 1}")(x)
        return torch.flatten(self.avgpool(x), 1)


# ---------------------------------------------------------------- safetensors writer


def dtype_name(t):
    return {torch.float32: "F32", torch.float64: "F64", torch.int64: "I64"}[t.dtype]


def write_safetensors(path, tensors, metadata=None):
    header, blobs, offset = {}, [], 0
    if metadata:
        header["__metadata__"] = {k: str(v) for k, v in metadata.items()}
    for name, t in tensors.items():
        data = t.detach().contiguous().cpu().numpy()
        data = data.astype(data.dtype.newbyteorder("<")).tobytes()
        header[name] = {"dtype": dtype_name(t), "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * ((8 - len(text) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    print(f"wrote {os.path.relpath(path)} ({8 + len(text) + offset} bytes)")


# ---------------------------------------------------------------- fixtures


def network_fixture(name, net, input_shape, export_weights):
    state = fill(net)
    x = uniform(f"{name}.input", input_shape, -1.0, 1.0)
    net64 = net.double()
    tensors = {"input": x}
    with torch.no_grad():
        net64.eval()
        tensors["output.eval"] = net64(x.double())
        net64.train()
        tensors["output.train"] = net64(x.double())
    # After one training-mode forward the running statistics moved (momentum 0.1, unbiased batch variance).
    for key, value in net64.state_dict().items():
        if key.endswith("running_mean") or key.endswith("running_var"):
            tensors[f"after_train.{key}"] = value.clone()
    metadata = {
        "keys": json.dumps([[k, list(v.shape), str(v.dtype).replace("torch.", "")] for k, v in state.items()]),
        "weights_sha256": weights_sha256(state),
        "torch": torch.__version__,
    }
    write_safetensors(os.path.join(OUT, f"{name}.io.safetensors"), tensors, metadata)
    if export_weights:
        write_safetensors(os.path.join(OUT, f"{name}.weights.safetensors"), state)


def prototypical(metric, scale=10.0):
    way, shot, query, dim = 5, 2, 3, 16
    support = uniform(f"proto.{metric}.support", (way * shot, dim), -1.0, 1.0)
    queries = uniform(f"proto.{metric}.query", (way * query, dim), -1.0, 1.0)
    # Support i has label i % way; query j has label (j * 2) % way, so labels interleave and are not sorted.
    support_labels = torch.arange(way * shot, dtype=torch.int64) % way
    query_labels = (torch.arange(way * query, dtype=torch.int64) * 2) % way
    s = support.double().requires_grad_(True)
    q = queries.double().requires_grad_(True)
    one_hot = F.one_hot(support_labels, way).double()
    prototypes = one_hot.t() @ s / one_hot.sum(0).unsqueeze(1)
    if metric == "sqeuclidean":
        logits = -((q.unsqueeze(1) - prototypes.unsqueeze(0)) ** 2).sum(2)
    else:
        logits = scale * (F.normalize(q, dim=1) @ F.normalize(prototypes, dim=1).t())
    loss = F.cross_entropy(logits, query_labels)
    loss.backward()
    tensors = {
        "support": support, "support_labels": support_labels, "query": queries, "query_labels": query_labels,
        "loss": loss.detach().reshape(1), "grad.support": s.grad, "grad.query": q.grad,
        "accuracy": (logits.argmax(1) == query_labels).double().mean().reshape(1),
    }
    write_safetensors(os.path.join(OUT, f"protoloss.{metric}.safetensors"), tensors,
                      {"way": way, "metric": metric, "cosine_scale": repr(scale), "torch": torch.__version__})


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.set_num_threads(1)
    network_fixture("conv4", Conv4(1, [8, 8, 8, 8]), (2, 1, 28, 30), export_weights=True)
    network_fixture("resnet12", ResNet12(3, [8, 12, 16, 20]), (2, 3, 21, 20), export_weights=True)
    network_fixture("resnet18", ResNet18(3), (2, 3, 37, 35), export_weights=False)
    prototypical("sqeuclidean")
    prototypical("cosine")
    return 0


if __name__ == "__main__":
    sys.exit(main())
