import { RouserError } from './errors.js';

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/**
 * Offset (in UTF-16 code units) of the first character at which `text` stops being valid JSON (RFC 8259), or
 * `text.length` when the text ends early. A single left-to-right scan with an explicit stack: O(n), no recursion.
 */
export function jsonErrorOffset(text: string): number {
  const n = text.length;
  let i = 0;
  const ws = (): void => {
    while (i < n && WS.has(text.charCodeAt(i))) i++;
  };
  const digits = (): boolean => {
    const s = i;
    while (i < n && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    return i > s;
  };
  // Scans one string starting at the quote; returns false at an error (i is left at the bad character).
  const string = (): boolean => {
    i++;
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return true;
      }
      if (c < 0x20) return false;
      if (c === 0x5c) {
        i++;
        if (i >= n) return false;
        const e = text[i] as string;
        if (e === 'u') {
          for (let k = 1; k <= 4; k++)
            if (i + k >= n || !/[0-9a-fA-F]/.test(text[i + k] as string)) {
              i += k;
              return false;
            }
          i += 5;
        } else if ('"\\/bfnrt'.includes(e)) i++;
        else return false;
      } else i++;
    }
    return false;
  };
  const number = (): boolean => {
    if (text[i] === '-') i++;
    if (text[i] === '0') i++;
    else if (!digits()) return false;
    if (text[i] === '.') {
      i++;
      if (!digits()) return false;
    }
    if (text[i] === 'e' || text[i] === 'E') {
      i++;
      if (text[i] === '+' || text[i] === '-') i++;
      if (!digits()) return false;
    }
    return true;
  };
  const literal = (): boolean => {
    for (const w of ['true', 'false', 'null']) {
      if (text[i] !== w[0]) continue;
      for (let k = 0; k < w.length; k++, i++) if (text[i] !== w[k]) return false;
      return true;
    }
    return false;
  };
  /** An object key and its colon (after `{` or `,` and whitespace): -1, or the position of the error. */
  const key = (): number => {
    if (i >= n) return n;
    if (text[i] !== '"' || !string()) return Math.min(i, n);
    ws();
    if (i >= n) return n;
    if (text[i] !== ':') return i;
    i++;
    return -1;
  };
  // Stack of open containers: '{' expects a key next, ':' a value after a key, ',' a separator or a closer.
  const stack: ('[' | '{')[] = [];
  let expectValue = true;
  for (;;) {
    ws();
    if (i >= n) return n;
    const c = text[i] as string;
    const top = stack[stack.length - 1];
    if (expectValue) {
      if (c === '{' || c === '[') {
        stack.push(c);
        i++;
        ws();
        if (text[i] === (c === '{' ? '}' : ']')) {
          i++;
          stack.pop();
          expectValue = false;
        } else if (c === '{') {
          const e = key();
          if (e >= 0) return e;
        }
        continue;
      }
      const ok = c === '"' ? string() : c === '-' || (c >= '0' && c <= '9') ? number() : literal();
      if (!ok) return Math.min(i, n);
      expectValue = false;
      continue;
    }
    if (top === undefined) return i; // trailing characters after the value
    if (c === (top === '{' ? '}' : ']')) {
      stack.pop();
      i++;
      continue;
    }
    if (c !== ',') return i;
    i++;
    if (top === '{') {
      ws();
      const e = key();
      if (e >= 0) return e;
    }
    expectValue = true;
  }
}

function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++)
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  return { line, column: offset - start + 1 };
}

function describeChar(c: string): string {
  const code = c.codePointAt(0) as number;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  return code >= 0x20 && code < 0x7f ? `character ${JSON.stringify(c)} (${hex})` : `character ${hex}`;
}

/**
 * Parses JSON text; on a syntax error throws one {@link RouserError} line naming `where`, the line, column and
 * character offset of the error and the character found there (never the raw text, which may hold newlines or
 * binary bytes), e.g. `model.json: not valid JSON at line 3 column 5 (character 17): unexpected character "," (U+002C)`.
 * @param where file path or object name used in the message
 */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    const off = jsonErrorOffset(text);
    const { line, column } = lineColumn(text, off);
    const found =
      off >= text.length
        ? text.trim() === ''
          ? 'the text is empty'
          : 'unexpected end of the text'
        : `unexpected ${describeChar(String.fromCodePoint(text.codePointAt(off) as number))}`;
    throw new RouserError(`${where}: not valid JSON at line ${line} column ${column} (character ${off}): ${found}`);
  }
}
