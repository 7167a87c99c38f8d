#!/usr/bin/env python3
"""PyTorch eager reference of Pastiche's algorithm, for side-by-side benchmarks.

Same weights (read from Pastiche's model.onnx), same layers, same loss and normalisation
(content Σ(F−P)²/ΣP², style Σ(G−A)²/ΣA² with G = FFᵀ/M, TV as a mean), average pooling, and
the inputs Pastiche itself prepared (raw float32 files written by `cargo bench --bench engine --
prepare`), so the two losses are the same function of the same pixels.

    reference.py MODEL INPUTS_DIR eval SIDE RUNS THREADS        -> median ms per loss+gradient
    reference.py MODEL INPUTS_DIR lbfgs ITERATIONS THREADS      -> loss after L-BFGS (strong Wolfe)
    reference.py MODEL INPUTS_DIR rss SIDE THREADS              -> peak RSS of one evaluation
Prints one JSON object.
"""
import json
import resource
import sys
import time

import numpy as np
import onnx
import torch
from onnx import numpy_helper

CONTENT_LAYERS = ["relu4_2"]
STYLE_LAYERS = ["relu1_1", "relu2_1", "relu3_1", "relu4_1", "relu5_1"]
CONTENT_WEIGHT, STYLE_WEIGHT, TV_WEIGHT = 1.0, 10.0, 1.0


def parse_preprocessing(spec):
    fields = dict(part.split("=") for part in spec.split(";"))
    floats = lambda key: [float(v) for v in fields[key].split(",")]
    return fields["order"], float(fields["scale"]), floats("mean"), floats("std")


class Vgg(torch.nn.Module):
    """The conv stack up to the deepest layer used, with average pooling, from Pastiche's model."""

    def __init__(self, path, device):
        super().__init__()
        model = onnx.load(path)
        weights = {t.name: torch.from_numpy(numpy_helper.to_array(t).copy()) for t in model.graph.initializer}
        metadata = {p.key: p.value for p in model.metadata_props}
        order, scale, mean, std = parse_preprocessing(metadata["pastiche.preprocessing"])
        self.channels = [2, 1, 0] if order == "bgr" else [0, 1, 2]
        self.gain = (scale / torch.tensor(std)).view(1, 3, 1, 1).to(device)
        self.offset = (-torch.tensor(mean) / torch.tensor(std)).view(1, 3, 1, 1).to(device)
        self.steps = []
        needed = set(STYLE_LAYERS + CONTENT_LAYERS)
        for node in model.graph.node:
            name = node.output[0]
            if node.op_type == "Conv":
                self.steps.append((name, "conv", weights[f"{name}.weight"].to(device), weights[f"{name}.bias"].to(device)))
            elif node.op_type == "Relu":
                self.steps.append((name, "relu", None, None))
            else:
                self.steps.append((name, "pool", None, None))
            needed.discard(name)
            if not needed:
                break

    def forward(self, image):
        x = image[:, self.channels] * self.gain + self.offset
        features = {}
        for name, kind, weight, bias in self.steps:
            if kind == "conv":
                x = torch.nn.functional.conv2d(x, weight, bias, padding=1)
            elif kind == "relu":
                x = torch.relu(x)
            else:
                x = torch.nn.functional.avg_pool2d(x, 2)
            features[name] = x
        return features


def gram(feature):
    channels = feature.shape[1]
    flat = feature.reshape(channels, -1)
    return flat @ flat.t() / flat.shape[1]


class Loss:
    def __init__(self, vgg, content, style):
        self.vgg = vgg
        with torch.no_grad():
            content_features = vgg(content)
            style_features = vgg(style)
        self.content_targets = {l: content_features[l] for l in CONTENT_LAYERS}
        self.style_targets = {l: gram(style_features[l]) for l in STYLE_LAYERS}

    def __call__(self, image):
        features = self.vgg(image)
        content = sum(((features[l] - p) ** 2).sum() / (p**2).sum() for l, p in self.content_targets.items())
        style = sum(((gram(features[l]) - a) ** 2).sum() / (a**2).sum() for l, a in self.style_targets.items())
        tv = ((image[:, :, 1:] - image[:, :, :-1]) ** 2).sum() + ((image[:, :, :, 1:] - image[:, :, :, :-1]) ** 2).sum()
        return CONTENT_WEIGHT * content + STYLE_WEIGHT * style + TV_WEIGHT * tv / image.numel()


def load_input(directory, name, device):
    meta = json.load(open(f"{directory}/{name}.json"))
    data = np.fromfile(f"{directory}/{name}.f32", dtype="<f4").reshape(meta["shape"])
    return torch.from_numpy(data).unsqueeze(0).to(device)


def synchronise(device):
    if device == "cuda":
        torch.cuda.synchronize()


def main():
    model, inputs, mode = sys.argv[1:4]
    rest = [int(v) for v in sys.argv[4:]]
    threads = rest[-1]
    torch.set_num_threads(max(threads, 1))
    device = "cuda" if torch.cuda.is_available() and threads == 0 else "cpu"
    vgg = Vgg(model, device)
    content, style = load_input(inputs, "content", device), load_input(inputs, "style", device)
    if mode in ("eval", "rss"):
        side = rest[0]
        resize = lambda t: torch.nn.functional.interpolate(t, size=(side, side), mode="bilinear", align_corners=False)
        content, style = resize(content), resize(style)
    loss = Loss(vgg, content, style)
    if mode in ("eval", "rss"):
        runs = rest[1] if mode == "eval" else 1
        image = content.clone().requires_grad_(True)
        times = []
        for _ in range(runs + 1):  # the first run warms up
            synchronise(device)
            started = time.perf_counter()
            image.grad = None
            value = loss(image)
            value.backward()
            synchronise(device)
            times.append(time.perf_counter() - started)
        result = {"median_ms": 1e3 * sorted(times[1:])[len(times[1:]) // 2], "loss": value.item()}
        if mode == "rss":
            result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return
    iterations = rest[0]
    image = content.clone().requires_grad_(True)
    optimizer = torch.optim.LBFGS(
        [image], lr=1, max_iter=iterations, max_eval=100 * iterations, history_size=100,
        tolerance_grad=0, tolerance_change=0, line_search_fn="strong_wolfe",
    )
    evaluations, trajectory = [0], []
    started = time.perf_counter()

    def closure():
        optimizer.zero_grad()
        value = loss(image)
        value.backward()
        evaluations[0] += 1
        trajectory.append((time.perf_counter() - started, value.item()))
        return value

    with torch.no_grad():
        initial = loss(content).item()
    optimizer.step(closure)
    synchronise(device)
    state = optimizer.state[optimizer._params[0]]
    print(json.dumps({
        "initial_loss": initial,
        "final_loss": trajectory[-1][1],
        "iterations": state["n_iter"],
        "evaluations": evaluations[0],
        "seconds": time.perf_counter() - started,
    }))


if __name__ == "__main__":
    main()
