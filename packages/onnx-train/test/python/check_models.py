"""onnx.checker.check_model(full_check=True) on every .onnx file under a directory; prints JSON {file: opset}."""
import json
import pathlib
import sys

import onnx

checked = {}
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.onnx")):
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    checked[str(path.relative_to(sys.argv[1]))] = model.opset_import[0].version
print(json.dumps(checked))
