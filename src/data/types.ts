/**
 * Options accepted by every command that takes `--dataset NAME|PATH` (see `loadDataset` in
 * `src/io/datasets/load.ts`). Unset fields take the per-dataset defaults listed in the returned
 * {@link DatasetInfo}.
 */
export interface DatasetOptions {
  /** Time steps T per sample (nmnist-mini 25, NMNIST 25, DVS Gesture 20, SHD/SSC 100, randman 50). */
  steps?: number;
  /** Seed of the sample subset and order when a folder holds more samples than requested (default 0). */
  seed?: number;
  /** Training samples to load (default: dataset specific; nmnist-mini 2000, randman 1000, real sets all). */
  trainSamples?: number;
  /** Test samples to load (default: nmnist-mini 500, randman 500, real sets all). */
  testSamples?: number;
  /**
   * Spatial downsampling factor for cameras (nmnist-mini default 2: 34x34 -> 17x17; DVS Gesture default 4:
   * 128 -> 32), channel pooling factor for SHD/SSC (default 5: 700 -> 140; 1 keeps the paper's 700 inputs).
   */
  downsample?: number;
  /** Clip per-bin counts to 1 (default true). */
  binary?: boolean;
  /** Where embedded sets are cached (default `$ROUSER_CACHE_DIR`, `$XDG_CACHE_HOME/rouser`, or `node_modules/.cache/rouser`). */
  cacheDir?: string;
  /** Randman difficulty in [0, 1] (default 0.25). */
  difficulty?: number;
  /** N-MNIST: keep only the first saccade (0-100 ms, default true); false bins the whole ~300 ms recording. */
  firstSaccadeOnly?: boolean;
  /** Bin width in ms for sensor sets (overrides the default window / steps). */
  dtMs?: number;
  /** Progress messages (generation, reading); default silent. */
  onProgress?: (message: string) => void;
  /**
   * Countable progress of a long step, for a progress bar: `done` of `total` units of `task` (e.g. the embedded
   * set's generated samples); called at least once with done = total when the step ends. Default silent.
   */
  onProgressCount?: (task: string, done: number, total: number) => void;
}

/** What a loaded dataset is and how it differs from the paper setup. */
export interface DatasetInfo {
  /** Short name, e.g. `nmnist-mini`, `nmnist`, `dvsgesture`, `shd`, `ssc`, `randman`. */
  name: string;
  /** Channels per time step (the network input size). */
  inputSize: number;
  classes: number;
  steps: number;
  /** Duration of one time step in milliseconds. */
  dtMs: number;
  description: string;
  /** What was changed from the paper setup, e.g. `first saccade only`, `T=25 frames`, `downsampled 34x34 -> 17x17`. */
  changes: string[];
  trainSamples: number;
  testSamples: number;
  classNames?: string[];
  /** Folder, file, or `embedded` (with the cache folder for nmnist-mini). */
  source: string;
  /** Events that fell outside the binning window (cropped), over both splits. */
  croppedEvents: number;
  totalEvents: number;
  /** Wall time spent loading (and generating), milliseconds. */
  loadMs: number;
}
