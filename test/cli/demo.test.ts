import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../src/cli/args.js';
import { compareSettings } from '../../src/cli/commands/compare.js';
import { demoCommand } from '../../src/cli/commands/demo.js';

// The demo preset is the main job documented in README.md and EXPERIMENTS.md ("Where the effect appears"); these
// values are the measured setting, so a change here must come with new measurements there.
describe('rouser demo preset', () => {
  it('runs the documented main-job setting (synthetic data stands in for nmnist-mini to keep the test fast)', async () => {
    const args = parseCommandArgs(demoCommand, ['--dataset', 'synthetic']);
    const s = await compareSettings('demo', args);
    expect(s.variants.map((v) => v.label)).toEqual(['learned', 'fixed']);
    expect(s.seeds).toEqual([0, 1, 2, 3, 4]);
    expect(s.epochs).toBe(14);
    expect(s.lr).toBe(3e-5);
    expect(s.lrTh).toBe(0.05);
    expect(s.weightScale).toBe(0.13);
    expect(s.init).toBe('kaiming');
    expect(s.valFraction).toBe(0.1);
    expect(s.batch).toBe(32);
    expect(s.thInit).toBe(1.25);
    expect(s.targetAccuracy).toBe(0.5);
  });

  it('lets every compare option override the preset', async () => {
    const args = parseCommandArgs(demoCommand, [
      '--dataset',
      'synthetic',
      '--epochs',
      '2',
      '--lr-th',
      '0.2',
      '--seeds',
      '3',
    ]);
    const s = await compareSettings('demo', args);
    expect(s.epochs).toBe(2);
    expect(s.lrTh).toBe(0.2);
    expect(s.seeds).toEqual([0, 1, 2]);
    expect(s.lr).toBe(3e-5);
  });

  it('shows the preset values as the defaults in --help', () => {
    expect(demoCommand.options.lr!.default).toBe('3e-5');
    expect(demoCommand.options['lr-th']!.default).toBe('0.05');
    expect(demoCommand.options.epochs!.default).toBe('14');
    // arch is a preset option whose compare help names another default: the demo's help must not repeat it
    expect(demoCommand.options.arch!.default).toBe('128-128-10');
    expect(demoCommand.options.arch!.help).not.toMatch(/\(default [^)]*\)$/);
  });
});
