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
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(length ${(value as unknown as { length: number }).length})`;
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
