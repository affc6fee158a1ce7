/**
 * An in-process kernel host for widget unit tests: a real CommManager whose IOPub messages are recorded,
 * and helpers to play the front end (deliver comm messages as a shell message would arrive).
 */
import * as crypto from 'node:crypto';
import { CommManager } from '../../src/widgets/comm';
import { installKernelHost, KernelHost, WidgetFrontend } from '../../src/widgets/kernel-host';
import { JupyterMessage, MessageHeader, newHeader } from '../../src/widgets/wire';

export interface Published {
  msgType: string;
  content: Record<string, any>;
  parent: MessageHeader | null;
  metadata?: Record<string, unknown>;
}

export class FakeHost {
  readonly sent: Published[] = [];
  readonly comms: CommManager;
  readonly host: KernelHost;

  constructor(frontend: WidgetFrontend | null = null) {
    this.comms = new CommManager({ publish: (msgType, content, { parent, metadata }) => this.sent.push({ msgType, content: content as Record<string, any>, parent, metadata }) });
    const comms = this.comms;
    this.host = { apiVersion: 1, name: 'fake', comms, publish: (t, c, o = {}) => comms.publishFor(t, c, o), widgetFrontend: frontend };
    installKernelHost(this.host);
  }

  uninstall(): void {
    installKernelHost(undefined);
  }

  /** Messages published since `from`, optionally of one type. */
  since(from: number, msgType?: string): Published[] {
    return this.sent.slice(from).filter((m) => !msgType || m.msgType === msgType);
  }

  /** comm_msg data sent on one comm. */
  dataOf(commId: string, from = 0): Array<Record<string, any>> {
    return this.since(from, 'comm_msg').filter((m) => m.content.comm_id === commId).map((m) => m.content.data);
  }

  /** The comm_open of a comm. */
  openOf(commId: string): Published {
    const m = this.sent.find((x) => x.msgType === 'comm_open' && x.content.comm_id === commId);
    if (!m) throw new Error(`no comm_open for ${commId}`);
    return m;
  }

  /** Delivers a front-end message (comm_open / comm_msg / comm_close / comm_info_request). */
  async frontend(msgType: string, content: Record<string, unknown>, buffers: Buffer[] = []): Promise<{ header: MessageHeader; reply: Record<string, unknown> | null }> {
    const header = newHeader(msgType, crypto.randomUUID(), 'frontend');
    const msg: JupyterMessage = { identities: [], header, parent_header: {}, metadata: {}, content, buffers };
    const reply = await this.comms.handleMessage(msg);
    return { header, reply };
  }

  /** A `backbone` (protocol 1) or `update` (protocol 2) sync from the front end. */
  sync(commId: string, protocol: 1 | 2, state: Record<string, unknown>) {
    return this.frontend('comm_msg', { comm_id: commId, data: protocol === 1 ? { method: 'backbone', sync_data: state } : { method: 'update', state, buffer_paths: [] } });
  }
}
