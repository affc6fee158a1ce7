/**
 * Escaping user-provided text (class names, ids, captions, column values, titles) for the places it
 * is written into markup: HTML and SVG/XML text and attributes, Plotly's HTML-like labels, and JSON
 * inside `<script>`. One implementation, so a fix reaches every figure, table and image strip.
 */

/**
 * Escapes text for an HTML or SVG/XML text node or a quoted attribute value.
 *
 * @example
 * ```ts
 * escapeXml('a < b & "c"'); // 'a &lt; b &amp; &quot;c&quot;'
 * ```
 */
export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/**
 * Escapes text shown in Plotly's HTML-like labels, legend entries and hover text (Plotly interprets
 * `<b>`, `<br>`, ... in them).
 *
 * @example
 * ```ts
 * escapePlotlyText('<T-shirt> & co'); // '&lt;T-shirt&gt; &amp; co'
 * ```
 */
export function escapePlotlyText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
