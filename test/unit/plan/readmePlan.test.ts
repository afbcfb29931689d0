// README's "Your first plan" walk-through stays true: its plan is valid (for the loader and
// for the JSON Schema an editor uses), and `plan explain` answers what README shows.
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { runCli } from '../../../src/cli/main';
import { PLAN_SCHEMA_MODELINE } from '../../../src/plan/reference';
import { committedPlanSchemaValidator } from '../../support/planSchema';

const ROOT = resolve(__dirname, '../../..');
const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const section = readme.split(/^## /m).find((s) => s.startsWith('Your first plan\n')) ?? '';
const block = (lang: string) => new RegExp('```' + lang + '\\n([\\s\\S]*?)```').exec(section)?.[1] ?? '';
const plan = block('yaml');
const commands = block('bash').trim().split('\n');
const shownExplanation = block('text');

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** README's `npm run rollback -- plan …` line, with README's file put where the test wrote it. */
function argsOf(command: string, file: string): string[] {
  const args = command.replace(/^npm run rollback -- /, '').split(/\s+/);
  return args.map((arg) => (arg === 'plans/payments.yaml' ? file : arg));
}

describe("README's first plan", () => {
  const dir = mkdtempSync(join(tmpdir(), 'readme-plan-'));
  mkdirSync(join(dir, 'plans'));
  const file = join(dir, 'plans/payments.yaml');
  writeFileSync(file, plan);

  it('is in README, with the commands to check and explain it', () => {
    expect(plan).toContain('type: flag.disable');
    expect(commands).toEqual([
      'npm run rollback -- plan validate plans/payments.yaml',
      expect.stringMatching(/^npm run rollback -- plan explain plans\/payments\.yaml --trigger \S+/),
    ]);
  });

  it('starts with the modeline that reaches docs/plan.schema.json from plans/', () => {
    expect(plan.split('\n')[0]).toBe(PLAN_SCHEMA_MODELINE);
    expect(existsSync(resolve(ROOT, 'plans', PLAN_SCHEMA_MODELINE.split('$schema=')[1]))).toBe(true);
  });

  it('is accepted by `rollback plan validate`', async () => {
    const { code, out, err } = await run(argsOf(commands[0], file));
    expect(err).toBe('');
    expect(out).toBe(`ok ${file} (payments)\n1 valid, 0 invalid\n`);
    expect(code).toBe(0);
  });

  it('is valid under the JSON Schema', () => {
    const validate = committedPlanSchemaValidator();
    expect(validate(parse(plan))).toBe(true);
  });

  it('is explained by `rollback plan explain` as README shows', async () => {
    const { code, out } = await run(argsOf(commands[1], file));
    expect(code).toBe(0);
    expect(out).toBe(shownExplanation);
    expect(out).toContain('1. flag.disable: new_payment_flow');
  });
});
