/**
 * Errors users see. Every message names where the problem is (file or object, field, index), the bad value,
 * and what was expected, so that a user can fix the input without reading a stack trace. The CLI prints
 * `RouserError` messages alone; any other error is a bug and is printed with its stack.
 */
export class RouserError extends Error {
  override readonly name = 'RouserError';
}

/** Throws a {@link RouserError} with `message` when `condition` is false. */
export function invariant(condition: unknown, message: string | (() => string)): asserts condition {
  if (!condition) throw new RouserError(typeof message === 'string' ? message : message());
}

/** Renders a value for an error message: numbers keep NaN/Infinity visible, strings are quoted, long things are cut. */
export function describeValue(value: unknown): string {
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 77)}...` : value);
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (ArrayBuffer.isView(value))
    return `${value.constructor.name}(length ${(value as unknown as { length: number }).length})`;
  if (Array.isArray(value)) return `array(length ${value.length})`;
  const s = JSON.stringify(value);
  return s === undefined ? String(value) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/**
 * Builds the standard message `<where>: field <field> is <value>; expected <expected>` and throws it.
 * @param where the file path or object name (e.g. `model.json`, `NetworkSpec`)
 */
export function fail(where: string, field: string, value: unknown, expected: string): never {
  throw new RouserError(`${where}: field ${field} is ${describeValue(value)}; expected ${expected}`);
}

const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EISDIR: 'is a folder, not a file',
  ENOTDIR: 'a parent is not a folder',
  EEXIST: 'already exists',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EIO: 'input/output error',
  EBUSY: 'resource busy',
  ENAMETOOLONG: 'file name too long',
  EXDEV: 'cross-device link',
  EFBIG: 'file too large',
};

/**
 * Describes a Node file-system error in words with its code, e.g. `no space left on the device (ENOSPC)`; other
 * errors give their message.
 */
export function describeIoError(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (typeof code === 'string') return ERRNO_WORDS[code] !== undefined ? `${ERRNO_WORDS[code]} (${code})` : code;
  return e instanceof Error ? e.message : String(e);
}
