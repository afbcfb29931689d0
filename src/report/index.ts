// Incident and drill reports: pure functions from a plan and a run's record.
export { buildReport } from './build';
export { DEFAULT_METRICS } from './facts';
export { DEFAULT_FIELDS } from './narrative';
export { drillEvidence } from './evidence';
export { renderMarkdown } from './markdown';
export type * from './types';
export { REPORT_VERSION } from './types';
