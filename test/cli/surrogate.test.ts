import { describe, expect, it } from 'vitest';
import { parseSurrogate } from '../../src/cli/surrogate.js';

describe('--surrogate grammar', () => {
  it('parses kinds with defaults and overrides', () => {
    expect(parseSurrogate('exponential')).toEqual({ kind: 'exponential', scale: 1.5, tau: 3.75 });
    expect(parseSurrogate('exponential:scale=3:tau=3')).toEqual({ kind: 'exponential', scale: 3, tau: 3 });
    expect(parseSurrogate('fastSigmoid:slope=10')).toEqual({ kind: 'fastSigmoid', slope: 10 });
    expect(parseSurrogate('triangle:width=0.5')).toEqual({ kind: 'triangle', scale: 1, width: 0.5 });
  });
  it('names the bad part', () => {
    expect(() => parseSurrogate('sigmoid')).toThrow(
      '--surrogate "sigmoid": kind "sigmoid"; expected one of exponential, fastSigmoid, atan, triangle',
    );
    expect(() => parseSurrogate('atan:beta=2')).toThrow('item "beta=2"; expected key=value with key one of alpha');
    expect(() => parseSurrogate('atan:alpha=x')).toThrow('alpha is "x"; expected a number');
    expect(() => parseSurrogate('exponential:tau=0')).toThrow(
      'surrogate exponential: tau is 0; expected a finite number > 0',
    );
  });
});
