import { parseArgs } from 'node:util';
import { startRedis } from '../test/helpers/processes.js';
import { closeBrowsers } from './lib/browser.js';
import { BenchContext } from './lib/context.js';
import { formatSummary, runLoad, type LoadSummary } from './lib/load-flow.js';

/**
 * `npm run load`: N simulated browsers (default 1,000) at once, each doing
 * the full flow (password, pending page, the sandbox's phone approving by
 * itself, polling, signed in as itself, a guarded POST approved and replayed
 * once) against one app instance; then the same across two instances
 * sharing sessions in Redis (consecutive requests of a browser alternate
 * between them). Everything runs on 127.0.0.1: the sandbox and each app in
 * their own process. Exits non-zero on any lost or crossed session.
 *
 *   node build/bench/load.js [--browsers 1000] [--poll-ms 1000] [--approve-ms 500]
 */

const { values } = parseArgs({
  options: {
    browsers: { type: 'string', default: '1000' },
    'poll-ms': { type: 'string', default: '1000' },
    'approve-ms': { type: 'string', default: '500' },
    'deadline-ms': { type: 'string', default: '120000' },
  },
});
const browsers = Number(values.browsers);
const options = { pollMs: Number(values['poll-ms']), deadlineMs: Number(values['deadline-ms']) };

interface PhaseResult {
  readonly summary: LoadSummary;
  /** Users whose guarded handler ran more than once, or not at all though the flow completed. */
  readonly duplicatedActions: number;
  readonly missingActions: number;
}

const ctx = new BenchContext();
const redis = await startRedis();
const results: Record<string, PhaseResult> = {};
try {
  const sandbox = await ctx.sandbox();
  console.log(`enrolling ${browsers} users (pairing + named terminal) ...`);
  const users = await ctx.enroll(browsers, { prefix: 'load' });
  const auto = await fetch(`${sandbox.info.url}/sandbox/auto_respond`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ granted: true, delayMs: Number(values['approve-ms']) }),
  });
  if (!auto.ok) throw new Error(`auto_respond answered ${auto.status}`);

  const phases: readonly (readonly [string, readonly string[]])[] = [
    ['one instance (MemoryStore)', ['single']],
    ['two instances sharing Redis', ['redis-a', 'redis-b']],
  ];
  for (const [label, names] of phases) {
    const apps = await Promise.all(
      names.map((name) =>
        ctx.app(name, {
          variant: 'toopher',
          users: browsers,
          userPrefixes: ['load'],
          ...(name.startsWith('redis') ? { redisUrl: redis.url } : {}),
        }),
      ),
    );
    console.log(`\n${label}: ${browsers} browsers ...`);
    const { summary, outcomes } = await runLoad(
      apps.map((a) => a.info.url),
      users,
      options,
    );
    const transfers = (await Promise.all(apps.map((a) => a.call<{ user: string; amount: string }[]>('transfers')))).flat();
    const perUser = new Map<string, number>();
    for (const t of transfers) perUser.set(t.user, (perUser.get(t.user) ?? 0) + 1);
    const duplicatedActions = [...perUser.values()].filter((n) => n > 1).length;
    const missingActions = outcomes.filter((o) => o.actionDone && (perUser.get(o.email) ?? 0) === 0).length;
    results[names.length === 1 ? 'single' : 'shared_redis'] = { summary, duplicatedActions, missingActions };
    console.log(formatSummary(label, summary));
    console.log(`  guarded handler runs: ${transfers.length} (users with more than one: ${duplicatedActions}, completed but not run: ${missingActions})`);
  }
} finally {
  closeBrowsers();
  await ctx.stopAll();
  await redis.stop();
}

const bad = Object.values(results).some(
  (r) => r.summary.lostSessions > 0 || r.summary.crossedSessions > 0 || r.duplicatedActions > 0,
);
console.log(
  JSON.stringify(
    Object.fromEntries(
      Object.entries(results).map(([key, r]) => [
        key,
        {
          browsers: r.summary.browsers,
          completed_logins: r.summary.completedLogins,
          completed_actions: r.summary.completedActions,
          lost_sessions: r.summary.lostSessions,
          crossed_sessions: r.summary.crossedSessions,
          duplicated_actions: r.duplicatedActions,
          failed: r.summary.failed,
          request_p50_ms: Math.round(r.summary.requestP50Ms * 10) / 10,
          request_p99_ms: Math.round(r.summary.requestP99Ms * 10) / 10,
          login_p50_ms: Math.round(r.summary.loginP50Ms),
          login_p99_ms: Math.round(r.summary.loginP99Ms),
          seconds: Math.round(r.summary.seconds * 10) / 10,
        },
      ]),
    ),
  ),
);
process.exitCode = bad ? 1 : 0;
