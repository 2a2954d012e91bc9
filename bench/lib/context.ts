import { ToopherApi } from '../../src/api/client.js';
import { signTerminalId } from '../../src/engine/terminal-cookie.js';
import type { SandboxServerInfo } from '../servers/sandbox.js';
import type { ToopherAppArgs, ToopherAppInfo } from '../servers/toopher-app.js';
import { BENCH_SECRET, benchUsers, type BenchUser } from './bench-app.js';
import { startChild, type ChildServer } from './child.js';
import { enrollUser, forEachLimit } from './enroll.js';

/**
 * Servers shared by the middleware benchmarks, started on first use and
 * stopped by `stopAll()`: one sandbox (with a counting proxy) and bench apps
 * by name. Users are enrolled once through the API with known terminal ids.
 */

export interface EnrolledUser extends BenchUser {
  readonly terminalId: string;
  /** `toopher_terminal=<signed id>`. */
  readonly terminalCookie: string;
}

export class BenchContext {
  private _sandbox: Promise<ChildServer<SandboxServerInfo>> | undefined;
  private readonly _apps = new Map<string, Promise<ChildServer<ToopherAppInfo>>>();
  private readonly _enrolled = new Map<string, EnrolledUser>();

  sandbox(): Promise<ChildServer<SandboxServerInfo>> {
    this._sandbox ??= startChild<SandboxServerInfo>('sandbox', { countingProxy: true });
    return this._sandbox;
  }

  async api(): Promise<ToopherApi> {
    const { info } = await this.sandbox();
    return new ToopherApi({ consumerKey: info.consumerKey, consumerSecret: info.consumerSecret, baseUrl: info.apiUrl });
  }

  /**
   * A bench app in its own process. `counted: true` sends its Toopher calls
   * through the sandbox's counting proxy.
   */
  async app(name: string, args: Omit<ToopherAppArgs, 'apiUrl' | 'consumerKey' | 'consumerSecret'> & { counted?: boolean }): Promise<ChildServer<ToopherAppInfo>> {
    let app = this._apps.get(name);
    if (app === undefined) {
      const { info } = await this.sandbox();
      const { counted, ...rest } = args;
      app = startChild<ToopherAppInfo>('toopher-app', {
        ...rest,
        apiUrl: counted === true ? info.countedApiUrl : info.apiUrl,
        consumerKey: info.consumerKey,
        consumerSecret: info.consumerSecret,
      } satisfies ToopherAppArgs);
      this._apps.set(name, app);
    }
    return app;
  }

  /**
   * The first `count` bench users (named `<prefix><n>`), paired and with a named terminal each;
   * `automateActions` are approved with "always allow" on that terminal.
   */
  async enroll(count: number, options: { prefix?: string; automateActions?: readonly string[] } = {}): Promise<EnrolledUser[]> {
    const users = benchUsers(count, options.prefix);
    const automateActions = options.automateActions ?? [];
    const api = await this.api();
    const { info } = await this.sandbox();
    const todo = users.filter((u) => !this._enrolled.has(u.email));
    await forEachLimit(todo, 16, async (user) => {
      const terminalId = `bench-terminal-${user.id}-0000000000`;
      await enrollUser(api, { sandboxUrl: info.url, userName: user.email, terminalId, automateActions });
      this._enrolled.set(user.email, { ...user, terminalId, terminalCookie: `toopher_terminal=${signTerminalId(terminalId, BENCH_SECRET)}` });
    });
    return users.map((u) => this._enrolled.get(u.email) as EnrolledUser);
  }

  async stopAll(): Promise<void> {
    const apps = [...this._apps.values()];
    this._apps.clear();
    for (const app of apps) await (await app).stop();
    if (this._sandbox !== undefined) await (await this._sandbox).stop();
    this._sandbox = undefined;
  }
}
