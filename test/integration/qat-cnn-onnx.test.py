"""Compares our run of cnn-qat.onnx with PyTorch's quantized model.

    qat-cnn-onnx.test.py EXAMPLES_CNN_DIR LOGITS.npz
"""
import re
import sys

import numpy as np

here, logits_path = sys.argv[1], sys.argv[2]
logits = np.load(logits_path)["logits"]
labels = np.load(f"{here}/test.npz")["labels"][: logits.shape[0]]
ours = float((logits.argmax(-1) == labels).mean())
log = open(f"{here}/qat.log").read()
theirs = float(re.search(r"PyTorch quantized .*?, ([0-9.]+) \(first 1000\)",
                         log).group(1))
if abs(ours - theirs) > 0.003 + 1e-9:
    sys.exit(f"top-1 {ours:.4f} vs PyTorch quantized {theirs:.4f}: off by "
             f"more than 0.3 points")
print(f"top-1 {ours:.4f} vs PyTorch quantized {theirs:.4f}: within 0.3 points")
reference = np.load(f"{here}/qat-reference.npz")["logits"]
# The output step: the smallest non-zero gap between PyTorch's logits.
steps = np.diff(np.unique(reference))
step = steps[steps > 1e-6].min()
worst = np.abs(logits - reference).max()
if worst > 2 * step + 1e-5:
    sys.exit(f"logits differ by {worst} (> 2 output steps of {step})")
print("logits within 2 output steps of PyTorch's")
