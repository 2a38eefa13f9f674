import type { TestProject } from 'vitest/node';
import { startMoto } from '../moto/index.js';
import './emulator.js';

/**
 * A vitest global setup: provides `awsEndpoint` to the tests, the given
 * endpoint when there is one (an emulator already running), else an emulator
 * of the run's own on a free port, stopped when the run ends.
 */
export async function provideEmulator(project: TestProject, endpoint?: string) {
  if (endpoint !== undefined && endpoint !== '') {
    project.provide('awsEndpoint', endpoint.replace(/\/+$/, ''));
    return undefined;
  }
  const moto = await startMoto();
  project.provide('awsEndpoint', moto.endpoint);
  return () => moto.stop();
}

export default (project: TestProject) => provideEmulator(project);
