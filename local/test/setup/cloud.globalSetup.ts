import type { TestProject } from 'vitest/node';
import { ensureMotoInstalled, startMoto } from '../../src/moto/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the local cloud every test's SDK clients point at. */
    awsEndpoint: string;
  }
}

/**
 * Provides `awsEndpoint` to the tests: LEDGER_AWS_ENDPOINT when set (an
 * already-running local cloud, nothing is started), else a moto server of our
 * own on a free port, stopped when the run ends.
 */
export default async function setup(project: TestProject) {
  const external = process.env.LEDGER_AWS_ENDPOINT;
  if (external !== undefined && external !== '') {
    project.provide('awsEndpoint', external.replace(/\/+$/, ''));
    return;
  }
  const installation = await ensureMotoInstalled();
  const moto = await startMoto({ installation });
  project.provide('awsEndpoint', moto.endpoint);
  return async () => {
    await moto.stop();
  };
}
