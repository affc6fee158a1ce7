/**
 * The one set of hostile user strings (issue 13, item 9) that every writer of user text into HTML,
 * SVG, Plotly specs or progress lines is tested against: class names, ids, captions, column names and
 * values, titles and labels all come from users' data and may hold any of these.
 */

/** Name -> hostile string. Every writer gets all of them. */
export const HOSTILE: Readonly<Record<string, string>> = Object.freeze({
  /** Terminal colour codes, as left in class names by tools that print in colour (the crash). */
  ansi: '\u001b[31mcat\u001b[0m',
  nul: 'dog\u0000tail',
  /** Every other C0 control XML 1.0 forbids, DEL and C1 controls (one is the 8-bit CSI). */
  controls: 'c\u0001\u0002\u0007\u0008\u000b\u000c\u000e\u001f\u007f\u0085\u009bx',
  ampersand: 'Tom & Jerry &amp; &lt; &#37; &#x3c;',
  markup: '<script>alert("x")</script><b>bold</b><br><img src=x onerror=alert(1)>',
  quotes: `"double" 'single' \`back\` ]]> <!-- -->`,
  /** A right-to-left override (text after it would be reversed), marks, an isolate, Hebrew. */
  bidi: '\u202Eevil\u202C \u200F\u05E9\u05DC\u05D5\u05DD\u200E \u2067iso',
  /** Plotly and template syntax: must be shown, not substituted. */
  template: '100%{x} %{customdata[0]} ${x} {{x}}',
  emoji: 'cat 🐱‍👤 👩🏽‍🔬 🏳️‍🌈 e\u0301 \uFE0F',
  loneSurrogates: 'a\uD800b\uDC00c\uDBFF',
  nonCharacters: '\uFEFFbom \uFFFE\uFFFF end',
  newlines: 'line1\nline2\r\nline3\tcol\rline4',
  long: 'L'.repeat(100_000) + ' end',
});

/** The hostile strings as a list. */
export const HOSTILE_LIST: readonly string[] = Object.values(HOSTILE);

/** Characters that XML 1.0 forbids (even as character references), and lone surrogates. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const XML_INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Tags our own markup uses (Plotly labels, tables, progress lines); anything else came from a user. */
const OUR_TAGS = new Set(['br', 'b', 'sup', 'extra', 'div', 'progress', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'style', 'img', 'script', 'svg', 'text']);

/**
 * Checks markup (HTML, SVG or a Plotly string) for what hostile user text must never leave in it:
 * characters invalid in XML, ESC and other controls, a user tag (`<script>` from a class name), or
 * a user's Plotly template (`%{x}` inside a hover template). `ourTemplates` lists the template
 * variables the writer itself puts in.
 */
export function assertSafeMarkup(markup: string, where: string, opts: { ourTags?: Set<string>; ourTemplates?: RegExp } = {}): void {
  const bad = XML_INVALID.exec(markup);
  if (bad) throw new Error(`${where}: character U+${bad[0].charCodeAt(0).toString(16).padStart(4, '0')} at ${bad.index} is invalid in XML: ${JSON.stringify(markup.slice(Math.max(0, bad.index - 30), bad.index + 30))}`);
  if (hasControl(markup.replace(/[\t\n\r]/g, ''))) throw new Error(`${where}: a control character survived`);
  const tags = opts.ourTags ?? OUR_TAGS;
  for (const m of markup.matchAll(/<\/?([a-zA-Z][\w-]*)/g)) {
    if (!tags.has(m[1].toLowerCase())) throw new Error(`${where}: a tag <${m[1]}> that is not ours: ${JSON.stringify(markup.slice(Math.max(0, m.index! - 30), m.index! + 40))}`);
  }
  if (/<script>alert|<img src=x/.test(markup)) throw new Error(`${where}: the user's markup survived unescaped`);
  if (opts.ourTemplates) {
    for (const m of markup.matchAll(/%\{[^}]*\}/g)) {
      if (!opts.ourTemplates.test(m[0])) throw new Error(`${where}: template ${m[0]} is not one the writer puts in (a user's text became a template)`);
    }
  }
}

/** Every string inside a JSON-like value (a Plotly spec), with its path. */
export function stringsOf(value: unknown, path = '$', out: Array<{ path: string; text: string }> = []): Array<{ path: string; text: string }> {
  if (typeof value === 'string') out.push({ path, text: value });
  else if (Array.isArray(value)) value.forEach((v, i) => stringsOf(v, `${path}[${i}]`, out));
  else if (value && typeof value === 'object' && !ArrayBuffer.isView(value)) for (const [k, v] of Object.entries(value)) stringsOf(v, `${path}.${k}`, out);
  return out;
}

/** Whether `s` holds a control character (C0 including tab / LF / CR, DEL or C1): what must not reach a terminal or text/plain. */
export function hasControl(s: string): boolean {
  // eslint-disable-next-line no-control-regex -- finding control characters is the point
  return /[\u0000-\u001F\u007F-\u009F]/.test(s);
}

/** Whether `s` has no lone surrogates (String.prototype.isWellFormed, ES2024). */
export function isWellFormed(s: string): boolean {
  return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}
