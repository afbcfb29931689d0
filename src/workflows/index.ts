// The worker's workflow bundle entry: every workflow type the task queue serves.
export { rollbackWorkflow } from './rollback';
export { serviceDeskWorkflow } from './serviceDesk';
export { watchWorkflow } from './watch';
