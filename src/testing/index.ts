/**
 * `rouser/testing`: the property-test kit for neuron models. Call {@link checkNeuronModel} inside a vitest or jest
 * test to check a model (yours or a built-in) against the invariants every Rouser engine relies on; the fast-check
 * arbitraries build parameters, input trains and small networks for your own properties. Needs `fast-check` (a
 * peer dependency).
 */
export * from './arbitraries.js';
export * from './check.js';
