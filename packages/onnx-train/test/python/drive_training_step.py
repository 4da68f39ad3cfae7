"""Drive an exported @losskit/onnx-train training step from Python onnxruntime.

usage: drive_training_step.py STEP.onnx CHECKPOINT.onnx BATCHES_DIR STEPS LEARNING_RATE
Prints JSON: the loss of each step and the weights (param:<name> -> flat list) after the last.
"""
import json
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import numpy_helper

step_path, checkpoint_path, batches, steps, learning_rate = sys.argv[1:6]
step_model = onnx.load(step_path)
meta = json.loads({p.key: p.value for p in step_model.metadata_props}["losskit.training_step"])

options = ort.SessionOptions()
options.intra_op_num_threads = 1
session = ort.InferenceSession(step_path, options, providers=["CPUExecutionProvider"])
inputs = {i.name: i for i in session.get_inputs()}

# weights and batch-norm statistics come from the checkpoint (initializers named like the step's inputs);
# every other carried input (optimizer slots, loss state) starts at zeros
checkpoint = {t.name: numpy_helper.to_array(t) for t in onnx.load(checkpoint_path).graph.initializer}
state = {}
for output, name in meta["carried"].items():
    shape = inputs[name].shape
    state[name] = checkpoint[name] if name in checkpoint else np.zeros(shape, dtype=np.float32)

losses = []
for step in range(1, int(steps) + 1):
    shape = inputs[meta["images"]].shape
    images = np.fromfile(f"{batches}/images-{step}.f32", dtype=np.float32).reshape(shape)
    labels = np.fromfile(f"{batches}/labels-{step}.i32", dtype=np.int32).reshape(inputs[meta["labels"]].shape)
    feeds = {
        meta["images"]: images,
        meta["labels"]: labels,
        meta["learningRate"]: np.array(float(learning_rate), dtype=np.float32),
        meta["step"]: np.array(float(step), dtype=np.float32),
        **state,
    }
    out = dict(zip([o.name for o in session.get_outputs()], session.run(None, feeds)))
    losses.append(float(out[meta["loss"]]))
    state = {name: out[output] for output, name in meta["carried"].items()}

weights = {name: value.ravel().tolist() for name, value in state.items() if name.startswith("param:")}
print(json.dumps({"losses": losses, "weights": weights}))
