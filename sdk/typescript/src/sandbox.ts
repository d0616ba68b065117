import { Commands } from './commands.js';
import { TensorBoxError } from './errors.js';
import { Files } from './files.js';
import { ConnectionConfig, HttpClient } from './http.js';
import type { ConnectionOpts, RequestOpts } from './http.js';
import { Processes } from './processes.js';

/** `pending` → `running` → `stopped`, or `failed`. */
export type SandboxState = 'pending' | 'running' | 'stopped' | 'failed';

/** Options of {@link Sandbox.create}. Only what is set is sent; the server has the defaults. */
export interface SandboxOpts extends ConnectionOpts {
  /** Template name (default `base`). */
  template?: string;
  /** Lifetime in milliseconds (sent as whole seconds, rounded up); the sandbox stops after it. */
  timeoutMs?: number;
  /** Free-form string metadata kept with the sandbox. */
  metadata?: Record<string, string>;
  /** Environment variables of every command in the sandbox. */
  envs?: Record<string, string>;
  /** How long create waits for a `pending` sandbox to become `running` (default 120 000 ms). */
  startTimeoutMs?: number;
}

/** Options of {@link Sandbox.connect}. */
export interface SandboxConnectOpts extends ConnectionOpts {
  /**
   * The sandbox's access token (`sat_...`) if you kept it from create; without it the runtime
   * calls use the API key.
   */
  accessToken?: string;
}

/** Options of {@link Sandbox.list}. */
export interface SandboxListOpts extends ConnectionOpts {
  /** Only sandboxes in this state. */
  state?: SandboxState;
}

/** A sandbox record. */
export interface SandboxInfo {
  sandboxId: string;
  template: string;
  state: SandboxState;
  metadata: Record<string, string>;
  createdAt: Date;
  /** When it became `running`; undefined while pending. */
  startedAt?: Date;
  /** When it will be stopped unless its timeout is changed. */
  expiresAt: Date;
  /** Base URL of its runtime API. */
  runtimeUrl: string;
}

interface WireSandbox {
  id: string;
  template: string;
  state: SandboxState;
  created_at: number;
  started_at?: number | null;
  expires_at: number;
  metadata?: Record<string, string> | null;
  runtime_url?: string;
  access_token?: string;
}

function toInfo(w: WireSandbox, apiUrl: string): SandboxInfo {
  const info: SandboxInfo = {
    sandboxId: w.id,
    template: w.template,
    state: w.state,
    metadata: w.metadata ?? {},
    createdAt: new Date(w.created_at * 1000),
    expiresAt: new Date(w.expires_at * 1000),
    runtimeUrl: w.runtime_url ?? `${apiUrl}/v1/sandboxes/${w.id}`,
  };
  if (w.started_at) info.startedAt = new Date(w.started_at * 1000);
  return info;
}

function controlClient(config: ConnectionConfig): HttpClient {
  return new HttpClient(config.apiUrl, { authorization: `Bearer ${config.apiKey}` }, config.requestTimeoutMs);
}

function sandboxPath(id: string): string {
  return `/v1/sandboxes/${encodeURIComponent(id)}`;
}

function toSeconds(ms: number): number {
  return Math.max(0, Math.ceil(ms / 1000));
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A TensorBox sandbox: a disposable Linux environment. Create one with {@link Sandbox.create} or
 * attach to an existing one with {@link Sandbox.connect}; run commands with `sandbox.commands`, use its files with `sandbox.files`.
 */
export class Sandbox {
  /** The sandbox id (`sbx_...`). */
  readonly sandboxId: string;
  /** Run and manage shell commands (runtime API). */
  readonly commands: Commands;
  /** Read, write, list and watch the sandbox's files (runtime API). */
  readonly files: Files;
  /** The Processes API: processes started from an argv, their records and logs. */
  readonly processes: Processes;
  /** The resolved connection settings. */
  readonly connectionConfig: ConnectionConfig;
  /** Base URL of the sandbox's runtime API. */
  readonly runtimeUrl: string;
  private readonly control: HttpClient;

  /** Use {@link Sandbox.create} or {@link Sandbox.connect}. */
  protected constructor(sandboxId: string, runtimeUrl: string, accessToken: string | undefined, config: ConnectionConfig) {
    this.sandboxId = sandboxId;
    this.runtimeUrl = runtimeUrl.replace(/\/+$/, '');
    this.connectionConfig = config;
    this.control = controlClient(config);
    const runtimeAuth: Record<string, string> = accessToken
      ? { 'x-access-token': accessToken }
      : { authorization: `Bearer ${config.apiKey}` };
    const runtime = new HttpClient(this.runtimeUrl, runtimeAuth, config.requestTimeoutMs);
    this.commands = new Commands(runtime);
    this.files = new Files(runtime);
    // the Processes API takes the API key only
    this.processes = new Processes(new HttpClient(`${config.apiUrl}${sandboxPath(sandboxId)}`, { authorization: `Bearer ${config.apiKey}` }, config.requestTimeoutMs));
  }

  /** Same as {@link sandboxId}. */
  get id(): string {
    return this.sandboxId;
  }

  /**
   * Creates a sandbox and waits until it runs. Runtime calls then use its access token.
   * `Sandbox.create('base', opts)` is the same as `Sandbox.create({ template: 'base', ...opts })`.
   */
  static async create(opts?: SandboxOpts): Promise<Sandbox>;
  static async create(template: string, opts?: SandboxOpts): Promise<Sandbox>;
  static async create(templateOrOpts?: string | SandboxOpts, maybeOpts?: SandboxOpts): Promise<Sandbox> {
    const opts: SandboxOpts =
      typeof templateOrOpts === 'string' ? { ...maybeOpts, template: templateOrOpts } : { ...templateOrOpts };
    const config = new ConnectionConfig(opts);
    const control = controlClient(config);
    const body: Record<string, unknown> = {};
    if (opts.template !== undefined) body.template = opts.template;
    if (opts.timeoutMs !== undefined) body.timeout_seconds = toSeconds(opts.timeoutMs);
    if (opts.envs !== undefined) body.env = opts.envs;
    if (opts.metadata !== undefined) body.metadata = opts.metadata;
    const created = await control.json<WireSandbox>('POST', '/v1/sandboxes', body);
    const sandbox = new Sandbox(created.id, created.runtime_url ?? `${config.apiUrl}${sandboxPath(created.id)}`, created.access_token, config);
    if (created.state !== 'running') await sandbox.waitRunning(created.state, opts.startTimeoutMs ?? 120_000);
    return sandbox;
  }

  private async waitRunning(state: SandboxState, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let delay = 50;
    for (;;) {
      if (state === 'running') return;
      if (state !== 'pending') {
        throw new TensorBoxError(`Sandbox ${this.sandboxId} is ${state}, not running.`, 0, 'sandbox_not_running');
      }
      if (Date.now() >= deadline) {
        throw new TensorBoxError(`Sandbox ${this.sandboxId} was still pending after ${timeoutMs} ms.`, 0, 'sandbox_start_timeout');
      }
      await sleep(delay);
      delay = Math.min(delay * 2, 1000);
      state = (await this.control.json<WireSandbox>('GET', sandboxPath(this.sandboxId))).state;
    }
  }

  /**
   * Attaches to an existing sandbox (checking that it exists). The server gives the access token
   * only to create, so runtime calls use the API key unless `accessToken` is passed.
   */
  static async connect(sandboxId: string, opts: SandboxConnectOpts = {}): Promise<Sandbox> {
    const config = new ConnectionConfig(opts);
    const w = await controlClient(config).json<WireSandbox>('GET', sandboxPath(sandboxId));
    return new Sandbox(w.id, w.runtime_url ?? `${config.apiUrl}${sandboxPath(w.id)}`, opts.accessToken, config);
  }

  /** The sandboxes of the key's team (optionally only those in one state). */
  static async list(opts: SandboxListOpts = {}): Promise<SandboxInfo[]> {
    const config = new ConnectionConfig(opts);
    const path = opts.state ? `/v1/sandboxes?state=${encodeURIComponent(opts.state)}` : '/v1/sandboxes';
    const answer = await controlClient(config).json<{ sandboxes: WireSandbox[] }>('GET', path);
    return answer.sandboxes.map((w) => toInfo(w, config.apiUrl));
  }

  /** Stops and deletes a sandbox. `true` if it was killed, `false` if there is no such sandbox. */
  static async kill(sandboxId: string, opts: ConnectionOpts = {}): Promise<boolean> {
    return controlClient(new ConnectionConfig(opts)).delete(sandboxPath(sandboxId));
  }

  /** A sandbox's record. */
  static async getInfo(sandboxId: string, opts: ConnectionOpts = {}): Promise<SandboxInfo> {
    const config = new ConnectionConfig(opts);
    return toInfo(await controlClient(config).json<WireSandbox>('GET', sandboxPath(sandboxId)), config.apiUrl);
  }

  /** Sets a sandbox's remaining lifetime, counted from now (whole seconds, rounded up). */
  static async setTimeout(sandboxId: string, timeoutMs: number, opts: ConnectionOpts = {}): Promise<void> {
    await controlClient(new ConnectionConfig(opts)).json('POST', `${sandboxPath(sandboxId)}/timeout`, {
      timeout_seconds: toSeconds(timeoutMs),
    });
  }

  /** Stops and deletes this sandbox (a sandbox already gone is not an error). */
  async kill(opts: RequestOpts = {}): Promise<void> {
    await this.control.delete(sandboxPath(this.sandboxId), opts);
  }

  /** Sets the remaining lifetime, counted from now (whole seconds, rounded up). */
  async setTimeout(timeoutMs: number, opts: RequestOpts = {}): Promise<void> {
    await this.control.json('POST', `${sandboxPath(this.sandboxId)}/timeout`, { timeout_seconds: toSeconds(timeoutMs) }, opts);
  }

  /** This sandbox's record. */
  async getInfo(opts: RequestOpts = {}): Promise<SandboxInfo> {
    return toInfo(await this.control.json<WireSandbox>('GET', sandboxPath(this.sandboxId), undefined, opts), this.connectionConfig.apiUrl);
  }

  /** True while the sandbox is `running`. */
  async isRunning(opts: RequestOpts = {}): Promise<boolean> {
    return (await this.getInfo(opts)).state === 'running';
  }

  /**
   * The host name of a port's preview URL: `{port}-{sandbox id with _ as -}.{domain}`, e.g.
   * `3000-sbx-5f0c....localhost`; the domain is the `domain` option, else `TENSORBOX_DOMAIN`,
   * else the API URL's host name.
   */
  getHost(port: number): string {
    return `${port}-${this.sandboxId.replace(/_/g, '-')}.${this.connectionConfig.domain}`;
  }
}
