"""PyTorch CPU peer for bench/features/run.ts: the same small CNN, timed the same way.

Loads uint8 images (N, H, W, C) and labels from .npy files, then serves timing requests, one JSON
object per line on stdin -> one JSON line on stdout, so the benchmark can interleave single
measurements of both stacks finely:
  {"op": "embed"}  -> {"imagesPerSec": ...}   one pass, input to the 128-d 'features' layer
  {"op": "train"}  -> {"samplesPerSec": ...}  one epoch, Adam 1e-3, cross-entropy, batch 128
Run with /usr/bin/python3, OPENBLAS_NUM_THREADS=1 and --threads T (torch intra-op threads).
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
import torch.nn as nn


class SmallCnn(nn.Module):
    # Same layers and shapes as failure-directions' 'small-cnn' (tf 'same' padding gives the same
    # output sizes here: 28 -> 14 -> 7).
    def __init__(self, channels, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(channels, 16, 5, stride=2, padding=2)
        self.conv2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        self.features = nn.Linear(32 * 7 * 7, 128)
        self.logits = nn.Linear(128, num_classes)

    def embed(self, x):
        h = torch.relu(self.conv1(x))
        h = torch.relu(self.conv2(h))
        return torch.relu(self.features(torch.flatten(h, 1)))

    def forward(self, x):
        return self.logits(self.embed(x))


def to_input(batch_u8):
    # uint8 NHWC -> contiguous float NCHW in [0, 1], as our pipeline does from the Uint8 images.
    # (Measured: making the uint8 tensor contiguous before the float conversion is PyTorch's fastest
    # variant here, faster than converting the permuted view.)
    return torch.from_numpy(batch_u8).permute(0, 3, 1, 2).contiguous().float().div_(255.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--images', required=True)
    ap.add_argument('--labels', required=True)
    ap.add_argument('--embed-batch', type=int, default=256)
    ap.add_argument('--train-batch', type=int, default=128)
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    # One fixed thread count per process: switching OpenMP team sizes between requests slowed
    # PyTorch down measurably, so the benchmark starts one peer per thread count.
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = np.ascontiguousarray(np.load(args.images))
    y = torch.from_numpy(np.load(args.labels).astype(np.int64))
    n, h, w, c = x.shape
    model = SmallCnn(c, int(y.max()) + 1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    rng = np.random.default_rng(0)

    def embed_pass():
        model.eval()
        out = []
        with torch.inference_mode():
            for s in range(0, n, args.embed_batch):
                out.append(model.embed(to_input(x[s:s + args.embed_batch])).numpy())
        z = np.concatenate(out)
        assert z.shape == (n, 128)

    def train_epoch():
        model.train()
        order = rng.permutation(n)
        for s in range(0, n, args.train_batch):
            idx = order[s:s + args.train_batch]
            opt.zero_grad()
            loss_fn(model(to_input(x[idx])), y[idx]).backward()
            opt.step()

    print(json.dumps({'ready': True, 'torch': torch.__version__, 'n': n}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req['op'] == 'embed':
            t = time.perf_counter()
            embed_pass()
            print(json.dumps({'imagesPerSec': n / (time.perf_counter() - t), 'threads': torch.get_num_threads()}), flush=True)
        elif req['op'] == 'train':
            t = time.perf_counter()
            train_epoch()
            print(json.dumps({'samplesPerSec': n / (time.perf_counter() - t), 'threads': torch.get_num_threads()}), flush=True)
        else:
            print(json.dumps({'error': 'unknown op ' + str(req['op'])}), flush=True)


if __name__ == '__main__':
    main()
