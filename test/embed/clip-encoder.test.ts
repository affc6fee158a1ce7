import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnxRuntimeStatus } from '../../src/model';
import { isJointEncoder } from '../../src/embed';
import { clipEncoder } from '../../src/embed/clip-encoder';
import { fixture, fixtureImages, npy, relError } from '../model/onnx-fixtures';

describe('embed: clipEncoder on a tiny CLIP-shaped model exported from PyTorch', function () {
  before(function () {
    if (!onnxRuntimeStatus().available) this.skip();
  });
  const texts: string[] = JSON.parse(fs.readFileSync(fixture('clip-tiny-texts.json'), 'utf8'));

  it('tokenizes exactly as OpenAI CLIP\'s tokenizer algorithm (Python port) does', async () => {
    const clip = await clipEncoder(fixture('clip-tiny'), { threads: 1 });
    assert.ok(isJointEncoder(clip));
    const ref = npy('clip-tiny-ids.npy');
    const tok = clip.tokenize(texts);
    assert.deepEqual([tok.rows, tok.cols], ref.shape);
    assert.deepEqual(Array.from(tok.ids), Array.from(ref.data));
    await clip.dispose();
  });

  it('image and text embeddings and logit-scaled similarities equal PyTorch\'s', async () => {
    const raw = await clipEncoder(fixture('clip-tiny'), { normalize: false, threads: 1 });
    const img = new Float32Array(16 * raw.dim);
    img.set((await raw.embedImages(fixtureImages('rgb'))).data, 0);
    img.set((await raw.embedImages(fixtureImages('gray', 8), { batchSize: 3 })).data, 8 * raw.dim);
    const txt = await raw.embedTexts(texts);
    const refImg = npy('clip-tiny-image-embeds.npy');
    const refTxt = npy('clip-tiny-text-embeds.npy');
    assert.equal(raw.dim, refImg.shape[1]);
    const ei = relError(img, refImg.data, raw.dim);
    const et = relError(txt.data, refTxt.data, raw.dim);
    assert.ok(ei <= 1e-4, `image embeddings relative error ${ei}`);
    assert.ok(et <= 1e-4, `text embeddings relative error ${et}`);
    const clip = await clipEncoder(fixture('clip-tiny'), { threads: 1 });
    const a = new Float32Array(16 * clip.dim);
    a.set((await clip.embedImages(fixtureImages('rgb'))).data, 0);
    a.set((await clip.embedImages(fixtureImages('gray', 8))).data, 8 * clip.dim);
    const b = await clip.embedTexts(texts);
    const sims = new Float32Array(16 * texts.length);
    for (let i = 0; i < 16; i++) {
      for (let j = 0; j < texts.length; j++) {
        let s = 0;
        for (let d = 0; d < clip.dim; d++) s += a[i * clip.dim + d] * b.data[j * clip.dim + d];
        sims[i * texts.length + j] = clip.logitScale * s;
      }
    }
    const ref = npy('clip-tiny-similarities.npy').data;
    let worst = 0;
    for (let i = 0; i < sims.length; i++) worst = Math.max(worst, Math.abs(sims[i] - ref[i]));
    assert.ok(worst <= 1e-4 * clip.logitScale, `similarities differ by ${worst} (logit scale ${clip.logitScale})`);
    await raw.dispose();
    await clip.dispose();
  });

  it('reports words the tokenizer cannot represent, and names the file for every bad input', async () => {
    const clip = await clipEncoder(fixture('clip-tiny'), { threads: 1 });
    assert.deepEqual(clip.unknownWords('a photo of a café'), ['café']);
    assert.deepEqual(clip.unknownWords('a photo of a zebra'), []);
    await assert.rejects(clip.embedTexts(['a photo of a very very long caption with far too many words for it']), /text 0 \("a photo of a very very long caption.*"\) has \d+ tokens but textual\.onnx takes at most 16 \(its context length\); shorten it or pass \{ truncate: true \}/);
    const cut = await clipEncoder(fixture('clip-tiny'), { threads: 1, truncate: true });
    const t = cut.tokenize(['a photo of a very very long caption with far too many words for it']);
    assert.equal(t.ids[15], 349, 'truncated texts end with the end token');
    await cut.dispose();
    await clip.dispose();

    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fd-clip-'));
    for (const f of fs.readdirSync(fixture('clip-tiny'))) fs.copyFileSync(path.join(fixture('clip-tiny'), f), path.join(tmp, f));
    const tj = JSON.parse(fs.readFileSync(path.join(tmp, 'tokenizer.json'), 'utf8'));
    fs.writeFileSync(path.join(tmp, 'tokenizer.json'), JSON.stringify({ ...tj, model: { type: 'WordLevel', vocab: {}, unk_token: '[UNK]' } }));
    await assert.rejects(clipEncoder(tmp), (e: Error) => e.message.includes(path.join(tmp, 'tokenizer.json')) && /tokenizer of type 'WordLevel', which is not supported \(supported: BPE, WordPiece, Unigram\)/.test(e.message));
    fs.writeFileSync(path.join(tmp, 'tokenizer.json'), JSON.stringify(tj));
    fs.writeFileSync(path.join(tmp, 'visual.onnx'), 'not onnx');
    await assert.rejects(clipEncoder(tmp), /visual\.onnx is not an ONNX model/);
    fs.rmSync(path.join(tmp, 'visual.onnx'));
    await assert.rejects(clipEncoder(tmp), /visual\.onnx not found/);
    fs.rmSync(tmp, { recursive: true, force: true });
  });
});
