import { describe, expect, it } from 'vitest';
import {
  FAULT_CLASSES,
  type FaultClass,
  FaultDice,
  type FaultSpecError,
  formatFaultSpec,
  isFaultSpecError,
  parseFaultSpec,
} from '../../src/faults/index.js';

const rolls = (dice: FaultDice, cls: FaultClass, times: number) =>
  Array.from({ length: times }, () => dice.roll(cls));

describe('parseFaultSpec', () => {
  it('reads probabilities, @N triggers and the seed', () => {
    // Act
    const spec = parseFaultSpec(
      ' throttle=0.05, server-error=.5,timeout-after-write=@3,kill-in-pipe=1 ,seed=42',
    );

    // Assess
    expect(spec).toEqual({
      triggers: {
        throttle: { kind: 'probability', p: 0.05 },
        'server-error': { kind: 'probability', p: 0.5 },
        'timeout-after-write': { kind: 'nth', n: 3 },
        'kill-in-pipe': { kind: 'probability', p: 1 },
      },
      seed: 42,
    });
  });

  it('reads an empty or absent spec as no faults, with the default seed', () => {
    // Act / Assess
    for (const text of [undefined, '', '   ']) {
      expect(parseFaultSpec(text)).toEqual({ triggers: {}, seed: 0 });
    }
  });

  it('knows every class, including the kills fired by the crash points', () => {
    // Act
    const spec = parseFaultSpec(FAULT_CLASSES.map((c, i) => `${c}=@${i + 1}`).join(','));

    // Assess
    expect(Object.keys(spec.triggers)).toEqual([...FAULT_CLASSES]);
  });

  it.each([
    ['throttle', 'missing "="'],
    ['throttl=0.1', 'unknown fault class "throttl"'],
    ['throttle=1.5', '"1.5" is not a probability between 0 and 1'],
    ['throttle=-0.1', 'is not a probability'],
    ['throttle=abc', 'is not a probability'],
    ['throttle=', 'is not a probability'],
    ['throttle=1e-3', 'is not a probability'],
    ['throttle=@0', 'is not @N with N a whole number from 1'],
    ['throttle=@2.5', 'is not @N'],
    ['throttle=0.1,throttle=0.2', 'throttle given twice'],
    ['throttle=0.1,,server-error=0.1', 'empty entry'],
    ['seed=-1', 'is not a whole number in [0, 2^32)'],
    ['seed=4294967296', 'is not a whole number in [0, 2^32)'],
    ['seed=1,seed=2', 'seed given twice'],
  ])('refuses %j, saying what is wrong and which classes exist', (text, why) => {
    // Act
    let error: unknown;
    try {
      parseFaultSpec(text);
    } catch (e) {
      error = e;
    }

    // Assess
    expect(isFaultSpecError(error)).toBe(true);
    const message = (error as FaultSpecError).message;
    expect(message).toContain(why);
    expect(message).toContain(`classes: ${FAULT_CLASSES.join(', ')}`);
    expect((error as FaultSpecError).code).toBe('FAULT_SPEC_INVALID');
  });
});

describe('formatFaultSpec', () => {
  it('writes the canonical form, which parses back to the same spec', () => {
    // Prepare
    const spec = parseFaultSpec('kill-after-write=@7,throttle=0.25,seed=9');

    // Act
    const text = formatFaultSpec(spec);

    // Assess
    expect(text).toBe('throttle=0.25,kill-after-write=@7,seed=9');
    expect(parseFaultSpec(text)).toEqual(spec);
    expect(formatFaultSpec(parseFaultSpec(undefined))).toBe('seed=0');
  });
});

describe('FaultDice', () => {
  it('makes the same decisions for the same seed, and others for another seed', () => {
    // Prepare
    const spec = parseFaultSpec('throttle=0.3,seed=7');

    // Act
    const a = rolls(new FaultDice(spec), 'throttle', 200);
    const b = rolls(new FaultDice(spec), 'throttle', 200);
    const c = rolls(new FaultDice(parseFaultSpec('throttle=0.3,seed=8')), 'throttle', 200);

    // Assess
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    const fired = a.filter(Boolean).length;
    expect(fired).toBeGreaterThan(30);
    expect(fired).toBeLessThan(90);
  });

  it("keeps one class's decisions whatever other classes are rolled in between", () => {
    // Prepare
    const spec = parseFaultSpec('throttle=0.5,server-error=0.5,seed=3');
    const alone = new FaultDice(spec);
    const interleaved = new FaultDice(spec);

    // Act
    const throttleAlone = rolls(alone, 'throttle', 50);
    const throttleInterleaved = Array.from({ length: 50 }, (_, i) => {
      for (let k = 0; k < i % 3; k++) interleaved.roll('server-error');
      return interleaved.roll('throttle');
    });

    // Assess
    expect(throttleInterleaved).toEqual(throttleAlone);
  });

  it('fires @N exactly once, at the Nth occurrence', () => {
    // Prepare
    const dice = new FaultDice(parseFaultSpec('kill-in-notifier=@4'));

    // Act
    const decisions = rolls(dice, 'kill-in-notifier', 20);

    // Assess
    expect(decisions.flatMap((fired, i) => (fired ? [i + 1] : []))).toEqual([4]);
  });

  it('never fires a class without a trigger, nor one with probability 0', () => {
    // Prepare
    const dice = new FaultDice(parseFaultSpec('throttle=0'));

    // Act / Assess
    expect(rolls(dice, 'throttle', 100).some(Boolean)).toBe(false);
    expect(rolls(dice, 'server-error', 100).some(Boolean)).toBe(false);
    expect(dice.armed('throttle')).toBe(true);
    expect(dice.armed('server-error')).toBe(false);
  });

  it('always fires with probability 1', () => {
    // Act / Assess
    expect(rolls(new FaultDice(parseFaultSpec('throttle=1')), 'throttle', 100).every(Boolean)).toBe(
      true,
    );
  });
});
