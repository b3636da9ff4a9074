/**
 * Public data API: byte-level parsers and encoders (N-MNIST .bin, AEDAT 3.1, SHD/SSC rows), transforms, binning
 * to the trainer's layout, and the embedded generators (derived N-MNIST, Randman). Pure: no file system access;
 * `loadDataset` (files, caches, downloads) lives in `src/io/datasets/load.ts`.
 */
export * from './types.js';
export * from './nmnist.js';
export * from './aedat.js';
export * from './frames.js';
export * from './transforms.js';
export * from './randman.js';
export * from './nmnistSynth.js';
export * from './shd.js';
export * from './inspect.js';
export * from './synthetic.js';
