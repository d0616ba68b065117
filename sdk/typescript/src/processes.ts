import { TensorBoxError } from './errors.js';
import { connectionError } from './http.js';
import type { HttpClient, RequestOpts } from './http.js';

/** A process record of the Processes API (`/v1/sandboxes/{id}/processes`). */
export interface ProcessRecord {
  /** `proc_` + 24 hex. */
  id: string;
  sandboxId: string;
  /** The argv it was started with. */
  command: string[];
  pid: number;
  /** `running`, `exited` (ended by itself), `killed` (DELETE or a signal) or `failed` (could not start). */
  state: string;
  /** The exit status, -1 when ended by a signal; undefined while running. */
  exitCode?: number;
  /** Unix seconds. */
  startedAt: number;
  /** Unix seconds; 0 while running. */
  exitedAt: number;
}

/** Options of {@link Processes.start}. */
export interface ProcessStartOpts extends RequestOpts {
  /** Extra environment: `['K=v', ...]` (as on the wire) or `{ K: 'v' }`. */
  env?: string[] | Record<string, string>;
  /** Relative to the workspace root; empty = the root. */
  cwd?: string;
}

/** Options of {@link Processes.logs}. */
export interface ProcessLogsOpts extends RequestOpts {
  /** Stream new output until the process exits (the promise resolves then). */
  follow?: boolean;
  /** With `follow`, called with each chunk as it arrives. */
  onData?: (chunk: string) => unknown;
}

interface WireProcess {
  id: string;
  sandbox_id: string;
  command: string[];
  pid: number;
  state: string;
  exit_code?: number | null;
  started_at: number;
  exited_at: number;
}

function toRecord(p: WireProcess): ProcessRecord {
  const r: ProcessRecord = {
    id: p.id,
    sandboxId: p.sandbox_id,
    command: p.command,
    pid: p.pid,
    state: p.state,
    startedAt: p.started_at,
    exitedAt: p.exited_at,
  };
  if (p.state !== 'running' && p.exit_code !== undefined && p.exit_code !== null) r.exitCode = p.exit_code;
  return r;
}

/**
 * `sandbox.processes`: the Processes API (long-running processes started from an argv, their
 * records and logs). These routes take the API key (the sandbox's access token is not accepted).
 */
export class Processes {
  /** @internal */
  constructor(private readonly http: HttpClient) {}

  /** Starts a process from an argv (`command[0]` is the executable). */
  async start(command: string[], opts: ProcessStartOpts = {}): Promise<ProcessRecord> {
    const body: Record<string, unknown> = { command };
    if (opts.env !== undefined) {
      body.env = Array.isArray(opts.env) ? opts.env : Object.entries(opts.env).map(([k, v]) => `${k}=${v}`);
    }
    if (opts.cwd !== undefined) body.cwd = opts.cwd;
    return toRecord(await this.http.json<WireProcess>('POST', '/processes', body, opts));
  }

  /** Every process of the sandbox, ended ones included. */
  async list(opts: RequestOpts = {}): Promise<ProcessRecord[]> {
    const answer = await this.http.json<{ processes: WireProcess[] }>('GET', '/processes', undefined, opts);
    return answer.processes.map(toRecord);
  }

  /** One process record. */
  async get(processId: string, opts: RequestOpts = {}): Promise<ProcessRecord> {
    return toRecord(await this.http.json<WireProcess>('GET', `/processes/${encodeURIComponent(processId)}`, undefined, opts));
  }

  /**
   * The process's log (stdout and stderr merged, the current log file). With `follow: true`,
   * streams until the process exits and resolves with everything read.
   */
  async logs(processId: string, opts: ProcessLogsOpts = {}): Promise<string> {
    const path = `/processes/${encodeURIComponent(processId)}/logs`;
    if (!opts.follow) return this.http.text('GET', path, opts);
    const { response, abort } = await this.http.open('GET', `${path}?follow=true`, { requestTimeoutMs: opts.requestTimeoutMs });
    if (response.body === null) return '';
    const decoder = new TextDecoder();
    const reader = response.body.getReader();
    let text = '';
    let callbackFailed = false;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        const chunk = done ? decoder.decode() : decoder.decode(value, { stream: true });
        if (chunk !== '') {
          text += chunk;
          if (opts.onData) {
            callbackFailed = true;
            opts.onData(chunk);
            callbackFailed = false;
          }
        }
        if (done) return text;
      }
    } catch (e) {
      if (callbackFailed || e instanceof TensorBoxError) throw e;
      throw connectionError(this.http.baseUrl + path, e);
    } finally {
      reader.releaseLock();
      abort();
    }
  }

  /** Kills a process. `true` if killed (or already exited), `false` if there is no such process. */
  async kill(processId: string, opts: RequestOpts = {}): Promise<boolean> {
    return this.http.delete(`/processes/${encodeURIComponent(processId)}`, opts);
  }
}
