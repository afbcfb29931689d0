// Where the workflow code is, with the interceptors bundled beside it: one description for
// the worker, the tests' and the bench's prebuilt bundles, so no bundle lacks an interceptor.
import { bundleWorkflowCode, type Logger } from '@temporalio/worker';

export const workflowsPath = require.resolve('../workflows');
export const workflowInterceptorModules = [require.resolve('../workflows/interceptors')];

/** The bundle a worker loads with `workflowBundle: { code }` or WORKFLOW_BUNDLE. */
export async function bundleWorkflows(logger?: Logger): Promise<string> {
  return (await bundleWorkflowCode({ workflowsPath, workflowInterceptorModules, ...(logger ? { logger } : {}) })).code;
}
