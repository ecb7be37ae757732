"""Trains the demo Fashion-MNIST CNN and exports it to ONNX.

    /usr/bin/python3 examples/cnn/train.py [--epochs 2] [--out examples/cnn]

Data: Debian's dataset-fashion-mnist (60000 training, 10000 test images).
Seeded; repeatable on the same PyTorch and thread count.

Writes to --out:
  cnn.onnx        the model, opset 17: images float32 [batch, 1, 28, 28] in
                  [0, 1] -> logits [batch, 10] (bind batch with qf-import
                  --input-shape images=B,1,28,28)
  test.npz        the first 1000 test images and labels (the top-1 set)
  calib.npz       1000 training images (the calibration split)
  reference.npz   PyTorch's logits for the first test batch
  train.log       loss and test top-1
"""
import argparse
import os

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from fashion_mnist import idx


class CNN(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1)
        self.bn1 = nn.BatchNorm2d(16)
        self.conv2 = nn.Conv2d(16, 32, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(32)
        self.fc1 = nn.Linear(32 * 7 * 7, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn1(self.conv1(x))), 2)
        x = F.max_pool2d(F.relu(self.bn2(self.conv2(x))), 2)
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(2)
    rng = np.random.default_rng(0)

    train_x = idx("train-images-idx3-ubyte.gz").astype(np.float32)[:, None] / 255
    train_y = idx("train-labels-idx1-ubyte.gz").astype(np.int64)
    test_x = idx("t10k-images-idx3-ubyte.gz").astype(np.float32)[:, None] / 255
    test_y = idx("t10k-labels-idx1-ubyte.gz").astype(np.int64)

    model = CNN()
    opt = torch.optim.Adam(model.parameters(), lr=2e-3)
    log = open(os.path.join(args.out, "train.log"), "w")
    for epoch in range(args.epochs):
        order = rng.permutation(len(train_x))
        for i in range(0, len(order), 64):
            b = order[i:i + 64]
            loss = F.cross_entropy(model(torch.from_numpy(train_x[b])),
                                   torch.from_numpy(train_y[b]))
            opt.zero_grad()
            loss.backward()
            opt.step()
        line = f"epoch {epoch} loss {loss.item():.4f}"
        print(line, flush=True)
        log.write(line + "\n")

    model.eval()
    with torch.no_grad():
        logits = model(torch.from_numpy(test_x)).numpy()
    top1 = float((logits.argmax(1) == test_y).mean())
    top1_1000 = float((logits[:1000].argmax(1) == test_y[:1000]).mean())
    line = f"test top-1: {top1:.4f} (10000 images), {top1_1000:.4f} (first 1000)"
    print(line)
    log.write(line + "\n")
    log.close()

    np.savez(os.path.join(args.out, "test.npz"),
             images=test_x[:1000], labels=test_y[:1000])
    calib = rng.choice(len(train_x), 1000, replace=False)
    np.savez(os.path.join(args.out, "calib.npz"), images=train_x[calib])
    batch = torch.from_numpy(test_x[:args.batch_size])
    np.savez(os.path.join(args.out, "reference.npz"), images=batch.numpy(),
             logits=logits[:args.batch_size])
    torch.onnx.export(model, (batch,), os.path.join(args.out, "cnn.onnx"),
                      input_names=["images"], output_names=["logits"],
                      dynamic_axes={"images": {0: "batch"},
                                    "logits": {0: "batch"}},
                      opset_version=17, do_constant_folding=True,
                      training=torch.onnx.TrainingMode.EVAL)


if __name__ == "__main__":
    main()
