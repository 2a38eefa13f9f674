/**
 * Why the LocalStack backend cannot run here, or undefined when it can. The
 * backend is opt-in (it needs a Docker engine, which our own machines do not
 * have): without LEDGER_TEST_BACKEND=localstack, or without a reachable
 * engine, its suites skip and say why.
 */
export async function localstackSkipReason(): Promise<string | undefined> {
  if (process.env.LEDGER_TEST_BACKEND !== 'localstack') {
    return 'opt-in: set LEDGER_TEST_BACKEND=localstack (needs a Docker engine) to run the integration suites against LocalStack';
  }
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('timed out after 10 s')), 10_000),
      ),
    ]);
    return undefined;
  } catch (error) {
    return `LEDGER_TEST_BACKEND=localstack, but no Docker engine is reachable (${(error as Error).message.split('\n')[0]})`;
  }
}

/** Pinned, so a LocalStack release cannot change what the suites run against. */
export const LOCALSTACK_IMAGE = 'localstack/localstack:4.4.0';
