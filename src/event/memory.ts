/**
 * Memory guard of the event engine: every large allocation (CSR arrays, queues) is estimated first and refused with
 * a clear message, instead of letting V8 crash with "invalid array length" or the OS kill the process. The checks
 * are the project's one estimator in util/memory.ts.
 */

export { MAX_TYPED_LENGTH, availableMemoryBytes, checkLength, checkMemory, formatMB, type MemoryCheckOptions } from '../util/memory.js';
