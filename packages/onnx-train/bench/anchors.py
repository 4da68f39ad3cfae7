"""The anchor systems of `bench/anchors.ts`: the same U-Net / FCN-8s, weights, batches, loss and
Adam as the losskit ONNX Runtime step, in PyTorch or Keras 3 (TensorFlow), on the CPU.

    python3 anchors.py torch|keras ROW_DIR THREADS STEPS     -> one JSON line on stdout
    python3 anchors.py gemm THREADS                          -> float32 GEMM / conv FLOP rate (torch)

ROW_DIR holds what anchors.ts exported: manifest.json (model config, parameter and buffer names
and shapes, batch shape), weights.bin (float32, in manifest order), images.bin (float32 NCHW per
batch) and labels.bin (int32 NHW per batch). The loss is the paper's experiment 27 (cross-entropy
+ Bi-eLU(A(A L1 - B L1 - B L2) + B L2) + A L1 e^(B L2), A = 0.25, B = 0.5; L1, L2 the mean
absolute / squared difference of softmax(logits) and the one-hot target over every element),
exactly as @losskit/core builds it. Thread counts are fixed before the framework starts.
"""

import json
import os
import resource
import sys
import time

SYSTEM = sys.argv[1]
THREADS = int(sys.argv[3] if SYSTEM != "gemm" else sys.argv[2])
for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "TF_NUM_INTRAOP_THREADS"):
    os.environ[var] = str(THREADS)
os.environ["TF_NUM_INTEROP_THREADS"] = "1"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402

A, B = 0.25, 0.5


def peak_rss_mib():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def blas_info():
    try:
        from threadpoolctl import threadpool_info

        return [f"{i.get('internal_api')} {i.get('version')} ({i.get('architecture') or i.get('threading_layer') or ''}, {i.get('num_threads')} threads)" for i in threadpool_info()]
    except Exception as e:  # threadpoolctl is optional
        return [f"threadpoolctl unavailable: {e}"]


def load_row(row_dir):
    with open(os.path.join(row_dir, "manifest.json")) as f:
        manifest = json.load(f)
    flat = np.fromfile(os.path.join(row_dir, "weights.bin"), dtype=np.float32)
    values, offset = {}, 0
    for entry in manifest["parameters"] + manifest["buffers"]:
        size = int(np.prod(entry["shape"]))
        values[entry["name"]] = flat[offset : offset + size].reshape(entry["shape"])
        offset += size
    n, c, h, w = manifest["batchShape"]
    count = manifest["batches"]
    images = np.fromfile(os.path.join(row_dir, "images.bin"), dtype=np.float32).reshape(count, n, c, h, w)
    labels = np.fromfile(os.path.join(row_dir, "labels.bin"), dtype=np.int32).reshape(count, n, h, w)
    return manifest, values, images, labels


# ---------------------------------------------------------------- PyTorch


def run_torch(row_dir, steps):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(THREADS)
    torch.set_num_interop_threads(1)
    manifest, values, images, labels = load_row(row_dir)
    config = manifest["config"]
    classes = config["numClasses"]
    params = {p["name"]: torch.nn.Parameter(torch.from_numpy(values[p["name"]].copy())) for p in manifest["parameters"]}
    buffers = {b["name"]: torch.from_numpy(values[b["name"]].copy()) for b in manifest["buffers"]}

    def conv(name, x, stride=1, padding=None):
        weight = params[f"{name}.weight"]
        k = weight.shape[2]
        return F.conv2d(x, weight, params.get(f"{name}.bias"), stride, (k - 1) // 2 if padding is None else padding)

    def block(name, x, width, convs=2):
        for i in range(1, convs + 1):
            x = conv(f"{name}.conv{i}", x)
            if config["batchNorm"]:
                bn = f"{name}.bn{i}"
                x = F.batch_norm(x, buffers[f"{bn}.runningMean"], buffers[f"{bn}.runningVar"], params[f"{bn}.gamma"], params[f"{bn}.beta"], True, 0.1, 1e-5)
            x = F.relu(x)
        return x

    def up2(x):
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)

    def forward(x):
        if config["kind"] == "unet":
            skips = []
            for level in range(config["depth"]):
                x = block(f"enc{level}", x, 0)
                skips.append(x)
                x = F.max_pool2d(x, 2)
            x = block("bottleneck", x, 0)
            for level in reversed(range(config["depth"])):
                up = F.conv_transpose2d(x, params[f"dec{level}.up.weight"], params[f"dec{level}.up.bias"], stride=2)
                x = block(f"dec{level}", torch.cat([skips[level], up], 1), 0)
            return conv("head", x, padding=0)
        pooled = []
        for stage in range(5):
            x = F.max_pool2d(block(f"stage{stage}", x, 0, 1 if stage < 2 else 2), 2)
            pooled.append(x)
        x = block("fc6", x, 0, 1)
        x = F.relu(conv("fc7", x, padding=0))
        score = conv("score32", x, padding=0)
        score = up2(score) + conv("score16", pooled[3], padding=0)
        score = up2(score) + conv("score8", pooled[2], padding=0)
        for _ in range(3):
            score = up2(score)
        return score

    def loss_fn(logits, target):
        log_p = F.log_softmax(logits, 1)
        ce = -(target * log_p).sum(1).mean()
        diff = log_p.exp() - target
        l1 = diff.abs().mean()
        l2 = (diff * diff).mean()
        z = A * (A * l1 - B * l1 - B * l2) + B * l2
        return ce + (F.elu(z) - F.elu(-z)) + A * l1 * torch.exp(B * l2)

    optimizer = torch.optim.Adam(list(params.values()), lr=manifest["learningRate"], betas=(0.9, 0.999), eps=1e-8)
    xs = [torch.from_numpy(images[i].copy()) for i in range(len(images))]
    ts = [F.one_hot(torch.from_numpy(labels[i].astype(np.int64)), classes).permute(0, 3, 1, 2).float().contiguous() for i in range(len(labels))]
    losses, times = [], []
    for step in range(steps):
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(forward(xs[step % len(xs)]), ts[step % len(ts)])
        loss.backward()
        optimizer.step()
        losses.append(float(loss.item()))
        times.append(time.perf_counter() - start)
    cfg = torch.__config__.show()
    kernels = [
        f"torch {torch.__version__}",
        f"mkldnn {'on' if torch.backends.mkldnn.is_available() and torch.backends.mkldnn.enabled else 'off'}",
        f"cpu capability {torch.backends.cpu.get_cpu_capability()}",
        *[line.strip(" -") for line in cfg.splitlines() if "MKL-DNN" in line or "oneDNN" in line][:1],
        *[part.strip() for part in cfg.replace(",", "\n").splitlines() if part.strip().startswith(("BLAS_INFO", "USE_MKLDNN"))],
        *blas_info(),
    ]
    return {"losses": losses, "stepSeconds": times, "peakRssMiB": peak_rss_mib(), "kernels": kernels}


# ---------------------------------------------------------------- Keras 3 / TensorFlow


def run_keras(row_dir, steps):
    os.environ["KERAS_BACKEND"] = "tensorflow"
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(THREADS)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    import keras
    from keras import layers

    manifest, values, images, labels = load_row(row_dir)
    config = manifest["config"]
    classes = config["numClasses"]
    weights_of = {}  # keras layer -> list of numpy arrays in keras order

    def tf_name(name):
        return name.replace(".", "_")

    def kernel(name):  # ONNX [O, I, k, k] -> Keras [k, k, I, O]; ConvTranspose [I, O, k, k] -> [k, k, O, I]
        return np.transpose(values[f"{name}.weight"], (2, 3, 1, 0))

    def conv(name, x, filters, k, bias, padding="same"):
        layer = layers.Conv2D(filters, k, padding=padding, use_bias=bias, name=tf_name(name))
        y = layer(x)
        weights_of[layer] = [kernel(name)] + ([values[f"{name}.bias"]] if bias else [])
        return y

    def block(name, x, width, convs=2):
        for i in range(1, convs + 1):
            x = conv(f"{name}.conv{i}", x, width, 3, not config["batchNorm"])
            if config["batchNorm"]:
                bn = f"{name}.bn{i}"
                layer = layers.BatchNormalization(axis=-1, momentum=0.9, epsilon=1e-5, name=tf_name(bn))
                x = layer(x)
                weights_of[layer] = [values[f"{bn}.gamma"], values[f"{bn}.beta"], values[f"{bn}.runningMean"], values[f"{bn}.runningVar"]]
            x = layers.ReLU()(x)
        return x

    n, c, h, w = manifest["batchShape"]
    inputs = keras.Input((h, w, c), batch_size=n)
    x = inputs
    b = config["baseWidth"]
    if config["kind"] == "unet":
        skips = []
        for level in range(config["depth"]):
            x = block(f"enc{level}", x, b * 2**level)
            skips.append(x)
            x = layers.MaxPooling2D(2)(x)
        x = block("bottleneck", x, b * 2 ** config["depth"])
        for level in reversed(range(config["depth"])):
            name = f"dec{level}.up"
            layer = layers.Conv2DTranspose(b * 2**level, 2, strides=2, name=tf_name(name))
            up = layer(x)
            weights_of[layer] = [kernel(name), values[f"{name}.bias"]]
            x = block(f"dec{level}", layers.Concatenate(axis=-1)([skips[level], up]), b * 2**level)
        logits = conv("head", x, classes, 1, True, "valid")
    else:
        pooled = []
        for stage, width in enumerate([b, 2 * b, 4 * b, 8 * b, 8 * b]):
            x = layers.MaxPooling2D(2)(block(f"stage{stage}", x, width, 1 if stage < 2 else 2))
            pooled.append(x)
        x = block("fc6", x, 16 * b, 1)
        x = layers.ReLU()(conv("fc7", x, 16 * b, 1, True, "valid"))
        score = conv("score32", x, classes, 1, True, "valid")
        up = lambda s: layers.UpSampling2D(2, interpolation="bilinear")(s)  # noqa: E731
        score = layers.Add()([up(score), conv("score16", pooled[3], classes, 1, True, "valid")])
        score = layers.Add()([up(score), conv("score8", pooled[2], classes, 1, True, "valid")])
        for _ in range(3):
            score = up(score)
        logits = score
    model = keras.Model(inputs, logits)
    for layer, ws in weights_of.items():
        layer.set_weights(ws)

    def loss_fn(target, logits):
        log_p = tf.nn.log_softmax(logits, axis=-1)
        ce = -tf.reduce_mean(tf.reduce_sum(target * log_p, axis=-1))
        diff = tf.exp(log_p) - target
        l1 = tf.reduce_mean(tf.abs(diff))
        l2 = tf.reduce_mean(diff * diff)
        z = A * (A * l1 - B * l1 - B * l2) + B * l2
        return ce + (tf.nn.elu(z) - tf.nn.elu(-z)) + A * l1 * tf.exp(B * l2)

    # Keras's Adam adds epsilon to sqrt(v) before the bias correction (torch and losskit: to sqrt(v_hat)),
    # i.e. an epsilon larger by 1/sqrt(1 - beta2^t); at 1e-8 against sqrt(v) ~ |g| the first losses do not see it.
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=manifest["learningRate"], beta_1=0.9, beta_2=0.999, epsilon=1e-8), loss=loss_fn)
    xs = [np.ascontiguousarray(np.transpose(images[i], (0, 2, 3, 1))) for i in range(len(images))]
    ts = [np.eye(classes, dtype=np.float32)[labels[i]] for i in range(len(labels))]
    losses, times = [], []
    for step in range(steps):
        start = time.perf_counter()
        loss = model.train_on_batch(xs[step % len(xs)], ts[step % len(ts)])
        losses.append(float(loss if np.isscalar(loss) else np.asarray(loss).reshape(-1)[0]))
        times.append(time.perf_counter() - start)
    onednn = os.environ.get("TF_ENABLE_ONEDNN_OPTS", "1 (default on x86 Linux)")
    kernels = [f"tensorflow {tf.__version__}", f"keras {keras.__version__}", f"jit_compile {model.jit_compile}", f"TF_ENABLE_ONEDNN_OPTS={onednn}", *blas_info()]
    return {"losses": losses, "stepSeconds": times, "peakRssMiB": peak_rss_mib(), "kernels": kernels}


# ---------------------------------------------------------------- FLOP rate


def run_gemm():
    """Best of a few float32 GEMMs (2048^3) and 3x3 convs (64 -> 64 channels, 8 x 64 x 64) in torch."""
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(THREADS)
    a, b = torch.randn(2048, 2048), torch.randn(2048, 2048)
    x, w = torch.randn(8, 64, 64, 64), torch.randn(64, 64, 3, 3)

    def best(fn, flops, repeats=5):
        fn()
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return flops / min(times) / 1e9

    gemm = best(lambda: torch.mm(a, b), 2 * 2048**3)
    conv = best(lambda: F.conv2d(x, w, padding=1), 2 * 8 * 64 * 64 * 64 * 64 * 9)
    return {"gemmGflops": gemm, "convGflops": conv, "kernels": [f"torch {torch.__version__}", *blas_info()]}


if __name__ == "__main__":
    if SYSTEM == "gemm":
        result = run_gemm()
    elif SYSTEM == "torch":
        result = run_torch(sys.argv[2], int(sys.argv[4]))
    elif SYSTEM == "keras":
        result = run_keras(sys.argv[2], int(sys.argv[4]))
    else:
        raise SystemExit(f"unknown system '{SYSTEM}': expected torch, keras or gemm")
    print(json.dumps(result))
