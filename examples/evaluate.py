"""Data for and scores of the demo models (examples/gpt, examples/cnn).

  evaluate.py gpt-data TEXT WINDOWS OUT.npz
      tokens int64 [WINDOWS, 128]: consecutive 128-byte windows of TEXT
  evaluate.py gpt-bpb TEXT LOGITS.npz
      bits per byte (and per-byte perplexity 2^bpb) of the logits [W, 128,
      256] predicting each next byte of the same windows
  evaluate.py gpt-samples TEXT WINDOWS OUT.npz
      the same windows as calibration samples of one window: [WINDOWS, 1, 128]
  evaluate.py cnn-data IMAGES.npz N OUT.npz
      the first N images [N, 1, 28, 28] of IMAGES.npz ('images')
  evaluate.py cnn-samples IMAGES.npz BATCH OUT.npz [N]
      the first N (default all) images of IMAGES.npz as calibration samples
      [N / BATCH, BATCH, 1, 28, 28]
  evaluate.py fashion-test OUT.npz
      all 10000 Fashion-MNIST test images [10000, 1, 28, 28] in [0, 1] and
      their labels, from Debian's dataset-fashion-mnist
  evaluate.py cnn-top1 TEST.npz LOGITS.npz
      top-1 accuracy of logits [N, 10] against TEST.npz's first N labels

Prints one number per score on stdout.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "cnn"))
from fashion_mnist import idx  # noqa: E402

CONTEXT = 128
def windows(text_path, count):
    data = np.frombuffer(open(text_path, "rb").read(), dtype=np.uint8)
    need = count * CONTEXT + 1
    if len(data) < need:
        sys.exit(f"evaluate.py: {text_path} has {len(data)} bytes, "
                 f"{count} windows need {need}")
    x = data[:count * CONTEXT].reshape(count, CONTEXT).astype(np.int64)
    y = data[1:count * CONTEXT + 1].reshape(count, CONTEXT).astype(np.int64)
    return x, y


def main(argv):
    cmd = argv[1]
    if cmd == "gpt-data":
        x, _ = windows(argv[2], int(argv[3]))
        np.savez(argv[4], tokens=x)
    elif cmd == "gpt-samples":
        x, _ = windows(argv[2], int(argv[3]))
        np.savez(argv[4], tokens=x[:, None, :])
    elif cmd == "cnn-samples":
        images = np.load(argv[2])["images"]
        if len(argv) > 5:
            images = images[:int(argv[5])]
        batch = int(argv[3])
        n = len(images) // batch * batch
        np.savez(argv[4], images=images[:n].reshape(-1, batch, *images.shape[1:]))
    elif cmd == "fashion-test":
        images = idx("t10k-images-idx3-ubyte.gz").astype(np.float32) / 255
        np.savez(argv[2], images=images[:, None],
                 labels=idx("t10k-labels-idx1-ubyte.gz").astype(np.int64))
    elif cmd == "gpt-bpb":
        logits = np.load(argv[3])["logits"].astype(np.float64)
        _, y = windows(argv[2], logits.shape[0])
        m = logits.max(-1, keepdims=True)
        logp = logits - m - np.log(np.exp(logits - m).sum(-1, keepdims=True))
        nll = -np.take_along_axis(logp, y[..., None], -1).mean()
        bpb = nll / np.log(2)
        print(f"{bpb:.4f} {2 ** bpb:.3f}")
    elif cmd == "cnn-data":
        images = np.load(argv[2])["images"][: int(argv[3])]
        np.savez(argv[4], images=images)
    elif cmd == "cnn-top1":
        logits = np.load(argv[3])["logits"]
        labels = np.load(argv[2])["labels"][: logits.shape[0]]
        print(f"{(logits.argmax(-1) == labels).mean():.4f}")
    else:
        sys.exit(f"evaluate.py: unknown command {cmd}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
