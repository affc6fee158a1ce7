"""PyTorch CPU peer for bench/onnx/run.ts: a torchvision model, timed the way ONNX Runtime is.

Builds the torchvision architecture with seeded weights (no weights are downloadable here), exports it
to ONNX for the Node side, then answers one JSON request per stdin line with one JSON line:
  {"op": "embed", "batch": B}      -> {"imagesPerSec": ...}  penultimate features of every input image
  {"op": "features", "out": path}  -> {"ok": true}           writes those features (.npy) for the parity check
  {"op": "preprocess"}             -> {"imagesPerSec": ...}  torchvision's ImageNet eval transform on the PIL images
Run with /usr/bin/python3, OPENBLAS_NUM_THREADS=1 and --threads T (torch intra-op threads).
"""
import argparse
import json
import sys
import time

import numpy as np
import torch
import torchvision
from PIL import Image
from torchvision import transforms as T


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--model', default='resnet18')
    ap.add_argument('--onnx', required=True)
    ap.add_argument('--input', required=True, help='float32 [N, 3, 224, 224] .npy (preprocessed by the Node side)')
    ap.add_argument('--images', required=True, help='uint8 [N, H, W] .npy (the raw gray images)')
    ap.add_argument('--threads', type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    net = getattr(torchvision.models, args.model)(weights=None, num_classes=1000).eval()
    x = torch.from_numpy(np.ascontiguousarray(np.load(args.input)))
    with torch.no_grad():
        torch.onnx.export(net, x[:2], args.onnx, input_names=['input'], output_names=['logits'],
                          dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=14)
    # Penultimate features: everything up to the final Linear.
    if hasattr(net, 'fc'):
        net.fc = torch.nn.Identity()
    else:
        net.classifier[-1] = torch.nn.Identity()
    raw = np.load(args.images)
    pil = [Image.fromarray(im, mode='L') for im in raw]
    tf = T.Compose([T.Resize(256), T.CenterCrop(224), T.Lambda(lambda im: im.convert('RGB')), T.ToTensor(),
                    T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    print(json.dumps({'ready': True, 'torch': torch.__version__, 'torchvision': torchvision.__version__, 'threads': torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req['op'] == 'embed':
            b = int(req.get('batch', 64))
            t0 = time.perf_counter()
            with torch.no_grad():
                for s in range(0, x.shape[0], b):
                    net(x[s:s + b])
            dt = time.perf_counter() - t0
            print(json.dumps({'imagesPerSec': x.shape[0] / dt}), flush=True)
        elif req['op'] == 'features':
            with torch.no_grad():
                np.save(req['out'], net(x).numpy().astype(np.float32))
            print(json.dumps({'ok': True}), flush=True)
        elif req['op'] == 'preprocess':
            t0 = time.perf_counter()
            torch.stack([tf(im) for im in pil])
            dt = time.perf_counter() - t0
            print(json.dumps({'imagesPerSec': len(pil) / dt}), flush=True)
        else:
            print(json.dumps({'error': f"unknown op {req['op']}"}), flush=True)


if __name__ == '__main__':
    main()
