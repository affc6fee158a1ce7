/**
 * Making user-provided text (class names, ids, captions, column values, titles, labels) safe for the
 * places it is written: HTML and SVG/XML text and attributes, Plotly's HTML-like labels, terminal and
 * notebook progress lines, and JSON inside `<script>`. One implementation, so a fix reaches every
 * figure, table, image strip and progress line.
 *
 * What is hostile in user text, and what happens to it here:
 * - characters XML 1.0 forbids even as references (C0 controls other than tab, LF and CR, e.g. ESC
 *   from terminal colour codes or NUL): shown as their visible Control Pictures (`␛`, `␀`), so the
 *   label stays readable and librsvg (sharp) can parse the SVG; DEL as `␡`; C1 controls, lone
 *   surrogates and the non-characters U+FFFE / U+FFFF as U+FFFD;
 * - markup (`&`, `<`, `>`, quotes): escaped as entities;
 * - Plotly's template syntax (`%{...}` in hover templates): `%` before `{` written as `&#37;`;
 * - bidirectional controls (right-to-left overrides): kept (they are legitimate in Arabic and Hebrew
 *   names) but, where user text sits inside a line of other text (progress lines, table cells),
 *   isolated (FSI ... PDI, {@link oneLine}) so they cannot reorder the text around them;
 * - very long strings: cut by each writer to what it can show ({@link truncateText}, `fitTextWidth`).
 */

/** C0 controls other than tab, LF and CR; DEL; C1 controls; lone surrogates; U+FFFE and U+FFFF. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function replaceUnsafe(ch: string): string {
  const c = ch.charCodeAt(0);
  if (c < 0x20) return String.fromCharCode(0x2400 + c); // ␀ ... ␟
  if (c === 0x7f) return '\u2421'; // ␡
  return '\uFFFD';
}

/**
 * Text with every character that XML 1.0 (hence SVG, and sharp's SVG renderer) forbids, and every
 * other control character, replaced by something visible: C0 controls by their Control Pictures
 * (ESC -> `␛`, NUL -> `␀`), DEL by `␡`, C1 controls, lone surrogates and U+FFFE / U+FFFF by U+FFFD.
 * Tab, LF and CR are kept. Does not escape markup (see {@link escapeXml}).
 *
 * @example
 * ```ts
 * safeText('\u001b[31mcat\u001b[0m'); // '␛[31mcat␛[0m'
 * ```
 */
export function safeText(s: string): string {
  const t = typeof s === 'string' ? s : String(s);
  return t.replace(UNSAFE, replaceUnsafe);
}

/**
 * Escapes text for an HTML or SVG/XML text node or a quoted attribute value, after {@link safeText}
 * (so the result is always valid XML 1.0 character data).
 *
 * @example
 * ```ts
 * escapeXml('a < b & "c"'); // 'a &lt; b &amp; &quot;c&quot;'
 * escapeXml('\u001b[1mbold');  // '␛[1mbold'
 * ```
 */
export function escapeXml(s: string): string {
  return safeText(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * Escapes text shown in Plotly's HTML-like labels, legend entries, table cells and hover text
 * (Plotly interprets `<b>`, `<br>`, entities, and `%{...}` in templates), after {@link safeText}.
 * Plotly turns the entities back into the characters when it draws.
 *
 * @example
 * ```ts
 * escapePlotlyText('<T-shirt> & co'); // '&lt;T-shirt&gt; &amp; co'
 * escapePlotlyText('100%{x}');        // '100&#37;{x}' (shown as written, not as a template)
 * ```
 */
export function escapePlotlyText(s: string): string {
  return safeText(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/%(?=\{)/g, '&#37;');
}

/**
 * The plain text of a Plotly label (what a viewer reads): tags dropped (`<br>` as a space), the
 * entities {@link escapePlotlyText} writes turned back into characters. For `text/plain` outputs.
 *
 * @example
 * ```ts
 * plotlyTextToPlain('&lt;T-shirt&gt;<br><b>100&#37;</b>'); // '<T-shirt> 100%'
 * ```
 */
export function plotlyTextToPlain(s: string): string {
  return s
    .replace(/<br\s*\/?>/gi, ' ')
    .replace(/<[^>]*>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&#(\d+);/g, (m, d) => (Number(d) <= 0x10ffff ? String.fromCodePoint(Number(d)) : m))
    .replace(/&amp;/g, '&');
}

let segmenter: Intl.Segmenter | undefined;

/**
 * The first `max` user-perceived characters (grapheme clusters: an emoji with its modifiers, a letter
 * with its combining accents) of `s`, with `…` appended when something was cut; never splits a
 * surrogate pair. Reads only as much of `s` as it keeps.
 *
 * @example
 * ```ts
 * truncateText('👩🏽‍🔬👩🏽‍🔬👩🏽‍🔬', 2); // '👩🏽‍🔬…'
 * ```
 */
export function truncateText(s: string, max: number): string {
  if (s.length <= max) return s;
  segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  let out = '';
  let n = 0;
  for (const { segment } of segmenter.segment(s)) {
    if (n === max - 1) {
      // Keep this one too if it is the last.
      return out.length + segment.length === s.length ? out + segment : out + '…';
    }
    out += segment;
    n++;
  }
  return out;
}

/** Bidirectional embeddings, overrides and isolates (LRE, RLE, PDF, LRO, RLO, LRI, RLI, FSI, PDI). */
const BIDI_CONTROLS = /[\u202A-\u202E\u2066-\u2069]/;

/**
 * User text for a single line among other text (a progress line, a table cell): {@link safeText},
 * tab, LF and CR as spaces, cut to `max` characters with {@link truncateText}, and, when it holds
 * bidirectional controls (a right-to-left override), wrapped in FSI ... PDI so that they end with
 * it instead of reversing the rest of the line (Unicode UAX #9).
 *
 * @example
 * ```ts
 * oneLine('a\nb\u001b[0m', 80); // 'a b␛[0m'
 * oneLine('\u202Eevil', 80);      // '\u2068\u202Eevil\u2069'
 * ```
 */
export function oneLine(s: string, max = 200): string {
  const t = truncateText(safeText(s).replace(/\r\n|[\t\n\r]/g, ' '), max);
  return BIDI_CONTROLS.test(t) ? `\u2068${t}\u2069` : t;
}
