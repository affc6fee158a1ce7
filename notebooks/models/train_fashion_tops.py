"""Step 2 of train-fashion-tops.sh: trains the notebook's PyTorch classifier and exports it to ONNX.

A small torchvision-style ResNet (torchvision's BasicBlock: 3x3 convs, BatchNorm, residual additions;
stem conv, three stages of 16/32/64 channels, global average pooling, a linear classifier) on 28x28
gray Fashion-MNIST tops, 4 classes (coat, pullover, shirt, t-shirt). Inputs are normalised as a
torchvision user would: ToTensor() then Normalize([0.2860], [0.3530]) (Fashion-MNIST's mean/std), so
the notebook passes { mean: [0.286], std: [0.353] }. Seeded; CPU; a few minutes with Debian's
python3-torch. Writes fashion-tops-resnet.onnx (dynamic batch) and fashion-tops-resnet.json
(classes, preprocessing, training record).
"""
import json
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
from torchvision.models.resnet import BasicBlock

data_dir, out_dir = sys.argv[1], sys.argv[2]
EPOCHS = int(os.environ.get('EPOCHS', '3'))
torch.manual_seed(0)
torch.set_num_threads(2)
MEAN, STD = 0.2860, 0.3530
CLASSES = ['coat', 'pullover', 'shirt', 't-shirt']


class SmallResNet(nn.Module):
    def __init__(self, num_classes=4, widths=(16, 32, 64)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, widths[0], 3, padding=1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU(inplace=True))
        layers, cin = [], widths[0]
        for i, w in enumerate(widths):
            stride = 1 if i == 0 else 2
            down = None if stride == 1 and cin == w else nn.Sequential(nn.Conv2d(cin, w, 1, stride, bias=False), nn.BatchNorm2d(w))
            layers += [BasicBlock(cin, w, stride, down), BasicBlock(w, w)]
            cin = w
        self.layers = nn.Sequential(*layers)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, num_classes)

    def forward(self, x):
        return self.fc(torch.flatten(self.avgpool(self.layers(self.stem(x))), 1))


def tensors(prefix):
    x = torch.from_numpy(np.load(os.path.join(data_dir, f'{prefix}-images.npy'))).float().div_(255).sub_(MEAN).div_(STD).unsqueeze(1)
    y = torch.from_numpy(np.load(os.path.join(data_dir, f'{prefix}-labels.npy')).astype(np.int64))
    return x, y


xtr, ytr = tensors('train')
xva, yva = tensors('val')
net = SmallResNet()
opt = torch.optim.AdamW(net.parameters(), lr=2e-3, weight_decay=1e-4)
sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=4e-3, total_steps=EPOCHS * ((len(xtr) + 127) // 128))
g = torch.Generator().manual_seed(0)
history, t0 = [], time.time()
for epoch in range(EPOCHS):
    net.train()
    perm = torch.randperm(len(xtr), generator=g)
    total = 0.0
    for s in range(0, len(xtr), 128):
        idx = perm[s:s + 128]
        xb = xtr[idx]
        flip = torch.rand(len(idx), generator=g) < 0.5  # horizontal flips: clothes are left/right symmetric
        xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
        opt.zero_grad()
        loss = nn.functional.cross_entropy(net(xb), ytr[idx])
        loss.backward()
        opt.step()
        sched.step()
        total += float(loss) * len(idx)
    net.eval()
    with torch.no_grad():
        acc = float((net(xva).argmax(1) == yva).float().mean())
    history.append({'epoch': epoch + 1, 'loss': total / len(xtr), 'valAccuracy': acc, 'seconds': time.time() - t0})
    print(history[-1], flush=True)

onnx_file = os.path.join(out_dir, 'fashion-tops-resnet.onnx')
torch.onnx.export(net, xva[:2], onnx_file, input_names=['input'], output_names=['logits'],
                  dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, opset_version=14)
with open(os.path.join(out_dir, 'fashion-tops-resnet.json'), 'w') as f:
    json.dump({
        'model': 'fashion-tops-resnet.onnx', 'architecture': 'small ResNet (torchvision BasicBlock x 6, widths 16/32/64, global average pooling, linear)',
        'classes': CLASSES, 'input': '[batch, 1, 28, 28] float32', 'preprocessing': {'scale': '1/255 (ToTensor)', 'mean': [MEAN], 'std': [STD]},
        'trainImages': int(len(xtr)), 'heldOutImages': int(len(xva)), 'epochs': EPOCHS, 'seed': 0, 'torch': torch.__version__,
        'history': history, 'trainSeconds': time.time() - t0,
    }, f, indent=1)
print('wrote', onnx_file, os.path.getsize(onnx_file), 'bytes')
