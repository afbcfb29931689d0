// Incident and drill reports: pure functions from a plan and a run's record.
export { buildReport, DEFAULT_FIELDS, DEFAULT_METRICS } from './build';
export { drillEvidence } from './evidence';
export { renderMarkdown } from './markdown';
export type * from './types';
export { REPORT_VERSION } from './types';
