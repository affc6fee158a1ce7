import { strict as assert } from 'node:assert';
import sharp from 'sharp';
import { escapePlotlyText, escapeXml, oneLine, plotlyTextToPlain, safeText, truncateText } from '../../src/util/escape';
import { ensureFontConfig, fitTextWidth, textWidth } from '../../src/viz/fonts';
import { assertSafeMarkup, hasControl, HOSTILE, HOSTILE_LIST, isWellFormed } from './hostile-strings';

/** Renders an SVG text element with sharp (librsvg): what imageStrip does. */
async function renderSvgText(text: string): Promise<Buffer> {
  ensureFontConfig();
  return sharp(Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="200" height="30"><text x="2" y="20" font-size="12">${text}</text></svg>`)).png().toBuffer();
}

describe('util/escape: the one place user text is made safe', () => {
  it('the failure it fixes: raw ESC in SVG text is an XML error in sharp; escaped it renders', async () => {
    await assert.rejects(renderSvgText(HOSTILE.ansi), /XML|parse|invalid|Input buffer/i);
    for (const h of HOSTILE_LIST) assert.ok((await renderSvgText(escapeXml(h))).length > 0, JSON.stringify(h.slice(0, 40)));
  });

  it('safeText: controls become visible Control Pictures, invalid code points U+FFFD; tab, LF, CR and valid text stay', () => {
    assert.equal(safeText(HOSTILE.ansi), '␛[31mcat␛[0m');
    assert.equal(safeText(HOSTILE.nul), 'dog␀tail');
    assert.equal(safeText(HOSTILE.controls), 'c␁␂␇␈␋␌␎␟␡\uFFFD\uFFFDx');
    assert.equal(safeText(HOSTILE.loneSurrogates), 'a\uFFFDb\uFFFDc\uFFFD');
    assert.equal(safeText(HOSTILE.nonCharacters), '\uFEFFbom \uFFFD\uFFFD end');
    for (const keep of [HOSTILE.emoji, HOSTILE.bidi, HOSTILE.newlines, HOSTILE.markup, 'plain café']) assert.equal(safeText(keep), keep);
    for (const h of HOSTILE_LIST) assert.ok(isWellFormed(safeText(h)), 'no lone surrogates');
  });

  it('escapeXml and escapePlotlyText give valid markup for every hostile string; Plotly gets its text back', () => {
    for (const h of HOSTILE_LIST) {
      assertSafeMarkup(escapeXml(h), 'escapeXml', { ourTags: new Set() });
      assertSafeMarkup(escapePlotlyText(h), 'escapePlotlyText', { ourTags: new Set(), ourTemplates: /^$/ });
      // What a viewer reads is the text itself, controls made visible.
      assert.equal(plotlyTextToPlain(escapePlotlyText(h)), safeText(h));
    }
    assert.equal(escapeXml('a < b & "c" \'d\''), 'a &lt; b &amp; &quot;c&quot; &#39;d&#39;');
    assert.equal(escapePlotlyText('100%{x} 5% {y}'), '100&#37;{x} 5% {y}', 'only % before { changes');
  });

  it('truncateText cuts at grapheme boundaries; oneLine makes one safe line and isolates bidi overrides', () => {
    assert.equal(truncateText('abcdef', 4), 'abc…');
    assert.equal(truncateText('abcd', 4), 'abcd');
    assert.equal(truncateText('👩🏽‍🔬👩🏽‍🔬👩🏽‍🔬', 2), '👩🏽‍🔬…');
    assert.equal(truncateText('e\u0301e\u0301e\u0301', 2), 'e\u0301…');
    assert.ok(isWellFormed(truncateText('😀'.repeat(50), 7)));
    const long = truncateText(HOSTILE.long, 80);
    assert.equal([...long].length, 80);
    assert.equal(oneLine(HOSTILE.newlines), 'line1 line2 line3 col line4');
    assert.equal(oneLine('\u202Eevil'), '\u2068\u202Eevil\u2069');
    assert.equal(oneLine('plain'), 'plain');
    for (const h of HOSTILE_LIST) {
      const l = oneLine(h, 100);
      assert.ok(!hasControl(l) && isWellFormed(l) && [...l].length <= 102, JSON.stringify(l.slice(0, 40)));
    }
  });

  it('fitTextWidth: fits the width and cuts at graphemes, reading only what can fit of 100,000 characters', () => {
    // (The old loop removed one character at a time and re-measured: quadratic in the length.)
    const cut = fitTextWidth(HOSTILE.long, 12, 100);
    assert.ok(textWidth(cut, 12) <= 100 && cut.endsWith('…'));
    assert.ok(textWidth(cut.slice(0, -1) + 'L…', 12) > 100, 'as long as fits');
    assert.equal(fitTextWidth('short', 12, 100), 'short');
    assert.ok(isWellFormed(fitTextWidth('👩🏽‍🔬'.repeat(40), 12, 60)));
  });
});
