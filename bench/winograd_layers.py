"""One 3×3 convolution layer in ONNX Runtime's CPU provider, as a `Conv` node and in the
Winograd F(4×4, 3×3) form pastiche-graph writes (crates/pastiche-graph/src/compile/winograd.rs):
agreement and median time of each, per layer shape. This is how `winograd::worthwhile` was chosen.

    python bench/winograd_layers.py [THREADS] [C,K,H,W ...]

Needs onnx, numpy and onnxruntime (`pip install onnxruntime`). Defaults: 2 threads, the VGG
layers of a 512×384 and a 1024×768 picture.
"""
import sys
import time

import numpy as np
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

BT = np.array([[4, 0, -5, 0, 1, 0], [0, -4, -4, 1, 1, 0], [0, 4, -4, -1, 1, 0],
               [0, -2, -1, 2, 1, 0], [0, 2, -1, -2, 1, 0], [0, 4, 0, -5, 0, 1]], np.float32)
G = np.array([[1 / 4, 0, 0], [-1 / 6, -1 / 6, -1 / 6], [-1 / 6, 1 / 6, -1 / 6],
              [1 / 24, 1 / 12, 1 / 6], [1 / 24, -1 / 12, 1 / 6], [0, 0, 1]], np.float32)
AT = np.array([[1, 1, 1, 1, 1, 0], [0, 1, -1, 2, -2, 0], [0, 1, 1, 4, 4, 0],
               [0, 1, -1, 8, -8, 1]], np.float32)


def model(nodes, initializers, c):
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, None, None])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
    graph = helper.make_graph(nodes, "layer", [x], [y], initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def direct(w):
    k, c = w.shape[:2]
    node = helper.make_node("Conv", ["x", "w"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1])
    return model([node], [numpy_helper.from_array(w, "w")], c)


def winograd(w):
    """The same node sequence as winograd::conv3x3, with the kernel transform done here."""
    k, c = w.shape[:2]
    i64 = lambda values, name: numpy_helper.from_array(np.array(values, np.int64), name)
    f32 = lambda values, name: numpy_helper.from_array(np.ascontiguousarray(values, np.float32), name)
    kernels = np.einsum("ia,kcab,jb->ijkc", G, w, G).reshape(36, k, c)
    inits = [f32(kernels, "U"), f32(np.einsum("ia,jb->ijab", BT, BT).reshape(36, 1, 6, 6), "Bin"),
             f32(np.einsum("pi,qj->pqij", AT, AT).reshape(16, 36), "Aout"),
             i64([c, 1, 0, 0], "planes"), i64([1, c, 36, -1], "by_channel"), i64([36, -1], "rows"),
             i64([1, 16 * k], "lead"), i64([0, 0], "origin"),
             i64([2, 3], "axes")]
    n = helper.make_node
    nodes = [
        n("Reshape", ["x", "planes"], ["p"]),
        n("Conv", ["p", "Bin"], ["t"], kernel_shape=[6, 6], strides=[4, 4], pads=[1, 1, 4, 4]),
        n("Shape", ["t"], ["grid"], start=2, end=4),
        n("Reshape", ["t", "by_channel"], ["tc"]),
        n("Transpose", ["tc"], ["tp"], perm=[0, 2, 1, 3]),
        n("MatMul", ["U", "tp"], ["m"]),
        n("Reshape", ["m", "rows"], ["mr"]),
        n("MatMul", ["Aout", "mr"], ["o"]),
        n("Concat", ["lead", "grid"], ["bs"], axis=0),
        n("Reshape", ["o", "bs"], ["blocks"]),
        n("DepthToSpace", ["blocks"], ["tiled"], blocksize=4, mode="DCR"),
        n("Shape", ["x"], ["size"], start=2, end=4),
        n("Slice", ["tiled", "origin", "size", "axes"], ["y"]),
    ]
    return model(nodes, inits, c)


def session(m, threads):
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(m.SerializeToString(), options, providers=["CPUExecutionProvider"])


def median_ms(s, x, runs=5):
    s.run(None, {"x": x})
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        s.run(None, {"x": x})
        times.append(time.perf_counter() - started)
    return 1e3 * float(np.median(times))


def main():
    threads = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    shapes = [tuple(map(int, a.split(","))) for a in sys.argv[2:]] or [
        # 512 × 384: conv1_2, conv2_2, conv3_1 forward and backward, conv3_2, conv4_1 forward
        # and backward, conv4_2, conv5_1
        (64, 64, 384, 512), (128, 128, 192, 256), (128, 256, 96, 128), (256, 128, 96, 128),
        (256, 256, 96, 128), (256, 512, 48, 64), (512, 256, 48, 64), (512, 512, 48, 64),
        (512, 512, 24, 32),
        # 1024 × 768: conv3_1, conv3_2, conv4_1, conv4_2 (conv5_1 is the 512 px conv4_2)
        (128, 256, 192, 256), (256, 256, 192, 256), (256, 512, 96, 128), (512, 512, 96, 128)]
    rng = np.random.default_rng(0)
    print("| C → K | H × W | Conv ms | Winograd ms | ratio | max relative difference |")
    print("| --- | --- | --- | --- | --- | --- |")
    for c, k, h, w in shapes:
        weight = (rng.standard_normal((k, c, 3, 3)) * np.sqrt(2 / (9 * c))).astype(np.float32)
        x = np.maximum(rng.standard_normal((1, c, h, w)), 0).astype(np.float32)
        plain, fast = session(direct(weight), threads), session(winograd(weight), threads)
        expected, got = plain.run(None, {"x": x})[0], fast.run(None, {"x": x})[0]
        difference = np.abs(expected - got).max() / np.abs(expected).max()
        t_direct, t_winograd = median_ms(plain, x), median_ms(fast, x)
        print(f"| {c} → {k} | {h} × {w} | {t_direct:.1f} | {t_winograd:.1f} | "
              f"{t_winograd / t_direct:.2f} | {difference:.0e} |", flush=True)


if __name__ == "__main__":
    main()
