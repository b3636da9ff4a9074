import { workerData } from 'node:worker_threads';
import { runEngineWorker, type EnginePartsInit } from './engineThreads.js';

/** Worker thread of the description engine's general loop: runs part `part` of the shared {@link EnginePartsInit}. */
const { init, part } = workerData as { init: EnginePartsInit; part: number };
runEngineWorker(init, part);
