"""Trains the demo byte-level GPT and exports it to ONNX.

    /usr/bin/python3 examples/gpt/train.py [--steps 2000] [--out examples/gpt]

Data: Jane Austen's six novels from Debian's r-cran-janeaustenr, read without R
through python3-rdata. Persuasion is held out for evaluation; the other five
are the training text, and a slice of them is the calibration split.
Everything is seeded; on the same PyTorch (Debian's 1.13) and the same number
of threads the run is repeatable.

Writes to --out:
  gpt.onnx        the model, opset 17: tokens int64 [batch, 128] ->
                  logits [batch, 128, 256] (bind batch with qf-import
                  --input-shape tokens=B,128)
  heldout.txt     Persuasion (UTF-8 bytes are the tokens)
  calib.txt       the calibration split (64 KiB of training text)
  reference.npz   tokens and PyTorch's logits for the first held-out window
  train.log       the loss curve and the held-out bits per byte
"""
import argparse
import gzip
import math
import os
import time
import zlib

import numpy as np
import rdata
import torch
import torch.nn as nn
import torch.nn.functional as F

CONTEXT = 128
VOCAB = 256
D_MODEL = 128
HEADS = 4
LAYERS = 4
HIDDEN = 512
HELD_OUT = "persuasion"
TRAIN = ["sensesensibility", "prideprejudice", "mansfieldpark", "emma",
         "northangerabbey"]


def read_novels():
    """{name: text} from janeaustenr's lazy-load database: Rdata.rdx (gzip)
    indexes Rdata.rdb, whose entries are zlib streams behind a 4-byte length;
    each is an R serialization that python3-rdata reads after an RDX2 header."""
    base = "/usr/lib/R/site-library/janeaustenr/data/Rdata"
    with open(base + ".rdx", "rb") as f:
        index = rdata.conversion.convert(
            rdata.parser.parse_data(b"RDX2\n" + gzip.decompress(f.read())))
    with open(base + ".rdb", "rb") as f:
        blob = f.read()
    novels = {}
    for name in TRAIN + [HELD_OUT]:
        offset, length = (int(x) for x in index["variables"][name])
        raw = zlib.decompress(blob[offset + 4:offset + length])
        lines = rdata.conversion.convert(rdata.parser.parse_data(b"RDX2\n" + raw))
        novels[name] = "\n".join(str(line) for line in lines) + "\n"
    return novels


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(D_MODEL)
        self.qkv = nn.Linear(D_MODEL, 3 * D_MODEL)
        self.proj = nn.Linear(D_MODEL, D_MODEL)
        self.ln2 = nn.LayerNorm(D_MODEL)
        self.fc = nn.Linear(D_MODEL, HIDDEN)
        self.out = nn.Linear(HIDDEN, D_MODEL)
        mask = torch.triu(torch.full((CONTEXT, CONTEXT), -1e4), diagonal=1)
        self.register_buffer("mask", mask)

    def forward(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(D_MODEL, dim=2)
        shape = (b, t, HEADS, c // HEADS)
        q = q.reshape(shape).transpose(1, 2)
        k = k.reshape(shape).transpose(1, 2)
        v = v.reshape(shape).transpose(1, 2)
        att = q @ k.transpose(2, 3) / math.sqrt(c // HEADS) + self.mask[:t, :t]
        y = F.softmax(att, dim=-1) @ v
        x = x + self.proj(y.transpose(1, 2).reshape(b, t, c))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = nn.Embedding(VOCAB, D_MODEL)
        self.pos = nn.Parameter(torch.zeros(CONTEXT, D_MODEL))
        self.blocks = nn.Sequential(*[Block() for _ in range(LAYERS)])
        self.ln = nn.LayerNorm(D_MODEL)
        self.head = nn.Linear(D_MODEL, VOCAB)

    def forward(self, tokens):
        x = self.tok(tokens) + self.pos[: tokens.shape[1]]
        return self.head(self.ln(self.blocks(x)))


def train_steps(model, opt, sched, train, rng, steps, batch, log, every):
    """Next-byte training on random windows of `train` (uint8), gradient
    norm clipped at 1; logs the loss every `every` steps and at the end.
    Shared with examples/llama/llama.py."""
    began = time.time()
    for step in range(steps):
        starts = rng.integers(0, len(train) - CONTEXT - 1, size=batch)
        x = torch.from_numpy(np.stack([train[s:s + CONTEXT] for s in starts])).long()
        y = torch.from_numpy(np.stack([train[s + 1:s + CONTEXT + 1] for s in starts])).long()
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        if step % every == 0 or step == steps - 1:
            line = f"step {step} loss {loss.item():.4f} {time.time() - began:.0f}s"
            print(line, flush=True)
            log.write(line + "\n")
            log.flush()


def bits_per_byte(model, data, windows):
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for i in range(windows):
            start = i * CONTEXT
            x = torch.from_numpy(data[start:start + CONTEXT]).long()[None]
            y = torch.from_numpy(data[start + 1:start + CONTEXT + 1]).long()[None]
            loss = F.cross_entropy(model(x).reshape(-1, VOCAB), y.reshape(-1),
                                   reduction="sum")
            total += loss.item()
            count += CONTEXT
    model.train()
    return total / count / math.log(2)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    args = parser.parse_args()
    torch.manual_seed(0)
    np.random.seed(0)
    torch.set_num_threads(2)

    novels = read_novels()
    train_text = "".join(novels[n] for n in TRAIN).encode("utf-8")
    held_text = novels[HELD_OUT].encode("utf-8")
    with open(os.path.join(args.out, "heldout.txt"), "wb") as f:
        f.write(held_text)
    rng = np.random.default_rng(0)
    calib_start = int(rng.integers(0, len(train_text) - 65536))
    with open(os.path.join(args.out, "calib.txt"), "wb") as f:
        f.write(train_text[calib_start:calib_start + 65536])
    train = np.frombuffer(train_text, dtype=np.uint8).copy()
    held = np.frombuffer(held_text, dtype=np.uint8).copy()

    model = GPT()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3,
                                                total_steps=args.steps)
    log = open(os.path.join(args.out, "train.log"), "w")
    train_steps(model, opt, sched, train, rng, args.steps, args.batch, log, 100)
    bpb = bits_per_byte(model, held, 64)
    line = f"held-out bits per byte (64 windows of {CONTEXT}): {bpb:.4f}"
    print(line)
    log.write(line + "\n")
    log.close()

    model.eval()
    tokens = torch.from_numpy(held[:CONTEXT].copy()).long()[None]
    with torch.no_grad():
        logits = model(tokens)
    np.savez(os.path.join(args.out, "reference.npz"), tokens=tokens.numpy(),
             logits=logits.numpy())
    torch.onnx.export(model, (tokens,), os.path.join(args.out, "gpt.onnx"),
                      input_names=["tokens"], output_names=["logits"],
                      dynamic_axes={"tokens": {0: "batch"},
                                    "logits": {0: "batch"}},
                      opset_version=17, do_constant_folding=True)


if __name__ == "__main__":
    main()
