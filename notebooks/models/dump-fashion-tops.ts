/**
 * Step 1 of notebooks/models/train-fashion-tops.sh: the training images of the notebook's PyTorch
 * classifier. Notebook 03 writes the first 1000 analysis images of each of four classes of tops
 * (t-shirt, pullover, coat, shirt) to its image folder (train/val/test); the PyTorch model trains on
 * the *other* analysis images of those classes from the Fashion-MNIST train part (corpus ids below
 * 40000), so it never sees the notebook's val/test images. Labels follow the folder order the
 * notebook gets from fd.imageFolder (sorted folder names): coat, pullover, shirt, t-shirt.
 * Writes <out>/train-images.npy (uint8 [N, 28, 28]), train-labels.npy, and the notebook's val images
 * (val-images.npy, val-labels.npy) to report held-out accuracy.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { loadFashionMnist } from '../../src/data';
import { saveNpy } from '../../src/embed/npy';

async function main(): Promise<void> {
  const out = process.argv[2];
  if (!out) throw new Error('usage: dump-fashion-tops.ts <out dir>');
  fs.mkdirSync(out, { recursive: true });
  const corpus = await loadFashionMnist({ part: 'analysis' });
  const folders: Record<string, string> = { 'T-shirt/top': 't-shirt', Pullover: 'pullover', Coat: 'coat', Shirt: 'shirt' };
  const order = Object.values(folders).sort();
  const px = corpus.height * corpus.width;
  const train: number[] = [];
  const trainLabels: number[] = [];
  const val: number[] = [];
  const valLabels: number[] = [];
  for (const [className, folder] of Object.entries(folders)) {
    const c = corpus.classNames.indexOf(className);
    let seen = 0;
    for (let i = 0; i < corpus.labels.length; i++) {
      if (corpus.labels[i] !== c) continue;
      seen++;
      if (seen > 500 && seen <= 750) {
        val.push(i); // the notebook's val images
        valLabels.push(order.indexOf(folder));
      } else if (seen > 1000 && Number(corpus.ids[i]) < 40000) {
        train.push(i);
        trainLabels.push(order.indexOf(folder));
      }
    }
  }
  const pick = (rows: number[]) => {
    const a = new Uint8Array(rows.length * px);
    rows.forEach((r, k) => a.set(corpus.images.subarray(r * px, (r + 1) * px), k * px));
    return a;
  };
  saveNpy(path.join(out, 'train-images.npy'), { data: pick(train), shape: [train.length, 28, 28], dtype: 'u1' });
  saveNpy(path.join(out, 'train-labels.npy'), { data: Int32Array.from(trainLabels), shape: [train.length], dtype: 'i4' });
  saveNpy(path.join(out, 'val-images.npy'), { data: pick(val), shape: [val.length, 28, 28], dtype: 'u1' });
  saveNpy(path.join(out, 'val-labels.npy'), { data: Int32Array.from(valLabels), shape: [val.length], dtype: 'i4' });
  console.log(`train ${train.length}, val ${val.length} images (${order.join(', ')}) -> ${out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
