import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { ensureTemporalCli } from '@mlops/cli/temporal-binary';
import { DRIFT_ALERT_COUNT_ATTRIBUTE } from '@mlops/temporal';

/**
 * Starts a real Temporal dev server (the CLI binary, found or built once) on a
 * random port for one test file. Call `teardown()` when done.
 */
export async function startTestTemporal(): Promise<TestWorkflowEnvironment> {
  quietRuntime();
  const path = await ensureTemporalCli();
  return TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'existing-path', path },
      ip: '127.0.0.1',
      searchAttributes: [defineSearchAttributeKey(DRIFT_ALERT_COUNT_ATTRIBUTE, SearchAttributeType.INT)],
      log: { format: 'pretty', level: 'warn' },
    },
  });
}

let runtimeInstalled = false;
/** Workers log at WARN in tests: state changes and workflow logs at INFO drown the test output. */
function quietRuntime(): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({ logger: new DefaultLogger('WARN') });
}
