import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderDocument } from '../../../src/render/document.js';
import { escapeJsonText, sanitize, sanitizeLines, unsafeNameProblem } from '../../../src/text/sanitize.js';
import { lineToString } from '../../../src/render/style.js';
import { HOSTILE, RAW_CONTROL, withoutOwnColour } from '../../support/hostile.js';

const RAW = RAW_CONTROL;

describe('sanitize', () => {
  it('escapes every control and bidi character visibly, and leaves other text alone', () => {
    for (const text of HOSTILE) {
      const shown = sanitize(text);
      expect(shown).not.toMatch(RAW);
      expect(shown).not.toContain('\n');
    }
    expect(sanitize('\u001b[2J')).toBe('\\x1b[2J');
    expect(sanitize('a\rb\tc\nd')).toBe('a\\rb\\tc\\nd');
    expect(sanitize('x\u202ey')).toBe('x\\u202ey');
    expect(sanitize('c1\u009b')).toBe('c1\\x9b');
    expect(sanitize('grüße ✔ 日本 ├──')).toBe('grüße ✔ 日本 ├──');
  });

  it('keeps line breaks in messages but nothing else', () => {
    expect(sanitizeLines('one\ntwo\u001b[2J\r')).toBe('one\ntwo\\x1b[2J\\r');
  });

  it('refuses such names as file names, saying which character', () => {
    expect(unsafeNameProblem('report.xml')).toBeUndefined();
    expect(unsafeNameProblem('a\u202eb')).toBe('contains the control or bidirectional character \\u202e');
    expect(unsafeNameProblem('a\u001b[2J')).toContain('\\x1b');
  });

  it('sanitises styled lines before colouring, so only our own SGR codes remain', () => {
    const text = lineToString(
      [
        { text: 'evil\u001b]0;t\u0007', style: 'bad' },
        { text: ' \u202e', style: 'plain' },
      ],
      true,
    );
    expect(withoutOwnColour(text)).not.toMatch(RAW);
    expect(text).toContain('\u001b[31m');
  });

  it('keeps the data whole in JSON and YAML, with every unsafe character escaped', async () => {
    const data = Object.fromEntries(
      HOSTILE.map((text, i) => [`k${i}${text}`, [text, `${text}\nsecond line`]]),
    );
    const json = await renderDocument(data, 'json');
    expect(json).not.toMatch(RAW);
    expect(JSON.parse(json)).toEqual(data);
    const yaml = await renderDocument(data, 'yaml');
    expect(yaml).not.toMatch(RAW);
    expect(parse(yaml)).toEqual(data);
    expect(escapeJsonText('"a\u202e"')).toBe('"a\\u202e"');
  });
});
