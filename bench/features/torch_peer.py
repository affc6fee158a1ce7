"""PyTorch CPU peer for bench/features/run.ts: the same small CNN, timed the same way.

Reads uint8 images (N, H, W, C) from an .npy file, prints one JSON line with
embedding images/s (input to the 128-d 'features' layer, no_grad) and training samples/s
(Adam 1e-3, softmax cross-entropy, batch 128, one epoch after a warm-up).
Run with /usr/bin/python3 and OPENBLAS_NUM_THREADS=1; --threads sets torch's intra-op threads.
"""
import argparse
import json
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
    # uint8 NHWC -> float NCHW in [0, 1], as our pipeline does from the Uint8 images.
    return torch.from_numpy(batch_u8).permute(0, 3, 1, 2).float().div_(255.0)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--images', required=True)
    ap.add_argument('--labels', required=True)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--embed-batch', type=int, default=256)
    ap.add_argument('--train-batch', type=int, default=128)
    ap.add_argument('--repeats', type=int, default=3)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = np.load(args.images)
    y = torch.from_numpy(np.load(args.labels).astype(np.int64))
    n, h, w, c = x.shape
    k = int(y.max()) + 1
    model = SmallCnn(c, k)

    def embed_pass():
        model.eval()
        with torch.no_grad():
            out = []
            for s in range(0, n, args.embed_batch):
                out.append(model.embed(to_input(x[s:s + args.embed_batch])).numpy())
        return np.concatenate(out)

    embed_pass()  # warm-up
    embed_ips = 0.0
    for _ in range(args.repeats):
        t = time.perf_counter()
        z = embed_pass()
        embed_ips = max(embed_ips, n / (time.perf_counter() - t))
    assert z.shape == (n, 128)

    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    loss_fn = nn.CrossEntropyLoss()
    perm_rng = np.random.default_rng(0)

    def train_epoch():
        model.train()
        order = perm_rng.permutation(n)
        for s in range(0, n, args.train_batch):
            idx = order[s:s + args.train_batch]
            opt.zero_grad()
            loss = loss_fn(model(to_input(x[idx])), y[idx])
            loss.backward()
            opt.step()
        return float(loss)

    train_epoch()  # warm-up
    train_sps = 0.0
    for _ in range(args.repeats):
        t = time.perf_counter()
        train_epoch()
        train_sps = max(train_sps, n / (time.perf_counter() - t))
    print(json.dumps({
        'torch': torch.__version__,
        'threads': torch.get_num_threads(),
        'embedImagesPerSec': embed_ips,
        'trainSamplesPerSec': train_sps,
        'n': n,
    }))


if __name__ == '__main__':
    main()
