import type { MotoServer } from '@atm-ledger/local-aws';
import { describe, expect, it, vi } from 'vitest';
import { startedOrStopped } from '../../src/soak/soak.js';

describe('startedOrStopped: a soak that cannot build its runtime leaves no emulator behind', () => {
  const fakeMoto = () => ({ stop: vi.fn(async () => {}) }) as unknown as MotoServer;

  it('stops the emulator the soak started, then rethrows', async () => {
    // Prepare
    const moto = fakeMoto();
    const failure = new Error('no dist: run npm run build first');

    // Act
    const outcome = startedOrStopped(moto, () => {
      throw failure;
    });

    // Assess
    await expect(outcome).rejects.toBe(failure);
    expect(moto.stop).toHaveBeenCalledOnce();
  });

  it('leaves the emulator running when the build succeeds', async () => {
    // Prepare
    const moto = fakeMoto();

    // Act
    const built = await startedOrStopped(moto, () => 'supervisor');

    // Assess
    expect(built).toBe('supervisor');
    expect(moto.stop).not.toHaveBeenCalled();
  });

  it('rethrows when the soak runs on an emulator it did not start', async () => {
    // Act
    const outcome = startedOrStopped(undefined, () => {
      throw new Error('boom');
    });

    // Assess
    await expect(outcome).rejects.toThrow('boom');
  });
});
