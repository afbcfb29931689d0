// The plan language, one module per part; this file is the single import point.
export { Duration, EnvVarName } from './language/common';
export { DecisionDefault, Migration, Quorum } from './language/outcomeParts';
export * from './language/triggers';
export * from './language/watch';
export * from './language/steps';
export * from './language/decisions';
export * from './language/authority';
export * from './language/checks';
export * from './language/levels';
export * from './language/timing';
export * from './language/notifications';
export * from './language/operations';
export * from './language/targets';
export * from './language/plan';
