import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { findRepoRoot, motoPythonEnv, type VenvInstallation } from '@atm-ledger/local-aws';
import { beforeAll, describe, expect, it } from 'vitest';
import { ensureFuzzerInstalled } from '../../src/fuzz/api.js';

/**
 * Calls tools/harness/fuzz/hooks.py's `problem_details_on_4xx` with stand-in
 * responses, in the fuzzer's own venv, and returns "ok" or the assertion's
 * message for each.
 */
function check(
  installation: VenvInstallation,
  responses: { status: number; contentType?: string; body: unknown; sent?: object }[],
): string[] {
  const script = `
import importlib.util, json, sys
from types import SimpleNamespace
spec = importlib.util.spec_from_file_location("hooks", sys.argv[1])
hooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(hooks)
schema = {"components": {"schemas": {"OpenAccountRequest": {"properties": {"accountId": {}, "currency": {}}}}}}
out = []
for r in json.load(sys.stdin):
    response = SimpleNamespace(
        status_code=r["status"],
        headers={"content-type": [r["contentType"]]} if r.get("contentType") else {},
        content=json.dumps(r["body"]).encode() if not isinstance(r["body"], str) else r["body"].encode(),
    )
    case = SimpleNamespace(
        operation=SimpleNamespace(schema=SimpleNamespace(raw_schema=schema)),
        body=r.get("sent"), query=None, path_parameters=None, method="POST",
    )
    try:
        hooks.problem_details_on_4xx(None, response, case)
        out.append("ok")
    except AssertionError as error:
        out.append(str(error))
print(json.dumps(out))
`;
  const rootDir = findRepoRoot();
  const run = spawnSync(
    installation.python,
    ['-c', script, join(rootDir, 'tools', 'harness', 'fuzz', 'hooks.py')],
    { input: JSON.stringify(responses), encoding: 'utf8', env: motoPythonEnv(installation) },
  );
  if (run.status !== 0) throw new Error(run.stderr);
  return JSON.parse(run.stdout) as string[];
}

describe('hooks.py: problem_details_on_4xx', () => {
  let installation: VenvInstallation;
  beforeAll(async () => {
    installation = await ensureFuzzerInstalled({ log: () => {} });
  }, 120_000);

  const problem = 'application/problem+json';
  const validation = (errors: unknown) => ({
    type: '/problems/validation-error',
    title: 'Invalid request',
    status: 400,
    detail: 'x',
    errors,
  });

  it('passes problems, and answers that are not 4xx', () => {
    expect(
      check(installation, [
        {
          status: 404,
          contentType: problem,
          body: { type: '/problems/not-found', title: 'Not found', status: 404 },
        },
        {
          status: 400,
          contentType: `${problem}; charset=utf-8`,
          body: validation([{ field: 'currency', message: 'expected 3 letters' }]),
        },
        {
          status: 400,
          contentType: problem,
          body: validation([{ field: 'zz', message: 'unknown field' }]),
          sent: { zz: 1 },
        },
        {
          status: 400,
          contentType: problem,
          body: validation([{ field: '""', message: 'unknown field' }]),
          sent: { '': 1 },
        },
        { status: 200, contentType: 'application/json', body: {} },
        { status: 500, contentType: 'text/plain', body: 'boom' },
      ]),
    ).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
  });

  it('fails a 4xx that is not a problem, or a validation problem that names no known field', () => {
    expect(
      check(installation, [
        {
          status: 404,
          contentType: 'application/json',
          body: { type: 't', title: 't', status: 404 },
        },
        { status: 431, body: '' },
        { status: 401, contentType: problem, body: { title: 'Unauthorized', status: 401 } },
        { status: 409, contentType: problem, body: { type: 't', title: 't', status: 400 } },
        { status: 400, contentType: problem, body: validation([]) },
        {
          status: 400,
          contentType: problem,
          body: validation([{ field: '', message: 'unknown field' }]),
        },
        {
          status: 400,
          contentType: problem,
          body: validation([{ field: 'nowhere', message: 'bad' }]),
        },
      ]),
    ).toEqual([
      "A 404 must be application/problem+json, got 'application/json'",
      "A 431 must be application/problem+json, got ''",
      'The problem has no `type` string',
      "The problem's `status` is 400, the response's 409",
      'A validation problem must list the offending fields in `errors`',
      "A validation error names no field: {'field': '', 'message': 'unknown field'}",
      "A validation error names 'nowhere', which is neither sent nor declared by the API",
    ]);
  });
});
