"""Synthetic CLIP-like embeddings in clip-retrieval's layout for `npm run bench:scale`.

Writes <out>/img_emb/img_emb_{i}.npy (float16, rows x d) plus, for the NumPy peer (which has no
Parquet reader on Debian: no pyarrow), <out>/peer/labels_{i}.npy. The metadata Parquet shards are
written by the Node driver from the same closed-form labels (see `label_of`), and a fitting sample
(<out>/fit/{train,val}.npy, val_labels.npy, val_preds.npy) comes from the same distribution.

Every class is a Gaussian blob; 20% of each class (a hidden subgroup) is shifted along a per-class
direction and the "model" errs there 70% of the time (5% elsewhere): the failure mode to find.
Labels, subgroups and predictions are closed-form functions of the global row index g, so the
metadata written elsewhere agrees without passing arrays around. Seeded: same bytes every run.
"""
import os, sys
import numpy as np

def label_of(g, C):
    return ((g * 2654435761) % 4294967296) % C

def subgroup_of(g):
    return ((g * 40503) % 65536) < 13107

def pred_of(g, lab, C):
    wrong = np.where(subgroup_of(g), (g * 97) % 10 < 7, (g * 31) % 100 < 5)
    return np.where(wrong, (lab + 1 + g % (C - 1)) % C, lab)

def rows(g, C, d, means, shifts, rng):
    lab = label_of(g, C)
    x = means[lab] + rng.standard_normal((len(g), d), dtype=np.float32) * 0.35
    sub = subgroup_of(g)
    x[sub] += 0.9 * shifts[lab[sub]]
    return x, lab

def main():
    out, n_shards, shard_rows, d, C = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
    rng = np.random.default_rng(0)
    means = rng.standard_normal((C, d), dtype=np.float32) * 0.3 + 0.05
    shifts = rng.standard_normal((C, d), dtype=np.float32)
    shifts /= np.linalg.norm(shifts, axis=1, keepdims=True)
    shifts *= np.sqrt(d) * 0.35 / 4
    os.makedirs(os.path.join(out, 'img_emb'), exist_ok=True)
    os.makedirs(os.path.join(out, 'peer'), exist_ok=True)
    os.makedirs(os.path.join(out, 'fit'), exist_ok=True)
    for k in range(n_shards):
        f = os.path.join(out, 'img_emb', f'img_emb_{k}.npy')
        g0 = k * shard_rows
        if os.path.exists(f):
            continue
        arr = np.lib.format.open_memmap(f + '.tmp', mode='w+', dtype=np.float16, shape=(shard_rows, d))
        labs = np.empty(shard_rows, dtype=np.int32)
        step = 50000
        for s in range(0, shard_rows, step):
            g = np.arange(g0 + s, g0 + min(shard_rows, s + step), dtype=np.int64)
            x, lab = rows(g, C, d, means, shifts, np.random.default_rng(g0 + s))
            arr[s:s + len(g)] = x.astype(np.float16)
            labs[s:s + len(g)] = lab
        arr.flush()
        del arr
        np.save(os.path.join(out, 'peer', f'labels_{k}.npy'), labs)
        os.replace(f + '.tmp', f)
    # fitting sample, from rows far beyond the pool
    for name, n, base in (('train', 20000, 10**10), ('val', 30000, 2 * 10**10)):
        g = np.arange(base, base + n, dtype=np.int64)
        x, lab = rows(g, C, d, means, shifts, np.random.default_rng(base))
        np.save(os.path.join(out, 'fit', f'{name}.npy'), x.astype(np.float16).astype(np.float32))
        if name == 'val':
            np.save(os.path.join(out, 'fit', 'val_labels.npy'), lab.astype(np.int32))
            np.save(os.path.join(out, 'fit', 'val_preds.npy'), pred_of(g, lab, C).astype(np.int32))

if __name__ == '__main__':
    main()
