/**
 * The comm-enabled kernel at the protocol level: a Jupyter client (ZeroMQ, test/widgets/jupyter-client.ts)
 * starts the kernel exactly as kernel.json says, plays an ipywidgets front end, and checks comm_info,
 * the version handshake, widget messages in both protocols, callback errors, interrupts (SIGINT, as
 * jupyter_client sends) of a stuck synchronous callback, of a pending async one and of a running cell,
 * the live panel's coalescing of a burst of slider values, and a restart.
 */
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KernelClient, Msg } from './jupyter-client';
import { REPO_ROOT } from './notebook-server';
import { FIXTURE, SETUP } from './panel-notebook';

const kernelJson = path.join(REPO_ROOT, 'kernel', 'jupyter', 'share', 'jupyter', 'kernels', 'tslab', 'kernel.json');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const lastLine = (s: string) => s.trim().split('\n').pop()!;

describe('widgets: the comm-enabled kernel over ZeroMQ (a Jupyter client playing the front end)', function () {
  this.timeout(180_000);
  let k: KernelClient;
  let started = 0;
  /** Comm ids of widgets created by a cell, by model name. */
  const openedBy = (outputs: Msg[]) => outputs.filter((m) => m.header.msg_type === 'comm_open').map((m) => ({ id: m.content.comm_id as string, data: m.content.data, metadata: m.metadata }));
  const captured = (outputId: string) => k.iopub.filter((m) => (m.parent_header as { msg_id?: string }).msg_id === `fd-output-${outputId}`);
  const backbone = (id: string, state: Record<string, unknown>) => k.send('comm_msg', { comm_id: id, data: { method: 'backbone', sync_data: state } });
  const busy = (msgId: string) => k.waitFor((m) => m.header.msg_type === 'status' && m.content.execution_state === 'busy' && (m.parent_header as { msg_id?: string }).msg_id === msgId, 10_000);

  before(async () => {
    started = Date.now();
    const spec = JSON.parse(fs.readFileSync(kernelJson, 'utf8')) as { argv: string[] };
    assert.match(spec.argv.join(' '), /dist\/widgets\/kernel-main\.js kernel --config-path \{connection_file\}/, 'kernel/setup.sh registered the comm-enabled kernel');
    k = await KernelClient.start({ argv: spec.argv, cwd: path.join(REPO_ROOT, 'notebooks') });
    await k.execute(`${SETUP}\nimport * as fdi from 'failure-directions/internal';`);
  });

  after(async () => {
    await k?.close();
    process.stderr.write(`      [comm kernel test: ${((Date.now() - started) / 1000).toFixed(1)} s]\n`);
  });

  it('answers comm_info_request with a comm_info_reply, between busy and idle', async () => {
    const reply = await k.request('comm_info_request', { target_name: 'jupyter.widget' });
    assert.equal(reply.header.msg_type, 'comm_info_reply');
    assert.deepEqual(reply.content, { status: 'ok', comms: {} });
    const id = (reply.parent_header as { msg_id: string }).msg_id;
    await k.idle(id);
    assert.deepEqual(k.childrenOf(id).map((m) => m.content.execution_state), ['busy', 'idle']);
  });

  it('a burst of output arrives complete, with the error text and the idle (tslab alone dropped all past ~500 messages)', async () => {
    const r = await k.execute(`for (let i = 0; i < 5000; i++) console.log(i);\nconsole.error('after the burst');`, { timeoutMs: 60_000 });
    const lines = r.stdout.split('\n').filter(Boolean);
    assert.equal(lines.length, 5000);
    assert.equal(lines[4999], '4999');
    assert.equal(r.stderr, 'after the burst\n');
  });

  it('before any widget front end announced itself, widgets speak protocol 2 (what nbclient and ipywidgets 8 read)', async () => {
    const r = await k.execute(`const early = new fd.IntSlider({ value: 2 });\nconsole.log(early.modelId);`);
    const open = openedBy(r.outputs).find((o) => o.id === lastLine(r.stdout))!;
    assert.deepEqual(open.metadata, { version: '2.1.0' });
    assert.equal(open.data.state._model_module, '@jupyter-widgets/controls');
    assert.deepEqual(open.data.buffer_paths, []);
  });

  it('answers the ipywidgets-6 version handshake and then speaks protocol 1', async () => {
    await k.send('comm_open', { comm_id: 'version-1', target_name: 'jupyter.widget.version', data: {} });
    const m = await k.waitFor((x) => x.header.msg_type === 'comm_msg' && x.content.comm_id === 'version-1');
    assert.deepEqual(m.content.data, { version: '~2.1.4' });
    await k.send('comm_msg', { comm_id: 'version-1', data: { validated: true, frontend_version: '2.1.4' } });
    const r = await k.execute(`console.log(JSON.stringify(fdi.kernelHost()!.widgetFrontend));\nconst s1 = new fd.IntSlider({ value: 1, max: 10 });\nconsole.log(s1.modelId);`);
    const [frontend, id] = r.stdout.trim().split('\n');
    assert.deepEqual(JSON.parse(frontend), { protocol: 1, version: '2.1.4', validated: true });
    const open = openedBy(r.outputs).find((o) => o.id === id)!;
    assert.equal(open.data._model_module, 'jupyter-js-widgets');
    assert.equal(open.data.value, 1);
  });

  let sliderId = '';
  let outputId = '';
  it('a front-end change runs the observe callback; an error in it shows in the widget\'s output area and the kernel keeps going', async () => {
    const r = await k.execute(`const out = new fd.Output();
const slider = new fd.IntSlider({ value: 1, max: 100 });
slider.errorOutput = out;
const seen: number[] = [];
let aborted = false;
slider.observe(({ new: v }) => {
  if (v === 5) throw new RangeError('five is not allowed');
  if (v === 7) while (true) {} // stuck
  if (v === 8) {
    fdi.kernelHost()!.comms.currentSignal().addEventListener('abort', () => (aborted = true));
    return new Promise(() => {}); // never settles
  }
  seen.push(v as number);
}, 'value');
new fd.VBox([slider, out]).display();
console.log(JSON.stringify([slider.modelId, out.modelId]));`);
    [sliderId, outputId] = JSON.parse(lastLine(r.stdout));
    const bad = await backbone(sliderId, { value: 5 });
    await k.idle(bad);
    const good = await backbone(sliderId, { value: 6 });
    await k.idle(good);
    const errors = captured(outputId).filter((m) => m.header.msg_type === 'error');
    assert.equal(errors.length, 1, 'the error went to the Output widget (parent = its msg_id)');
    assert.equal(errors[0].content.ename, 'RangeError');
    assert.match(errors[0].content.evalue, /five is not allowed/);
    assert.deepEqual(JSON.parse(lastLine((await k.execute('console.log(JSON.stringify(seen));')).stdout)), [6]);
  });

  it('an interrupt (SIGINT) stops a callback stuck in a synchronous loop; the kernel survives', async () => {
    const stuck = await backbone(sliderId, { value: 7 });
    await busy(stuck);
    await sleep(300);
    k.interrupt();
    await k.idle(stuck, 15_000);
    const err = captured(outputId).filter((m) => m.header.msg_type === 'error').pop()!;
    assert.equal(err.content.ename, 'KernelInterruptedError', JSON.stringify(err.content));
    assert.ok(k.alive);
    assert.equal(lastLine((await k.execute('console.log(1 + 1);')).stdout), '2');
  });

  it('an interrupt abandons a callback awaiting forever (its abort signal fires)', async () => {
    const hang = await backbone(sliderId, { value: 8 });
    await busy(hang);
    await sleep(200);
    k.interrupt();
    await k.idle(hang, 15_000);
    const err = captured(outputId).filter((m) => m.header.msg_type === 'error').pop()!;
    assert.equal(err.content.ename, 'KernelInterruptedError');
    assert.equal(lastLine((await k.execute('console.log(aborted);')).stdout), 'true');
  });

  it('interrupting a running cell still works (tslab\'s own interrupt), and widgets keep working after it', async () => {
    const pending = k.execute('await new Promise(() => {});', { allowError: true, timeoutMs: 30_000 });
    await sleep(1500);
    k.interrupt();
    const r = await pending;
    assert.equal(r.reply.content.status, 'error');
    assert.match(r.stderr, /Interrupted/);
    await sleep(400); // tslab aborts requests queued within 200 ms of a failed cell (Jupyter's stop_on_error)
    const ok = await backbone(sliderId, { value: 9 });
    await k.idle(ok);
    assert.deepEqual(JSON.parse(lastLine((await k.execute('console.log(JSON.stringify(seen));')).stdout)), [6, 9]);
  });

  it('the live panel coalesces a burst of 20 C values into few refits, ends at the last one, and updates its outputs in place', async () => {
    await k.execute(FIXTURE, { timeoutMs: 120_000 });
    const r = await k.execute(`const panel = fd.cSliderPanel(dirs, testInput, { classId: 0, images: test, k: 6 });\npanel.display();\nconsole.log(JSON.stringify(panel.view));`, { timeoutMs: 60_000 });
    const first = JSON.parse(lastLine(r.stdout));
    assert.equal(first.seq, 1);
    const displays = r.outputs.filter((m) => m.header.msg_type === 'display_data');
    const ids = displays.map((m) => m.content.transient?.display_id).filter(Boolean);
    assert.equal(ids.length, 4, 'histogram, table, strip and the static fallback, each with a display id');
    const exponent = openedBy(r.outputs).find((o) => o.data._model_name === 'FloatSliderModel' && o.data.min === -6 && o.data.max === 2)!;
    const kSlider = openedBy(r.outputs).find((o) => o.data._model_name === 'IntSliderModel' && o.data.max === 50)!;
    const from = k.iopub.length;
    const values = Array.from({ length: 20 }, (_, i) => -2 - (3 * (i + 1)) / 20); // ... down to 10^-5
    for (const x of values) await backbone(exponent.id, { value: x });
    await backbone(kSlider.id, { value: 3 });
    const s = JSON.parse(lastLine((await k.execute('await panel.whenIdle();\nconsole.log(JSON.stringify({ refits: panel.refits, view: panel.view }));')).stdout));
    assert.ok(s.refits >= 1 && s.refits <= 3, `${s.refits} refits for 20 values`);
    assert.ok(Math.abs(Math.log10(s.view.C) + 5) < 1e-9, `ended at the last value: C = ${s.view.C}`);
    assert.equal(s.view.k, 3);
    assert.ok(s.view.seq <= 4, `${s.view.seq - 1} redraws`);
    const later = k.iopub.slice(from);
    assert.equal(later.filter((m) => m.header.msg_type === 'display_data').length, 0, 'no new outputs');
    const updates = later.filter((m) => m.header.msg_type === 'update_display_data');
    assert.ok(updates.length >= 3 && updates.every((m) => ids.includes(m.content.transient.display_id)), 'updated in place');
  });

  it('restarts: the new kernel answers the handshake again, ignores messages for the old widgets, and makes new ones', async () => {
    const t0 = Date.now();
    await k.restart();
    const restartMs = Date.now() - t0;
    await k.send('comm_open', { comm_id: 'version-2', target_name: 'jupyter.widget.version', data: {} });
    await k.waitFor((x) => x.header.msg_type === 'comm_msg' && x.content.comm_id === 'version-2');
    const stale = await backbone(sliderId, { value: 3 });
    await k.idle(stale);
    assert.deepEqual((await k.request('comm_info_request', {})).content, { status: 'ok', comms: { 'version-2': { target_name: 'jupyter.widget.version' } } });
    const r = await k.execute(`${SETUP}\nconst again = new fd.HTML({ value: 'back' });\nconsole.log(again.modelId);`);
    assert.ok(openedBy(r.outputs).some((o) => o.id === lastLine(r.stdout) && o.data._model_module === 'jupyter-js-widgets'));
    assert.doesNotMatch(k.log, /Error|Unhandled/, k.log);
    process.stderr.write(`      [restart (shutdown_request, exit, new kernel answering) in ${(restartMs / 1000).toFixed(1)} s]\n`);
  });
});
