/**
 * The event-driven sparse engine: CSR synapses, schedulers, neuron-set bitsets, the discrete-mode runtime of a
 * NetworkSpec (spike-for-spike identical to `referenceForward`) and the random E/I population simulator (discrete and
 * continuous modes). Never imports the trainer or tfjs.
 */
export * from './memory.js';
export * from './csr.js';
export * from './scheduler.js';
export * from './masks.js';
export * from './network.js';
export * from './randomNetwork.js';
export * from './random.js';
export * from './drive.js';
export * from './compile.js';
export * from './engine.js';
export * from './ring.js';
export { deliverRowWeight } from './kernel.js';
