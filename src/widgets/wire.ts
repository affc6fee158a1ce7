/**
 * The Jupyter wire protocol (messaging spec 5.3, "The Wire Protocol"): a message is the ZeroMQ routing
 * identities, the `<IDS|MSG>` delimiter, an HMAC signature, the JSON header, parent header, metadata
 * and content, then any raw binary buffers. The signature covers the four JSON frames only (not the
 * identities, not the buffers).
 *
 * Written here rather than taken from tslab: tslab's own parser is internal, signs its extra frames
 * as JSON and also hashes the binary buffers when verifying, so a comm message carrying buffers (the
 * widget protocol's binary state) would be rejected. Used by the comm-enabled kernel and by the test
 * client that speaks to it.
 */
import * as crypto from 'node:crypto';

/** The `<IDS|MSG>` frame separating routing identities from the message. */
export const DELIMITER = Buffer.from('<IDS|MSG>');

/** Protocol version this kernel speaks (tslab's `kernel_info_reply` says 5.3). */
export const PROTOCOL_VERSION = '5.3';

/** A message header (also the shape of `parent_header`). */
export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
}

/** One decoded message. */
export interface JupyterMessage<C = Record<string, unknown>> {
  /** ZeroMQ routing identities (shell/control replies go back to them). */
  identities: Buffer[];
  header: MessageHeader;
  /** `{}` when the message has no parent. */
  parent_header: MessageHeader | Record<string, never>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
}

/** Connection-file fields that signing needs. */
export interface SigningKey {
  key: string;
  /** `hmac-sha256` (the default) or another `hmac-<algorithm>` Node's crypto knows. */
  signature_scheme?: string;
}

function hmacOf(key: SigningKey, frames: Array<Buffer | string>): string {
  if (!key.key) return '';
  const scheme = key.signature_scheme ?? 'hmac-sha256';
  if (!scheme.startsWith('hmac-')) throw new Error(`Jupyter wire protocol: unsupported signature_scheme '${scheme}' (expected hmac-<algorithm>)`);
  const h = crypto.createHmac(scheme.slice('hmac-'.length), key.key);
  for (const f of frames) h.update(f);
  return h.digest('hex');
}

/**
 * Decodes and verifies one multipart message. Throws naming what is wrong (no delimiter, too few
 * frames, bad JSON, bad signature).
 *
 * @example
 * ```ts
 * const key = { key: 'secret', signature_scheme: 'hmac-sha256' };
 * const frames = encodeMessage({ header: newHeader('comm_msg', 'session'), parent_header: {}, metadata: {}, content: { comm_id: 'c', data: {} } }, key);
 * decodeMessage(frames, key).content; // { comm_id: 'c', data: {} }
 * ```
 */
export function decodeMessage(frames: Buffer[], key: SigningKey): JupyterMessage {
  const at = frames.findIndex((f) => f.equals(DELIMITER));
  if (at < 0) throw new Error('Jupyter wire protocol: message has no <IDS|MSG> delimiter');
  if (frames.length < at + 6) throw new Error(`Jupyter wire protocol: message has ${frames.length - at - 1} frames after the delimiter; expected at least 5`);
  const signature = frames[at + 1].toString('ascii');
  const json = frames.slice(at + 2, at + 6);
  const expected = hmacOf(key, json);
  if (expected !== '' || signature !== '') {
    const a = Buffer.from(signature);
    const b = Buffer.from(expected);
    if (a.length !== b.length || !crypto.timingSafeEqual(a, b)) throw new Error('Jupyter wire protocol: invalid message signature');
  }
  const parse = (f: Buffer, what: string) => {
    try {
      return JSON.parse(f.toString('utf8'));
    } catch (e) {
      throw new Error(`Jupyter wire protocol: ${what} is not JSON (${(e as Error).message})`, { cause: e });
    }
  };
  return {
    identities: frames.slice(0, at),
    header: parse(json[0], 'header'),
    parent_header: parse(json[1], 'parent_header'),
    metadata: parse(json[2], 'metadata'),
    content: parse(json[3], 'content'),
    buffers: frames.slice(at + 6),
  };
}

/**
 * A new header for a message this side sends.
 *
 * @example
 * ```ts
 * const parent = newHeader('execute_request', 'a-session-id');
 * const h = newHeader('comm_msg', parent.session);
 * ```
 */
export function newHeader(msgType: string, session: string, username = 'kernel'): MessageHeader {
  return {
    msg_id: crypto.randomUUID(),
    msg_type: msgType,
    session,
    username,
    date: new Date().toISOString(),
    version: PROTOCOL_VERSION,
  };
}

/**
 * Encodes and signs one message into frames: identities, delimiter, signature, the four JSON parts,
 * then the raw buffers.
 *
 * @example
 * ```ts
 * const header = newHeader('status', 'a-session-id');
 * const frames = encodeMessage({ header, parent_header: {}, metadata: {}, content: { execution_state: 'idle' } }, { key: 'secret' });
 * frames.length; // 6: delimiter, signature, 4 JSON frames
 * ```
 */
export function encodeMessage(msg: Omit<JupyterMessage<unknown>, 'buffers' | 'identities'> & { identities?: Buffer[]; buffers?: ArrayLike<number>[] }, key: SigningKey): Buffer[] {
  const json = [msg.header, msg.parent_header, msg.metadata, msg.content].map((p) => Buffer.from(JSON.stringify(p ?? {}), 'utf8'));
  const buffers = (msg.buffers ?? []).map((b) => (Buffer.isBuffer(b) ? b : ArrayBuffer.isView(b) ? Buffer.from(b.buffer, b.byteOffset, b.byteLength) : Buffer.from(Array.from(b))));
  return [...(msg.identities ?? []), DELIMITER, Buffer.from(hmacOf(key, json), 'ascii'), ...json, ...buffers];
}
