// Unleash as a FlagStore, through its admin API over undici: a flag is a feature of one
// project, on or off per environment; its gradual rollout is one `flexibleRollout`
// strategy (the percentage, and the variant it serves as the strategy's only variant).
// Every call is idempotent (on/off, PUT of the whole strategy), so Temporal may retry.
// The admin token comes from the worker's environment, read when a call needs it, and
// never enters an error, a record or a log.
import { request } from 'undici';
import { describeNetworkFailure, parseRetryAfterMs, RateLimitedError, RefusedError, RejectedError, UnavailableError } from './errors';
import { type FlagChange, type FlagRollout, type FlagState, type FlagStore, hasRollout, type RolloutChange, UnknownFlagError } from './flagStore';

const VENDOR = 'unleash';
const DEFAULT_TIMEOUT_MS = 10_000;
/** Unleash's rate limits are per minute; without a Retry-After, a second is a polite first wait (Temporal backs off after). */
const RATE_LIMIT_RETRY_AFTER_MS = 1000;
const ROLLOUT = 'flexibleRollout';
/** Unleash's built-in strategy for "everyone": the same as a flexibleRollout at 100 %. */
const EVERYONE = 'default';
/** Variant weights are parts of 1000. */
const ALL_WEIGHT = 1000;

export interface UnleashFlagStoreOptions {
  /** The server's base URL, as in the browser (e.g. https://unleash.example.com). */
  url: string;
  project: string;
  environment: string;
  /** Name of the environment variable that holds the admin API token, for messages. */
  tokenEnv: string;
  /** Reads the token; throws a RefusedError naming the variable when it is not set. */
  token: () => string;
  timeoutMs?: number;
}

interface StrategyVariant {
  name: string;
  weight: number;
  weightType?: string;
  stickiness?: string;
  payload?: unknown;
}

interface Strategy {
  id: string;
  name: string;
  title?: string | null;
  parameters?: Record<string, string>;
  constraints?: unknown[];
  variants?: StrategyVariant[];
  segments?: number[];
  disabled?: boolean | null;
}

interface FeatureEnvironment {
  enabled: boolean;
  strategies: Strategy[];
}

export class UnleashFlagStore implements FlagStore {
  private readonly base: string;

  constructor(private readonly options: UnleashFlagStoreOptions) {
    this.base = `${options.url.replace(/\/+$/, '')}/api/admin/projects/${encodeURIComponent(options.project)}/features`;
  }

  get location(): string {
    return `Unleash ${this.options.url} (project ${this.options.project}, environment ${this.options.environment})`;
  }

  async isEnabled(flag: string): Promise<boolean> {
    return (await this.environmentOf(flag)).enabled;
  }

  async state(flag: string): Promise<FlagState> {
    return stateOf(await this.environmentOf(flag));
  }

  disable(flag: string): Promise<FlagChange> {
    return this.turn(flag, false);
  }

  enable(flag: string): Promise<FlagChange> {
    return this.turn(flag, true);
  }

  async rollout(flag: string, rollout: FlagRollout): Promise<RolloutChange> {
    const current = await this.environmentOf(flag);
    const previous = stateOf(current);
    if (hasRollout(previous, rollout)) return { flag, changed: false, previous };
    const active = current.strategies.filter((s) => !s.disabled);
    if (active.length > 1 || (active.length === 1 && ![ROLLOUT, EVERYONE].includes(active[0].name))) {
      throw new RefusedError(
        VENDOR,
        `${flag} in ${this.options.environment} is on by ${describeStrategies(active)}: a rollout percentage is one ${ROLLOUT} strategy, so change it in Unleash (nothing was changed)`,
      );
    }
    const existing = active[0];
    const parameters = existing?.name === ROLLOUT ? existing.parameters : undefined;
    const strategy = {
      name: ROLLOUT,
      title: existing?.title ?? null,
      parameters: {
        stickiness: parameters?.stickiness ?? 'default',
        groupId: parameters?.groupId ?? flag,
        rollout: String(rollout.percent ?? previous.percent ?? 100),
      },
      constraints: existing?.constraints ?? [],
      segments: existing?.segments ?? [],
      variants:
        rollout.variant === undefined
          ? (existing?.variants ?? [])
          : [{ name: rollout.variant, weight: ALL_WEIGHT, weightType: 'variable', stickiness: parameters?.stickiness ?? 'default' }],
      disabled: false,
    };
    const strategies = `${this.environmentPath(flag)}/strategies`;
    if (existing) await this.call('PUT', `${strategies}/${encodeURIComponent(existing.id)}`, flag, strategy);
    else await this.call('POST', strategies, flag, strategy);
    // The strategy first: turned on without one, Unleash would serve everyone for a moment.
    if (!current.enabled) await this.call('POST', `${this.environmentPath(flag)}/on`, flag);
    return { flag, changed: true, previous };
  }

  private async turn(flag: string, enabled: boolean): Promise<FlagChange> {
    const current = await this.environmentOf(flag);
    if (current.enabled === enabled) return { flag, changed: false, previous: enabled };
    await this.call('POST', `${this.environmentPath(flag)}/${enabled ? 'on' : 'off'}`, flag);
    return { flag, changed: true, previous: current.enabled };
  }

  private environmentPath(flag: string): string {
    return `${this.base}/${encodeURIComponent(flag)}/environments/${encodeURIComponent(this.options.environment)}`;
  }

  private async environmentOf(flag: string): Promise<FeatureEnvironment> {
    const body = (await this.call('GET', this.environmentPath(flag), flag)) as Partial<FeatureEnvironment> | undefined;
    if (typeof body?.enabled !== 'boolean' || !Array.isArray(body.strategies))
      throw new UnavailableError(VENDOR, `unexpected answer for ${flag} in ${this.options.environment}: ${JSON.stringify(body).slice(0, 200)}`);
    return { enabled: body.enabled, strategies: body.strategies };
  }

  /** One admin API call; its refusals in Unleash's own words, with what the plan can change. */
  private async call(method: 'GET' | 'POST' | 'PUT', url: string, flag: string, body?: unknown): Promise<unknown> {
    const token = this.options.token();
    const timeoutMs = this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let status: number;
    let headers: Record<string, string | string[] | undefined>;
    let text: string;
    try {
      const res = await request(url, {
        method,
        headers: { authorization: token, accept: 'application/json', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
      });
      status = res.statusCode;
      headers = res.headers;
      text = await res.body.text();
    } catch (error) {
      throw new UnavailableError(VENDOR, `${this.options.url}: ${describeNetworkFailure(error)}`, undefined, { cause: error });
    }
    if (status >= 200 && status < 300) return text ? parse(text) : undefined;
    const said = messageOf(text);
    if (status === 401) throw new RejectedError(VENDOR, status, `the token in ${this.options.tokenEnv} was not accepted: ${said}`);
    if (status === 403)
      throw new RejectedError(
        VENDOR,
        status,
        `the token in ${this.options.tokenEnv} may not change ${flag} in ${this.options.environment}: ${said} (it needs to be an admin token or a service account's)`,
      );
    if (status === 404) {
      if (/^There's no feature named/.test(said)) throw new UnknownFlagError(flag, this.location);
      throw new RefusedError(VENDOR, `${said} (project ${this.options.project}, environment ${this.options.environment})`);
    }
    if (status === 429) throw new RateLimitedError(VENDOR, parseRetryAfterMs(headers['retry-after'], Date.now()) ?? RATE_LIMIT_RETRY_AFTER_MS);
    if (status >= 500) throw new UnavailableError(VENDOR, said, status);
    throw new RejectedError(VENDOR, status, said);
  }
}

/** Share and variant of the one active strategy; several strategies make no single share. */
function stateOf(environment: FeatureEnvironment): FlagState {
  const active = environment.strategies.filter((s) => !s.disabled);
  // Turned on without a strategy, Unleash serves everyone.
  if (active.length === 0) return { enabled: environment.enabled, percent: 100, variant: undefined };
  if (active.length > 1 || ![ROLLOUT, EVERYONE].includes(active[0].name))
    return { enabled: environment.enabled, percent: undefined, variant: undefined, rules: describeStrategies(active) };
  const [strategy] = active;
  const percent = strategy.name === EVERYONE ? 100 : Number(strategy.parameters?.rollout ?? 100);
  const variants = strategy.variants ?? [];
  return { enabled: environment.enabled, percent, variant: variants.length === 1 ? variants[0].name : undefined };
}

function describeStrategies(strategies: Strategy[]): string {
  const one = (s: Strategy) => (s.name === ROLLOUT ? `${ROLLOUT} ${s.parameters?.rollout ?? '?'} %` : s.name);
  return strategies.length === 1 ? `the strategy ${one(strategies[0])}` : `${strategies.length} strategies: ${strategies.map(one).join(', ')}`;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Unleash answers errors as `{name, message, details}` (some as `{message}` only). */
function messageOf(text: string): string {
  const body = parse(text) as { message?: unknown } | string;
  if (typeof body === 'object' && body !== null && typeof body.message === 'string') return body.message;
  return String(text).slice(0, 200) || 'no message';
}
