import { strict as assert } from 'node:assert';
import { formatNumber } from '../../src/util/format';
import * as aq from 'arquero';
import { formatCell, isTable, tableBundle, tableHtml, tableText } from '../../src/viz/table-html';

describe('viz/table-html', () => {
  it('formats numbers for reading', () => {
    assert.equal(formatNumber(0.123456), '0.1235');
    assert.equal(formatNumber(-3), '-3');
    assert.equal(formatNumber(12345), '12345');
    assert.equal(formatNumber(1.5), '1.5');
    assert.equal(formatNumber(2.0000001), '2');
    assert.equal(formatNumber(0.0000123), '1.23e-5');
    assert.equal(formatNumber(1234567.8), '1.23e6');
    assert.equal(formatNumber(NaN), 'NaN');
    assert.equal(formatNumber(-Infinity), '-∞');
    assert.equal(formatCell(new Float32Array([0.5, 0.25, 1])), '[0.5, 0.25, 1]');
    assert.equal(formatCell(Array.from({ length: 6 }, (_, i) => i)), '[0, 1, 2, 3, … 6 values]');
    assert.equal(formatCell(null), '');
    assert.equal(formatCell(true), 'true');
  });

  it('renders the first rows, right-aligns numbers, escapes text and adds the size footer', () => {
    const t = aq.table({ id: [1, 2, 3, 4], score: [-0.51234, 1.5, 2, 3], name: ['<b>x</b>', 'b', 'c', 'd'] });
    assert.ok(isTable(t));
    const html = tableHtml(t, { limit: 2 });
    assert.match(html, /4 rows x 3 columns \(first 2 shown\)/);
    assert.equal((html.match(/<tr>/g) ?? []).length, 3); // header + 2 rows
    assert.match(html, /<td style="text-align:right">-0\.5123<\/td>/);
    assert.match(html, /<td style="text-align:left">&lt;b&gt;x&lt;\/b&gt;<\/td>/);
    assert.doesNotMatch(html, /<b>x<\/b>/);
    assert.match(tableHtml(t), /4 rows x 3 columns<\/div>/);
  });

  it('follows filters and orderings of the table view', () => {
    const t = aq.table({ id: ['a', 'b', 'c'], v: [3, 1, 2] }).orderby('v').filter((d: { v: number }) => d.v > 1);
    const text = tableText(t);
    assert.deepEqual(text.split('\n'), ['id  v', '--  -', 'c   2', 'a   3', '2 rows x 2 columns']);
  });

  it('names a missing column and rejects non-tables', () => {
    const t = aq.table({ a: [1] });
    assert.throws(() => tableHtml(t, { columns: ['b'] }), /no column 'b' \(columns: a\)/);
    assert.throws(() => tableHtml({} as never), /expected an Arquero table/);
    const b = tableBundle(t);
    assert.deepEqual(Object.keys(b).sort(), ['text/html', 'text/plain']);
    assert.match(tableHtml(aq.table({ a: [1] })), /1 row x 1 column</);
  });
});
