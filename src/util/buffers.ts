/**
 * Growable typed buffers: append with amortised doubling, then `finish()` to get a tight typed array.
 * Used on hot paths (spike recording, CSR building) so that nothing allocates per element.
 */
type TypedArrayCtor<T> = { new (length: number): T; BYTES_PER_ELEMENT: number };
type AnyTyped = Int32Array | Uint32Array | Float32Array | Float64Array | Uint8Array | Uint16Array | Int16Array;

export class GrowableArray<T extends AnyTyped> {
  private data: T;
  private len = 0;

  constructor(
    private readonly ctor: TypedArrayCtor<T>,
    initialCapacity = 1024,
  ) {
    this.data = new ctor(Math.max(1, initialCapacity));
  }

  /** Number of elements appended so far. */
  get length(): number {
    return this.len;
  }

  /** Appends one value. */
  push(value: number): void {
    if (this.len === this.data.length) this.grow(this.len + 1);
    this.data[this.len++] = value;
  }

  /** Element i (0 <= i < length). */
  get(i: number): number {
    return this.data[i] as number;
  }

  /** Forgets the contents, keeping the capacity. */
  clear(): void {
    this.len = 0;
  }

  /** Ensures room for `capacity` elements in total. */
  reserve(capacity: number): void {
    if (capacity > this.data.length) this.grow(capacity);
  }

  /** A view of the filled part (shares memory; invalid after the next push that grows). */
  view(): T {
    return this.data.subarray(0, this.len) as T;
  }

  /** A tight copy of the filled part. */
  finish(): T {
    return this.data.slice(0, this.len) as T;
  }

  private grow(min: number): void {
    let cap = this.data.length * 2;
    while (cap < min) cap *= 2;
    const next = new this.ctor(cap);
    next.set(this.data.subarray(0, this.len) as unknown as ArrayLike<number>);
    this.data = next;
  }
}
