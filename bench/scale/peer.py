"""The NumPy peer of `npm run bench:scale`: the same scoring as failure-directions' streaming scorer,
written the way a NumPy user would, on memory-mapped float16 shards (np.load(mmap_mode='r')).

Per shard, in chunks: widen to float32, whiten with the train mean / std, L2-normalise, score with the
row's class SVM (z @ W.T then the row's own column: one BLAS GEMM, the fastest NumPy formulation at
100 classes), write the shard's scores (.npy); then the 100 hardest / easiest per class with
argpartition. Prints one JSON line: rows, seconds, rows/s, CPU seconds, peak RSS (VmHWM, which counts
the mapped file pages it touched, as the kernel accounts them).

usage: peer.py <folder> <n_shards> <model_dir> <out_dir> [chunk]
"""
import json, os, resource, sys, time
import numpy as np

def peak_rss():
    # VmHWM is per address space (reset by exec); ru_maxrss would include the forking parent's pages.
    with open('/proc/self/status') as f:
        for line in f:
            if line.startswith('VmHWM:'):
                return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024

def main():
    folder, n_shards, model_dir, out_dir = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    chunk = int(sys.argv[5]) if len(sys.argv) > 5 else 8192
    t0 = time.perf_counter()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    cpu0 = ru0.ru_utime + ru0.ru_stime
    mean = np.load(os.path.join(model_dir, 'mean.npy')).astype(np.float32)
    inv = np.load(os.path.join(model_dir, 'inv_std.npy')).astype(np.float32)
    W = np.load(os.path.join(model_dir, 'coef.npy')).astype(np.float32)
    b = np.load(os.path.join(model_dir, 'intercept.npy'))
    has = np.load(os.path.join(model_dir, 'has_svm.npy')).astype(bool)
    C = W.shape[0]
    os.makedirs(out_dir, exist_ok=True)
    all_scores, all_labels = [], []
    rows = 0
    for k in range(n_shards):
        x = np.load(os.path.join(folder, 'img_emb', f'img_emb_{k}.npy'), mmap_mode='r')
        lab = np.load(os.path.join(folder, 'peer', f'labels_{k}.npy'))
        n = x.shape[0]
        out = np.empty(n, dtype=np.float64)
        for s in range(0, n, chunk):
            a = x[s:s + chunk].astype(np.float32)
            a -= mean
            a *= inv
            nrm = np.sqrt(np.einsum('ij,ij->i', a, a))
            nrm[nrm == 0] = 1
            l = lab[s:s + chunk]
            sc = a @ W.T
            out[s:s + chunk] = sc[np.arange(len(l)), l] / nrm + b[l]
        out[~has[lab]] = np.nan
        np.save(os.path.join(out_dir, f'scores_{k}.npy'), out)
        all_scores.append(out)
        all_labels.append(lab)
        rows += n
    scores = np.concatenate(all_scores)
    labels = np.concatenate(all_labels)
    order = np.argsort(labels, kind='stable')
    bounds = np.searchsorted(labels[order], np.arange(C + 1))
    hardest = {}
    for c in range(C):
        idx = order[bounds[c]:bounds[c + 1]]
        s = scores[idx]
        ok = ~np.isnan(s)
        idx, s = idx[ok], s[ok]
        k = min(100, len(s))
        if k:
            part = np.argpartition(s, k - 1)[:k]
            hardest[c] = idx[part[np.argsort(s[part], kind='stable')]]
    secs = time.perf_counter() - t0
    ru = resource.getrusage(resource.RUSAGE_SELF)
    cpu = ru.ru_utime + ru.ru_stime - cpu0
    print(json.dumps({'rows': rows, 'seconds': secs, 'rowsPerSecond': rows / secs, 'cpuSeconds': cpu, 'peakRssBytes': peak_rss(), 'hardestClasses': len(hardest)}))

if __name__ == '__main__':
    main()
