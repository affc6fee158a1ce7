/**
 * The comm layer and the widget models, in process: a real CommManager and widgets whose IOPub
 * messages are recorded, with the tests playing the front end (both widget protocols).
 */
import { strict as assert } from 'node:assert';
import { CommManager, KernelInterruptedError } from '../../src/widgets/comm';
import { kernelHost } from '../../src/widgets/kernel-host';
import { Dropdown, FloatLogSlider, FloatSlider, HBox, HTML, IntSlider, Label, NoWidgetKernelError, Output, VBox, Widget, widgetProtocol } from '../../src/widgets';
import { decodeMessage, encodeMessage, newHeader } from '../../src/widgets/wire';
import { setDisplayWriter } from '../../src/viz/display';
import { FakeHost } from './fake-host';

const tick = () => new Promise((r) => setImmediate(r));

describe('widgets: wire protocol', () => {
  it('signs the four JSON frames only, so binary buffers pass verification; rejects a bad signature', () => {
    const key = { key: 'secret', signature_scheme: 'hmac-sha256' };
    const header = newHeader('comm_msg', 'session');
    const frames = encodeMessage({ identities: [Buffer.from('id')], header, parent_header: {}, metadata: {}, content: { comm_id: 'x', data: {} }, buffers: [Buffer.from([1, 2, 3])] }, key);
    const msg = decodeMessage(frames, key);
    assert.deepEqual(msg.identities, [Buffer.from('id')]);
    assert.equal(msg.header.msg_id, header.msg_id);
    assert.deepEqual([...msg.buffers[0]], [1, 2, 3]);
    const tampered = [...frames];
    tampered[frames.length - 2] = Buffer.from('{"comm_id":"y","data":{}}');
    assert.throws(() => decodeMessage(tampered, key), /invalid message signature/);
    assert.throws(() => decodeMessage([Buffer.from('x')], key), /no <IDS\|MSG> delimiter/);
  });
});

describe('widgets: comms (messaging spec)', () => {
  let fake: FakeHost;
  beforeEach(() => (fake = new FakeHost()));
  afterEach(() => fake.uninstall());

  it('answers comm_info_request with the open comms, filtered by target', async () => {
    fake.comms.registerTarget('t', () => {});
    await fake.frontend('comm_open', { comm_id: 'a', target_name: 't', data: {} });
    fake.comms.openComm('u', {}, { commId: 'b' });
    assert.deepEqual((await fake.frontend('comm_info_request', {})).reply, { status: 'ok', comms: { a: { target_name: 't' }, b: { target_name: 'u' } } });
    assert.deepEqual((await fake.frontend('comm_info_request', { target_name: 'u' })).reply, { status: 'ok', comms: { b: { target_name: 'u' } } });
  });

  it('closes a comm opened to an unknown target; ignores messages to unknown comm ids', async () => {
    const { header } = await fake.frontend('comm_open', { comm_id: 'z', target_name: 'nobody', data: {} });
    const close = fake.since(0, 'comm_close');
    assert.equal(close.length, 1);
    assert.equal(close[0].content.comm_id, 'z');
    assert.equal(close[0].parent?.msg_id, header.msg_id, 'the close answers the open');
    assert.equal((await fake.frontend('comm_msg', { comm_id: 'stale', data: { x: 1 } })).reply, null);
    assert.equal((await fake.frontend('comm_close', { comm_id: 'stale', data: {} })).reply, null);
  });

  it('routes messages to handlers, with the message as parent of what they send; later sends get the latest execute request', async () => {
    let later: Promise<void> | undefined;
    fake.comms.registerTarget('echo', (comm) => {
      comm.onMsg((m) => {
        comm.send({ echo: m.data });
        later = new Promise((resolve) => setTimeout(() => (comm.send({ late: true }), resolve()), 5));
      });
    });
    await fake.frontend('comm_open', { comm_id: 'e', target_name: 'echo', data: {} });
    const { header } = await fake.frontend('comm_msg', { comm_id: 'e', data: { x: 1 } });
    await later;
    const sent = fake.since(0, 'comm_msg');
    assert.deepEqual(sent.map((m) => m.content.data), [{ echo: { x: 1 } }, { late: true }]);
    assert.equal(sent[0].parent?.msg_id, header.msg_id);
    assert.equal(sent[1].parent, null, 'no execute request seen yet');
    const cell = newHeader('execute_request', 's');
    fake.comms.runWithParent(cell, () => undefined);
    await fake.frontend('comm_msg', { comm_id: 'e', data: { x: 2 } });
    await later;
    assert.equal(fake.since(0, 'comm_msg').pop()!.parent?.msg_id, cell.msg_id, 'the latest cell');
  });

  it('a handler that throws (or rejects) reports to the comm\'s error handler, and the next message still works', async () => {
    const errors: string[] = [];
    fake.comms.registerTarget('t', (comm) => {
      comm.onError((e) => errors.push(String((e as Error).message)));
      comm.onMsg(async (m) => {
        if (m.data.kind === 'sync') throw new Error('sync boom');
        if (m.data.kind === 'async') throw new Error('async boom');
        comm.send({ ok: true });
      });
    });
    await fake.frontend('comm_open', { comm_id: 'c', target_name: 't', data: {} });
    await fake.frontend('comm_msg', { comm_id: 'c', data: { kind: 'sync' } });
    await fake.frontend('comm_msg', { comm_id: 'c', data: { kind: 'async' } });
    await fake.frontend('comm_msg', { comm_id: 'c', data: {} });
    assert.deepEqual(errors, ['sync boom', 'async boom']);
    assert.deepEqual(fake.dataOf('c'), [{ ok: true }]);
  });

  it('an interrupt abandons a pending async handler (its signal fires) and reports KernelInterruptedError', async () => {
    const errors: unknown[] = [];
    let aborted = false;
    fake.comms.registerTarget('t', (comm) => {
      comm.onError((e) => errors.push(e));
      comm.onMsg((m) => {
        m.signal.addEventListener('abort', () => (aborted = true));
        return new Promise(() => {}); // never settles
      });
    });
    let interrupted = 0;
    fake.comms.onInterrupt(() => interrupted++);
    await fake.frontend('comm_open', { comm_id: 'c', target_name: 't', data: {} });
    const pending = fake.frontend('comm_msg', { comm_id: 'c', data: {} });
    await tick();
    fake.comms.interrupt();
    await pending;
    assert.equal(errors.length, 1);
    assert.ok(errors[0] instanceof KernelInterruptedError);
    assert.ok(aborted);
    assert.equal(interrupted, 1);
  });

  it('kernel-side close sends comm_close once and runs close handlers; a front-end close too', async () => {
    const closed: string[] = [];
    const a = fake.comms.openComm('t', {}, { commId: 'a' }).onClose((m) => closed.push(m ? 'frontend' : 'kernel'));
    a.close();
    a.close();
    assert.equal(fake.since(0, 'comm_close').length, 1);
    fake.comms.openComm('t', {}, { commId: 'b' }).onClose((m) => closed.push(m ? 'frontend' : 'kernel'));
    await fake.frontend('comm_close', { comm_id: 'b', data: {} });
    assert.deepEqual(closed, ['kernel', 'frontend']);
    assert.deepEqual(fake.comms.commInfo().comms, {});
  });

  it('a reloaded page re-opening an existing comm keeps the kernel object attached', async () => {
    const comm = fake.comms.openComm('jupyter.widget', {}, { commId: 'w' });
    const got: unknown[] = [];
    comm.onMsg((m) => got.push(m.data));
    await fake.frontend('comm_open', { comm_id: 'w', target_name: 'jupyter.widget', data: {} });
    assert.equal(fake.since(0, 'comm_close').length, 0);
    await fake.frontend('comm_msg', { comm_id: 'w', data: { method: 'request_state' } });
    assert.deepEqual(got, [{ method: 'request_state' }]);
  });
});

describe('widgets: models', () => {
  let fake: FakeHost;
  afterEach(() => fake?.uninstall());

  it('need the comm-enabled kernel, and say how to get it', () => {
    assert.equal(kernelHost(), undefined);
    assert.throws(() => new IntSlider(), (e: unknown) => e instanceof NoWidgetKernelError && /kernel\/setup\.sh/.test((e as Error).message));
  });

  it('pick protocol 1 after an ipywidgets-6 front end announced itself, else 2; FD_WIDGET_PROTOCOL overrides', () => {
    fake = new FakeHost();
    assert.equal(widgetProtocol(), 2);
    fake.host.widgetFrontend = { protocol: 1 };
    assert.equal(widgetProtocol(), 1);
    process.env.FD_WIDGET_PROTOCOL = '2';
    try {
      assert.equal(widgetProtocol(), 2);
    } finally {
      delete process.env.FD_WIDGET_PROTOCOL;
    }
  });

  it('protocol 1: flat state in comm_open, jupyter-js-widgets ~2.1.4, layout references, display by comm message', () => {
    fake = new FakeHost({ protocol: 1 });
    const s = new IntSlider({ value: 3, min: 1, max: 9, description: 'K' });
    const open = fake.openOf(s.modelId);
    assert.equal(open.content.target_name, 'jupyter.widget');
    const st = open.content.data;
    assert.equal(st._model_module, 'jupyter-js-widgets');
    assert.equal(st._model_module_version, '~2.1.4');
    assert.equal(st._model_name, 'IntSliderModel');
    assert.equal(st._view_name, 'IntSliderView');
    assert.equal(st.value, 3);
    assert.equal(st.msg_throttle, 1);
    assert.match(st.layout, /^IPY_MODEL_/);
    assert.equal(fake.openOf(st.layout.slice('IPY_MODEL_'.length)).content.data._model_name, 'LayoutModel');
    assert.equal(fake.openOf(st.style.slice('IPY_MODEL_'.length)).content.data._model_name, 'SliderStyleModel');
    const before = fake.sent.length;
    s.display();
    const after = fake.since(before);
    assert.deepEqual(after.map((m) => m.msgType), ['comm_msg', 'display_data']);
    assert.deepEqual(after[0].content.data, { method: 'display' });
    assert.deepEqual(after[1].content.data, { 'application/vnd.jupyter.widget-view+json': { model_id: s.modelId } }, 'no text/plain: the classic notebook would print it');
  });

  it('protocol 2: {state, buffer_paths} and version 2.1.0 in comm_open, @jupyter-widgets 2.0.0 modules, view bundle with text/plain', () => {
    fake = new FakeHost();
    const s = new FloatLogSlider({ value: 0.01, min: -6, max: 2, step: 0.05 });
    const open = fake.openOf(s.modelId);
    assert.deepEqual(open.metadata, { version: '2.1.0' });
    assert.deepEqual(open.content.data.buffer_paths, []);
    const st = open.content.data.state;
    assert.equal(st._model_module, '@jupyter-widgets/controls');
    assert.equal(st._model_module_version, '2.0.0');
    assert.equal(st._model_name, 'FloatLogSliderModel');
    assert.equal(st.value, 0.01);
    assert.deepEqual([st.min, st.max, st.base], [-6, 2, 10]);
    assert.equal(fake.openOf(st.layout.slice(10)).content.data.state._model_module, '@jupyter-widgets/base');
    const out = new Output();
    assert.equal(fake.openOf(out.modelId).content.data.state._model_module, '@jupyter-widgets/output');
    assert.deepEqual(fake.openOf(out.modelId).content.data.state.outputs, []);
    const bundle = s.viewBundle();
    assert.deepEqual(bundle['application/vnd.jupyter.widget-view+json'], { version_major: 2, version_minor: 0, model_id: s.modelId });
    assert.equal(bundle['text/plain'], `FloatLogSlider(${s.modelId})`);
  });

  it('headless model ids are deterministic (a re-run notebook saves the same outputs); live ones carry a per-kernel part', () => {
    fake = new FakeHost();
    const a = new HTML();
    const b = new HTML();
    assert.match(a.modelId, /^fd-model-\d{4,}$/);
    assert.equal(Number(b.modelId.slice(9)) - Number(a.modelId.slice(9)), 3, 'HTML + its layout + its style');
    fake.host.widgetFrontend = { protocol: 2 };
    assert.match(new HTML().modelId, /^fd-model-[0-9a-f]{12}-\d{4,}$/);
  });

  for (const protocol of [1, 2] as const) {
    it(`protocol ${protocol}: front-end changes reach observe callbacks; kernel-side sets sync in one update`, async () => {
      fake = new FakeHost({ protocol });
      const s = new FloatSlider({ value: 0.5, min: 0, max: 1, step: 0.01 });
      const seen: Array<[string, unknown, unknown]> = [];
      s.observe(({ name, old, new: v }) => seen.push([name, old, v]), 'value');
      await fake.sync(s.modelId, protocol, { value: 0.25 });
      await fake.sync(s.modelId, protocol, { value: 7 }); // clamped to max
      assert.deepEqual(seen, [['value', 0.5, 0.25], ['value', 0.25, 1]]);
      assert.deepEqual(fake.dataOf(s.modelId), [], 'front-end changes are not echoed');
      s.value = 0.75;
      s.holdSync(() => s.set({ description: 'x', disabled: true }));
      const updates = fake.dataOf(s.modelId);
      assert.equal(updates.length, 2);
      assert.deepEqual(updates[0].state, { value: 0.75 });
      assert.deepEqual(updates[1].state, { description: 'x', disabled: true });
      assert.equal(updates[0].method, 'update');
    });

    it(`protocol ${protocol}: request_state answers with the full state`, async () => {
      fake = new FakeHost({ protocol });
      const h = new HTML({ value: '<b>x</b>' });
      await fake.frontend('comm_msg', { comm_id: h.modelId, data: { method: 'request_state' } });
      const [update] = fake.dataOf(h.modelId);
      assert.equal(update.method, 'update');
      assert.equal(update.state._model_name, 'HTMLModel');
      assert.equal(update.state.value, '<b>x</b>');
    });

    it(`protocol ${protocol}: a dropdown selects by label on the wire and gives the option value to observers`, async () => {
      fake = new FakeHost({ protocol });
      const d = new Dropdown<number>({ options: [['zero', 0], ['one', 1], ['two', 2]], value: 1 });
      const st = protocol === 1 ? fake.openOf(d.modelId).content.data : fake.openOf(d.modelId).content.data.state;
      assert.deepEqual(st._options_labels, ['zero', 'one', 'two']);
      if (protocol === 1) assert.equal(st.value, 'one');
      else assert.equal(st.index, 1);
      const values: unknown[] = [];
      d.observe(({ new: v }) => values.push(v), 'value');
      await fake.sync(d.modelId, protocol, protocol === 1 ? { value: 'two' } : { index: 2 });
      assert.deepEqual(values, [2]);
      assert.equal(d.index, 2);
      d.value = 0;
      const [u] = fake.dataOf(d.modelId);
      assert.deepEqual(u.state, protocol === 1 ? { value: 'zero' } : { index: 0 });
      assert.throws(() => (d.value = 5), /not one of the options/);
      assert.throws(() => new Dropdown({ options: ['a', 'a'] }), /two options have the label 'a'/);
    });

    it(`protocol ${protocol}: an observer's error shows in the error output, and the widget keeps working`, async () => {
      fake = new FakeHost({ protocol });
      const out = new Output();
      const s = new IntSlider({ value: 1, max: 10 });
      s.errorOutput = out;
      const ok: number[] = [];
      s.observe(({ new: v }) => {
        if (v === 5) throw new RangeError('five is not allowed');
        ok.push(v as number);
      }, 'value');
      await fake.sync(s.modelId, protocol, { value: 5 });
      await fake.sync(s.modelId, protocol, { value: 6 });
      assert.deepEqual(ok, [6]);
      assert.equal(out.outputs.length, 1);
      const err = out.outputs[0];
      assert.equal(err.output_type, 'error');
      assert.match((err as { evalue: string }).evalue, /five is not allowed/);
      if (protocol === 1) {
        const msgId = fake.dataOf(out.modelId)[0].state.msg_id;
        const captured = fake.sent.filter((m) => m.parent?.msg_id === msgId);
        assert.deepEqual(captured.map((m) => m.msgType), ['error'], 'published with the Output\'s msg_id as parent, so its view captures it');
      } else {
        const last = fake.dataOf(out.modelId).pop()!;
        assert.equal(last.state.outputs[0].output_type, 'error');
      }
    });
  }

  it('without an error output, an observer error becomes an error output of the cell that displayed the widget', async () => {
    fake = new FakeHost({ protocol: 1 });
    const cell = newHeader('execute_request', 's');
    const s = new IntSlider();
    fake.comms.runWithParent(cell, () => s.display());
    s.observe(() => {
      throw new Error('oops');
    });
    await fake.sync(s.modelId, 1, { value: 3 });
    const errors = fake.since(0, 'error');
    assert.equal(errors.length, 1);
    assert.equal(errors[0].parent?.msg_id, cell.msg_id);
    assert.match(errors[0].content.evalue, /oops/);
  });

  it('protocol 1 log slider: a float slider over the exponent plus a readout label; value and observers in linear units', async () => {
    fake = new FakeHost({ protocol: 1 });
    const s = new FloatLogSlider({ value: 0.01, min: -6, max: 2, step: 0.01, description: 'C' });
    const st = fake.openOf(s.modelId).content.data;
    assert.equal(st._model_name, 'HBoxModel');
    const [expId, labelId] = (st.children as string[]).map((c) => c.slice(10));
    const exp = fake.openOf(expId).content.data;
    assert.equal(exp._model_name, 'FloatSliderModel');
    assert.deepEqual([exp.min, exp.max, exp.value, exp.readout, exp.description], [-6, 2, -2, false, 'C']);
    assert.equal(fake.openOf(labelId).content.data.value, '0.01');
    const seen: number[] = [];
    s.observe(({ new: v }) => seen.push(v as number), 'value');
    await fake.sync(expId, 1, { value: -4.5 });
    assert.equal(seen.length, 1);
    assert.ok(Math.abs(seen[0] - 10 ** -4.5) < 1e-18);
    assert.equal(s.value, seen[0]);
    assert.equal(fake.dataOf(labelId).pop()!.state.value, '3.16e-5');
    s.value = 1e-3;
    assert.equal(seen.length, 2, 'one notification for a kernel-side set');
    assert.equal(fake.dataOf(expId).pop()!.state.value, -3);
    s.value = 1e9;
    assert.equal(s.value, 100, 'clamped to base ** max');
  });

  it('boxes hold widgets; Output.capture collects console output, displays and errors', () => {
    fake = new FakeHost();
    const out = new Output();
    const box = new VBox([new HBox([new IntSlider(), new Label({ value: 'x' })]), out]);
    assert.equal(fake.openOf(box.modelId).content.data.state.children.length, 2);
    assert.throws(() => new HBox([{} as Widget]), /child 0 is not a widget/);
    const prev = setDisplayWriter(null);
    try {
      const r = out.capture(() => {
        console.log('hello');
        process.stderr.write('warn\n');
        return 42;
      });
      assert.equal(r, 42);
      out.capture(() => {
        throw new Error('bad');
      });
    } finally {
      setDisplayWriter(prev);
    }
    assert.deepEqual(out.outputs.map((o) => o.output_type), ['stream', 'stream', 'error']);
    assert.equal((out.outputs[0] as { text: string }).text, 'hello\n');
    out.clear();
    assert.equal(out.outputs.length, 0);
    assert.deepEqual(fake.dataOf(out.modelId).pop()!.state, { outputs: [] });
  });

  it('closing a widget closes its comm and its layout/style models', () => {
    fake = new FakeHost();
    const s = new IntSlider();
    const n = fake.comms.list().length;
    s.close();
    assert.ok(s.closed);
    assert.equal(fake.comms.list().length, n - 3);
    s.value = 4; // no message once closed
    assert.deepEqual(fake.dataOf(s.modelId), []);
  });

  it('CommManager works without a transport (nothing is sent)', () => {
    const m = new CommManager();
    const c = m.openComm('t');
    c.send({ a: 1 });
    c.close();
    assert.ok(c.closed);
  });
});
