/**
 * Strict JSON (RFC 8259) for `.json` config files, as Toxiproxy's Go decoder reads them. YAML, which
 * reads every other config, would take a trailing comma or a comment in JSON text without a word.
 * `JSON.parse` decides whether the text is valid; the scanner here says where it is not, since V8's
 * messages give no line and often no position.
 * @module
 */

/** Where and why a text is not strict JSON. */
export interface JsonSyntaxError {
  /** Offset (UTF-16 code units) of the first offending character; the text's length at its end. */
  offset: number;
  message: string;
}

const WHITESPACE = new Set([' ', '\t', '\n', '\r']);
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't']);
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS = ['true', 'false', 'null'] as const;

/** The first syntax error in `text`, or undefined when it is strict JSON. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  try {
    JSON.parse(text);
    return undefined;
  } catch (err) {
    // V8 says "at position N" for most errors; the scanner is exact for all of them.
    const position = /at position (\d+)/.exec((err as Error).message);
    return scan(text) ?? { offset: position ? Number(position[1]) : 0, message: (err as Error).message };
  }
}

function shown(char: string | undefined): string {
  return char === undefined ? 'the end of the file' : JSON.stringify(char);
}

/** A scanner over the grammar with an explicit stack, so deep nesting cannot overflow the call stack. */
function scan(text: string): JsonSyntaxError | undefined {
  let i = 0;
  const stack: Array<'{' | '['> = [];
  const fail = (message: string, at = i): JsonSyntaxError => ({ offset: at, message });
  const skipSpace = (): JsonSyntaxError | undefined => {
    while (i < text.length) {
      const char = text[i] ?? '';
      if (WHITESPACE.has(char)) i++;
      else if (char === '/' && (text[i + 1] === '/' || text[i + 1] === '*')) return fail('comments are not allowed in JSON');
      else return undefined;
    }
    return undefined;
  };
  const string = (): JsonSyntaxError | undefined => {
    const start = i++;
    while (i < text.length) {
      const char = text[i] ?? '';
      if (char === '"') {
        i++;
        return undefined;
      }
      if (char < ' ') return fail(`control character ${JSON.stringify(char)} in a string (escape it)`);
      if (char === '\\') {
        const next = text[i + 1];
        if (next === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return fail('invalid \\u escape: expected four hex digits');
          i += 6;
          continue;
        }
        if (next === undefined || !ESCAPES.has(next)) return fail(`invalid escape ${JSON.stringify(`\\${next ?? ''}`)} in a string`);
        i += 2;
        continue;
      }
      i++;
    }
    return fail('unterminated string', start);
  };
  /** After a value: a comma, the ends of containers, or (at the top) the end of the text. */
  const afterValue = (): JsonSyntaxError | 'done' | undefined => {
    for (;;) {
      const spaceError = skipSpace();
      if (spaceError) return spaceError;
      const open = stack[stack.length - 1];
      const char = text[i];
      if (open === undefined) return char === undefined ? 'done' : fail(`unexpected ${shown(char)} after the JSON value`);
      const close = open === '{' ? '}' : ']';
      if (char === close) {
        stack.pop();
        i++;
        continue;
      }
      if (char !== ',') return fail(`expected "," or "${close}", found ${shown(char)}`);
      const comma = i++;
      const nextError = skipSpace();
      if (nextError) return nextError;
      if (text[i] === '}' || text[i] === ']') return fail(`trailing comma before "${text[i]}"`, comma);
      return open === '{' ? member() : undefined;
    }
  };
  /** An object member's key and colon; the value follows. */
  const member = (): JsonSyntaxError | undefined => {
    if (text[i] !== '"') return fail(`expected a property name in double quotes, found ${shown(text[i])}`);
    const keyError = string();
    if (keyError) return keyError;
    const spaceError = skipSpace();
    if (spaceError) return spaceError;
    if (text[i] !== ':') return fail(`expected ":" after a property name, found ${shown(text[i])}`);
    i++;
    return undefined;
  };

  for (;;) {
    // A value is expected here.
    const spaceError = skipSpace();
    if (spaceError) return spaceError;
    const char = text[i];
    if (char === '{' || char === '[') {
      stack.push(char);
      i++;
      const innerError = skipSpace();
      if (innerError) return innerError;
      if (text[i] === (char === '{' ? '}' : ']')) {
        stack.pop();
        i++;
      } else {
        if (char === '{') {
          const memberError = member();
          if (memberError) return memberError;
        }
        continue;
      }
    } else if (char === '"') {
      const stringError = string();
      if (stringError) return stringError;
    } else if (char === '-' || (char !== undefined && char >= '0' && char <= '9')) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      const end = i + (match?.[0].length ?? 0);
      if (!match || /[0-9.eE+-]/.test(text[end] ?? '')) return fail('invalid number');
      i = end;
    } else {
      const literal = LITERALS.find((word) => text.startsWith(word, i));
      if (!literal)
        return fail(char === undefined ? 'unexpected end of the file: expected a value' : `expected a value, found ${shown(char)}`);
      i += literal.length;
    }
    const next = afterValue();
    if (next === 'done') return undefined;
    if (next) return next;
  }
}
