// Real servers from Debian's packages for the adapter tests (see scripts/system-packages.sh).
export { startAlertmanager, type AlertmanagerOptions, type AlertmanagerServer } from './alertmanager';
export { startBackend, startMetricsEndpoint, tally, waitFor, type Backend } from './backend';
export { startHaproxy, type HaproxyServer } from './haproxy';
export { startNginx, type NginxServer } from './nginx';
export { startPostgres, type PostgresServer } from './postgres';
export { stopAll } from './process';
export { startPrometheus, type PrometheusOptions, type PrometheusServer } from './prometheus';
export { startRedis, type RedisServer } from './redis';
export { startUnleash, type UnleashServer } from './unleash';
