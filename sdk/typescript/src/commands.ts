import { TensorBoxError } from './errors.js';
import { connectionError } from './http.js';
import type { HttpClient, OpenResponse, RequestOpts } from './http.js';
import { readSse } from './sse.js';

/**
 * A callback that receives output as it arrives. Its return value is ignored, except that a
 * returned promise is awaited before the next chunk (so `(d) => process.stdout.write(d)` fits).
 */
export type OutputCallback = (data: string) => unknown;

/** Options of {@link Commands.run}. Only what is set is sent; the server has the defaults. */
export interface CommandStartOpts extends RequestOpts {
  /** Start in the background and return a {@link CommandHandle} at once. */
  background?: boolean;
  /** Working directory: absolute inside the sandbox, or relative to the workspace root. */
  cwd?: string;
  /** Extra environment variables. */
  envs?: Record<string, string>;
  /** The OS user to run as (default: the template's default user, `user`). */
  user?: string;
  /**
   * The command (and everything it started) is killed after this many milliseconds; the result
   * then has `timedOut: true` and `exitCode: -1`. 0 = no limit. Server default: 60 000 in the
   * foreground, none in the background.
   */
  timeoutMs?: number;
  /** Text fed to the command's stdin, followed by end of input. */
  stdin?: string;
  /** Called with each stdout chunk as it arrives (in the background: stdout and stderr merged). */
  onStdout?: OutputCallback;
  /** Called with each stderr chunk as it arrives (foreground only: background output is merged into stdout). */
  onStderr?: OutputCallback;
}

/** Options of {@link Commands.connect}. */
export interface CommandConnectOpts extends RequestOpts {
  onStdout?: OutputCallback;
  onStderr?: OutputCallback;
}

/** Options of {@link Commands.list}. */
export interface CommandListOpts extends RequestOpts {
  /** Also list the commands that ended. */
  all?: boolean;
}

/** The result of a command that ended. A non-zero exit code is a result, not an error. */
export interface CommandResult {
  /** Everything written to stdout (in the background: stdout and stderr merged, in order). */
  stdout: string;
  /** Everything written to stderr (always `''` in the background). */
  stderr: string;
  /** The exit status; -1 when killed (timeout, signal). */
  exitCode: number;
  /** True when `timeoutMs` killed the command (foreground). */
  timedOut?: boolean;
  /** Wall time of the command in milliseconds (foreground). */
  durationMs?: number;
  /** True when the server dropped output past its cap (when the server reports it). */
  truncated?: boolean;
}

/** One entry of {@link Commands.list}. */
export interface ProcessInfo {
  processId: string;
  pid: number;
  cmd: string;
  /** `running`, `exited`, `killed` or `failed`. */
  status: string;
  /** The exit code; undefined while running. */
  exitCode?: number;
}

interface WireResultExit {
  exit_code?: number;
  duration_ms?: number;
  timed_out?: boolean;
  truncated?: boolean;
}

interface WireCommand {
  process_id: string;
  pid: number;
  cmd: string;
  status: string;
  exit_code?: number | null;
}

/** Builds the wire body of a command from the options (only what the user set). */
function commandBody(cmd: string, opts: CommandStartOpts): Record<string, unknown> {
  const body: Record<string, unknown> = { cmd };
  if (opts.cwd !== undefined) body.cwd = opts.cwd;
  if (opts.envs !== undefined) body.env = opts.envs;
  if (opts.user !== undefined) body.user = opts.user;
  if (opts.timeoutMs !== undefined) body.timeoutMs = opts.timeoutMs;
  if (opts.stdin !== undefined) body.stdin = opts.stdin;
  return body;
}

/** Wraps what a user callback throws, so that it is rethrown as is (not as a stream failure). */
class CallbackFailure {
  constructor(readonly error: unknown) {}
}

function call(cb: OutputCallback | undefined, data: string): void | Promise<void> {
  if (cb === undefined) return undefined;
  try {
    const r = cb(data);
    if (r !== undefined && r !== null && typeof (r as PromiseLike<unknown>).then === 'function') {
      return Promise.resolve(r as PromiseLike<unknown>).then(() => undefined, (e: unknown) => {
        throw new CallbackFailure(e);
      });
    }
    return undefined;
  } catch (e) {
    throw new CallbackFailure(e);
  }
}

/** What a failed stream read is reported as: a callback's own error, a TensorBoxError, or a connection error. */
function streamFailure(where: string, e: unknown): unknown {
  if (e instanceof CallbackFailure) return e.error;
  if (e instanceof TensorBoxError) return e;
  if (e instanceof SyntaxError) return new TensorBoxError(`Unreadable event from ${where}: ${e.message}`, 0, 'bad_response', { cause: e });
  return connectionError(where, e);
}

function pidPath(pid: number | string): string {
  return `/commands/${encodeURIComponent(String(pid))}`;
}

/**
 * `sandbox.commands`: run shell command lines in the sandbox, in the foreground (streamed) or in
 * the background (a {@link CommandHandle}), and manage the running ones.
 */
export class Commands {
  /** @internal */
  constructor(private readonly http: HttpClient) {}

  /** @internal */
  describe(): string {
    return this.http.baseUrl;
  }

  /**
   * Runs a shell command line (`bash -l -c`; pipes, `&&` and redirections work) and waits for it
   * to end. Output is streamed: `onStdout`/`onStderr` are called as it arrives. A non-zero exit
   * code is returned in the result, not thrown.
   */
  run(cmd: string, opts?: CommandStartOpts & { background?: false }): Promise<CommandResult>;
  /** Starts a shell command line in the background and returns its handle at once. */
  run(cmd: string, opts: CommandStartOpts & { background: true }): Promise<CommandHandle>;
  run(cmd: string, opts?: CommandStartOpts): Promise<CommandResult | CommandHandle>;
  run(cmd: string, opts: CommandStartOpts = {}): Promise<CommandResult | CommandHandle> {
    return opts.background === true ? this.runBackground(cmd, opts) : this.runForeground(cmd, opts);
  }

  private async runForeground(cmd: string, opts: CommandStartOpts): Promise<CommandResult> {
    const open = await this.http.open('POST', '/run', {
      body: commandBody(cmd, opts),
      accept: 'text/event-stream',
      requestTimeoutMs: opts.requestTimeoutMs,
    });
    const body = open.response.body;
    if (body === null) throw new TensorBoxError('POST /run answered without a body.', open.response.status, 'bad_response');
    let stdout = '';
    let stderr = '';
    let exit: WireResultExit | undefined;
    const { onStdout, onStderr } = opts;
    try {
      await readSse(body, (e) => {
        switch (e.event) {
          case 'stdout': {
            const chunk = JSON.parse(e.data) as string;
            stdout += chunk;
            return call(onStdout, chunk);
          }
          case 'stderr': {
            const chunk = JSON.parse(e.data) as string;
            stderr += chunk;
            return call(onStderr, chunk);
          }
          case 'exit':
            exit = JSON.parse(e.data) as WireResultExit;
            return true;
          case 'error': {
            const err = parseStreamError(e.data);
            throw err;
          }
          default:
            return undefined;
        }
      });
    } catch (e) {
      // closing the answer stops the command (a throwing callback, a broken stream)
      open.abort();
      throw streamFailure(this.http.baseUrl + '/run', e);
    }
    if (exit === undefined) {
      throw new TensorBoxError('The command stream ended before the command did (no exit event).', 0, 'stream_ended');
    }
    const result: CommandResult = {
      stdout,
      stderr,
      exitCode: exit.exit_code ?? -1,
      timedOut: exit.timed_out ?? false,
      durationMs: exit.duration_ms ?? 0,
    };
    if (exit.truncated !== undefined) result.truncated = exit.truncated;
    return result;
  }

  private async runBackground(cmd: string, opts: CommandStartOpts): Promise<CommandHandle> {
    const started = await this.http.json<{ pid: number; process_id: string }>('POST', '/commands', commandBody(cmd, opts), opts);
    return this.attach(started.pid, started.process_id, '?offset=0', opts);
  }

  /**
   * A handle on a command that is already running, streaming its output from now on (`onStdout`
   * gets stdout and stderr merged). `pid` is the pid or the process id.
   */
  async connect(pid: number | string, opts: CommandConnectOpts = {}): Promise<CommandHandle> {
    return this.attach(pid, undefined, '', opts);
  }

  private async attach(
    pid: number | string,
    processId: string | undefined,
    query: string,
    opts: CommandConnectOpts,
  ): Promise<CommandHandle> {
    const open = await this.http.open('GET', `${pidPath(pid)}/stream${query}`, {
      accept: 'text/event-stream',
      requestTimeoutMs: opts.requestTimeoutMs,
    });
    let id = processId;
    let numericPid = typeof pid === 'number' ? pid : Number.NaN;
    if (id === undefined || Number.isNaN(numericPid)) {
      // connect() by pid or process id: learn the other one from the list
      const all = await this.list({ all: true, requestTimeoutMs: opts.requestTimeoutMs }).catch(() => []);
      const found = all.find((p) => p.pid === pid || p.processId === pid);
      if (found) {
        id = found.processId;
        numericPid = found.pid;
      }
    }
    return new CommandHandle(numericPid, id ?? String(pid), this, open, opts.onStdout, opts.onStderr);
  }

  /** The running commands (`{ all: true }`: the ended ones too). */
  async list(opts: CommandListOpts = {}): Promise<ProcessInfo[]> {
    const answer = await this.http.json<{ commands: WireCommand[] }>('GET', opts.all ? '/commands?all=true' : '/commands', undefined, opts);
    return answer.commands.map((c) => {
      const info: ProcessInfo = { processId: c.process_id, pid: c.pid, cmd: c.cmd, status: c.status };
      if (c.exit_code !== undefined && c.exit_code !== null && c.status !== 'running') info.exitCode = c.exit_code;
      return info;
    });
  }

  /** Kills a command and everything it started. `true` if it was killed (or had ended), `false` if unknown. */
  async kill(pid: number | string, opts: RequestOpts = {}): Promise<boolean> {
    return this.http.delete(pidPath(pid), opts);
  }

  /** Writes to a command's stdin. A command that ended is a {@link ConflictError}. */
  async sendStdin(pid: number | string, data: string, opts: RequestOpts = {}): Promise<void> {
    await this.http.json('POST', `${pidPath(pid)}/stdin`, { data }, opts);
  }

  /** Closes a command's stdin (end of input). */
  async closeStdin(pid: number | string, opts: RequestOpts = {}): Promise<void> {
    await this.http.json('POST', `${pidPath(pid)}/stdin`, { eof: true }, opts);
  }

  /** Sends a signal (`SIGTERM`, `SIGINT`, `SIGKILL`, `SIGHUP`, ...; the `SIG` prefix is optional). */
  async sendSignal(pid: number | string, signal: string, opts: RequestOpts = {}): Promise<void> {
    await this.http.json('POST', `${pidPath(pid)}/signal`, { signal }, opts);
  }
}

function parseStreamError(data: string): TensorBoxError {
  try {
    const parsed = JSON.parse(data) as { code?: string; message?: string; error?: { code?: string; message?: string } };
    const err = parsed.error ?? parsed;
    return new TensorBoxError(err.message ?? data, 0, err.code ?? 'stream_error');
  } catch {
    return new TensorBoxError(data, 0, 'stream_error');
  }
}

type Outcome = { result: CommandResult } | { error: unknown };

/**
 * A command running in the background. Its output is read from the moment the handle exists
 * (from the start for `run(..., { background: true })`); `wait()` gives the result once it ends.
 */
export class CommandHandle {
  /** The command's pid in the sandbox. */
  readonly pid: number;
  /** The command's process id (`proc_...`), also usable with `sandbox.processes`. */
  readonly processId: string;
  private out = '';
  private exit: number | undefined;
  private disconnected = false;
  private readonly outcome: Promise<Outcome>;

  /** @internal */
  constructor(
    pid: number,
    processId: string,
    private readonly commands: Commands,
    private readonly stream: OpenResponse,
    private readonly onStdout: OutputCallback | undefined,
    onStderr: OutputCallback | undefined,
  ) {
    this.pid = pid;
    this.processId = processId;
    void onStderr; // background output is merged: every chunk goes to onStdout
    this.outcome = this.read();
  }

  /** The output received so far (stdout and stderr merged). */
  get stdout(): string {
    return this.out;
  }

  /** Always `''`: background output arrives merged in `stdout`. */
  get stderr(): string {
    return '';
  }

  /** The exit code once the command ended, else undefined. */
  get exitCode(): number | undefined {
    return this.exit;
  }

  private async read(): Promise<Outcome> {
    const body = this.stream.response.body;
    if (body === null) return { error: new TensorBoxError('The output stream has no body.', 0, 'bad_response') };
    try {
      await readSse(body, (e) => {
        if (e.event === 'error') throw parseStreamError(e.data);
        if (e.event !== 'output' && e.event !== 'exit' && e.event !== 'message') return undefined;
        const msg = JSON.parse(e.data) as { type?: string; data?: string; exit_code?: number };
        if (msg.type === 'output' && typeof msg.data === 'string') {
          this.out += msg.data;
          return call(this.onStdout, msg.data);
        }
        if (msg.type === 'exit') {
          this.exit = msg.exit_code ?? -1;
          return true;
        }
        return undefined;
      });
    } catch (e) {
      this.stream.abort();
      if (this.disconnected) return { error: disconnectedError() };
      return { error: streamFailure(`${this.commands.describe()} output stream of ${this.processId}`, e) };
    }
    if (this.exit === undefined) {
      if (this.disconnected) return { error: disconnectedError() };
      return { error: new TensorBoxError('The output stream ended before the command did (no exit event).', 0, 'stream_ended') };
    }
    return { result: { stdout: this.out, stderr: '', exitCode: this.exit } };
  }

  /**
   * Waits for the command to end and returns `{ stdout, stderr: '', exitCode }` (a non-zero exit
   * code is a result, not an error). Rejects if the handle was disconnected first.
   */
  async wait(): Promise<CommandResult> {
    const o = await this.outcome;
    if ('error' in o) throw o.error;
    return o.result;
  }

  /** Kills the command. `true` if it was killed (or had ended), `false` if the server does not know it. */
  async kill(opts: RequestOpts = {}): Promise<boolean> {
    return this.commands.kill(this.processId.startsWith('proc_') ? this.processId : this.pid, opts);
  }

  /** Stops receiving output; the command keeps running (reattach with `commands.connect(pid)`). */
  disconnect(): void {
    if (this.exit !== undefined) return;
    this.disconnected = true;
    this.stream.abort();
  }
}

function disconnectedError(): TensorBoxError {
  return new TensorBoxError('The handle was disconnected before the command ended; use commands.connect(pid) to reattach.', 0, 'disconnected');
}
