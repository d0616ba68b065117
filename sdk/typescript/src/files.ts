import { NotFoundError, TensorBoxError } from './errors.js';
import { connectionError } from './http.js';
import type { HttpClient, OpenResponse, RequestOpts } from './http.js';
import { readSse } from './sse.js';

/** `file`, `dir` or `symlink`. */
export type FileType = 'file' | 'dir' | 'symlink';

/** A file, directory or symlink in the sandbox (`files.getInfo`, `files.list`, `files.makeDir`, `files.rename`). */
export interface EntryInfo {
  /** The last path element. */
  name: string;
  /** Absolute path inside the sandbox. */
  path: string;
  type: FileType;
  /** Size in bytes. */
  size: number;
  /** Permission bits as an octal string, e.g. `"0644"`. */
  mode: string;
  /** `ls -l` style, e.g. `"-rw-r--r--"`. */
  permissions: string;
  owner: string;
  group: string;
  /** Last modification time. */
  modifiedAt: Date;
  /** Where a symlink points; undefined for other entries. */
  symlinkTarget?: string;
}

/** What {@link Files.write} wrote. */
export interface WriteInfo {
  /** The last path element. */
  name: string;
  /** Absolute path inside the sandbox. */
  path: string;
  type: 'file';
  /** Bytes written. */
  size: number;
}

/** The kinds of change {@link Files.watchDir} reports. */
export type FilesystemEventType = 'created' | 'written' | 'removed' | 'renamed';

/** One change seen by {@link Files.watchDir}. */
export interface FilesystemEvent {
  type: FilesystemEventType;
  /** Absolute path of what changed. */
  path: string;
  /** The path relative to the watched directory (as E2B's `name`). */
  name: string;
  /** What changed: `file`, `dir` or `symlink`. */
  entryType: FileType;
}

/** Options shared by the file calls. */
export interface FilesOpts extends RequestOpts {
  /** The OS user whose rights apply (default: the template's default user, as for commands). */
  user?: string;
}

/** Options of {@link Files.read}. */
export interface FilesReadOpts extends FilesOpts {
  /** `text` (default, UTF-8), `bytes` (Uint8Array), `blob` or `stream` (a ReadableStream, nothing buffered). */
  format?: 'text' | 'bytes' | 'blob' | 'stream';
}

/** Options of {@link Files.list}. */
export interface FilesListOpts extends FilesOpts {
  /** 1 (default) = the directory's children; up to 10 levels. */
  depth?: number;
}

/** Options of {@link Files.watchDir}. */
export interface WatchOpts extends FilesOpts {
  /** Also watch the subdirectories. */
  recursive?: boolean;
  /** Called once when the watch ends: with no argument after {@link WatchHandle.stop}, else with the reason. */
  onExit?: (err?: Error) => void;
}

/** Data {@link Files.write} accepts. A stream (or a Blob backed by a file) is sent as it is read. */
export type WriteData = string | ArrayBuffer | ArrayBufferView | Blob | ReadableStream<Uint8Array>;

interface WireEntry {
  name?: unknown;
  path?: unknown;
  type?: unknown;
  size?: unknown;
  mode?: unknown;
  permissions?: unknown;
  owner?: unknown;
  group?: unknown;
  modified_at?: unknown;
  symlink_target?: unknown;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

function fileType(v: unknown): FileType {
  return v === 'dir' || v === 'symlink' ? v : 'file';
}

function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  const i = trimmed.lastIndexOf('/');
  return i < 0 ? trimmed : trimmed.slice(i + 1);
}

/** @internal An entry as the server sends it, checked field by field (it comes from inside the sandbox). */
export function toEntry(w: WireEntry): EntryInfo {
  if (w === null || typeof w !== 'object' || typeof w.path !== 'string') {
    throw new TensorBoxError(`Unexpected file entry: ${JSON.stringify(w)?.slice(0, 200)}`, 0, 'bad_response');
  }
  const path = w.path;
  const entry: EntryInfo = {
    name: typeof w.name === 'string' ? w.name : baseName(path),
    path,
    type: fileType(w.type),
    size: num(w.size),
    mode: str(w.mode),
    permissions: str(w.permissions),
    owner: str(w.owner),
    group: str(w.group),
    modifiedAt: new Date(typeof w.modified_at === 'string' ? w.modified_at : 0),
  };
  if (typeof w.symlink_target === 'string') entry.symlinkTarget = w.symlink_target;
  return entry;
}

function query(params: Record<string, string | number | boolean | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) q.set(k, String(v));
  const s = q.toString();
  return s === '' ? '' : `?${s}`;
}

function checkPath(path: string, what = 'path'): void {
  if (typeof path !== 'string' || path === '') {
    throw new TensorBoxError(`${what} must be a non-empty string.`, 0, 'invalid_request');
  }
}

function rawBody(data: WriteData): Uint8Array | Blob | ReadableStream<Uint8Array> {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof ReadableStream || data instanceof Blob || data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw new TensorBoxError('write: data must be a string, bytes, a Blob or a ReadableStream.', 0, 'invalid_request');
}

/**
 * `sandbox.files`: read, write, list and watch the sandbox's files (`/files` of the runtime API).
 * Paths are absolute inside the sandbox or relative to the workspace; the rights are those of the
 * command `user`.
 */
export class Files {
  /** @internal */
  constructor(private readonly http: HttpClient) {}

  /** Reads a file as UTF-8 text. */
  read(path: string, opts?: FilesReadOpts & { format?: 'text' }): Promise<string>;
  /** Reads a file's bytes. */
  read(path: string, opts: FilesReadOpts & { format: 'bytes' }): Promise<Uint8Array>;
  /** Reads a file as a Blob. */
  read(path: string, opts: FilesReadOpts & { format: 'blob' }): Promise<Blob>;
  /**
   * Opens a file as a stream: the promise resolves once the file was found, and the bytes are read
   * from the sandbox as the stream is consumed (cancel it to stop early).
   */
  read(path: string, opts: FilesReadOpts & { format: 'stream' }): Promise<ReadableStream<Uint8Array>>;
  async read(path: string, opts: FilesReadOpts = {}): Promise<string | Uint8Array | Blob | ReadableStream<Uint8Array>> {
    checkPath(path);
    const route = `/files${query({ path, user: opts.user })}`;
    const open = await this.http.open('GET', route, { accept: 'application/octet-stream', requestTimeoutMs: opts.requestTimeoutMs });
    const response = open.response;
    try {
      switch (opts.format ?? 'text') {
        case 'stream':
          return response.body ?? new Blob([]).stream();
        case 'bytes':
          return new Uint8Array(await response.arrayBuffer());
        case 'blob':
          return await response.blob();
        case 'text':
          return await response.text();
        default:
          open.abort();
          throw new TensorBoxError(`read: unknown format '${String(opts.format)}' (text, bytes, blob or stream).`, 0, 'invalid_request');
      }
    } catch (e) {
      if (e instanceof TensorBoxError) throw e;
      throw connectionError(this.http.baseUrl + route, e);
    }
  }

  /**
   * Writes a file (parents are created, an existing file is replaced). A ReadableStream is sent as
   * it is read, so a large file never sits in memory. The request timeout bounds the whole upload
   * and is off unless `requestTimeoutMs` is given.
   */
  async write(path: string, data: WriteData, opts: FilesOpts = {}): Promise<WriteInfo> {
    checkPath(path);
    const { response } = await this.http.open('PUT', `/files${query({ path, user: opts.user })}`, {
      rawBody: rawBody(data),
      requestTimeoutMs: opts.requestTimeoutMs ?? 0,
    });
    const answer = (await response.json().catch(() => ({}))) as { path?: unknown; size?: unknown };
    const written = typeof answer.path === 'string' ? answer.path : path;
    return { name: baseName(written), path: written, type: 'file', size: num(answer.size) };
  }

  /** The entries under a directory, sorted by path (`depth` 1 = its children). */
  async list(path: string, opts: FilesListOpts = {}): Promise<EntryInfo[]> {
    checkPath(path);
    const answer = await this.http.json<{ entries?: unknown }>(
      'GET',
      `/files/list${query({ path, depth: opts.depth, user: opts.user })}`,
      undefined,
      opts,
    );
    if (!answer || !Array.isArray(answer.entries)) {
      throw new TensorBoxError('files.list: the answer has no entries.', 0, 'bad_response');
    }
    return answer.entries.map((e) => toEntry(e as WireEntry));
  }

  /** Whether a file, directory or symlink exists at `path`. */
  async exists(path: string, opts: FilesOpts = {}): Promise<boolean> {
    try {
      await this.getInfo(path, opts);
      return true;
    } catch (e) {
      // a missing path (not a missing sandbox)
      if (e instanceof NotFoundError && e.code !== 'sandbox_not_found') return false;
      throw e;
    }
  }

  /** The entry at `path` (a {@link NotFoundError} when there is none). */
  async getInfo(path: string, opts: FilesOpts = {}): Promise<EntryInfo> {
    checkPath(path);
    return toEntry(await this.http.json<WireEntry>('GET', `/files/stat${query({ path, user: opts.user })}`, undefined, opts));
  }

  /**
   * Creates a directory and its parents: `true` when created, `false` when it already was a
   * directory (a {@link ConflictError} when something else is there).
   */
  async makeDir(path: string, opts: FilesOpts = {}): Promise<boolean> {
    checkPath(path);
    const body: Record<string, string> = { path };
    if (opts.user !== undefined) body.user = opts.user;
    const { response } = await this.http.open('POST', '/files/mkdir', { body, requestTimeoutMs: opts.requestTimeoutMs });
    await response.text().catch(() => ''); // read to the end: the connection goes back to the pool
    return response.status === 201;
  }

  /** Moves or renames a file or directory (parents of `newPath` are created); the entry at its new path. */
  async rename(oldPath: string, newPath: string, opts: FilesOpts = {}): Promise<EntryInfo> {
    checkPath(oldPath, 'oldPath');
    checkPath(newPath, 'newPath');
    const body: Record<string, string> = { from: oldPath, to: newPath };
    if (opts.user !== undefined) body.user = opts.user;
    return toEntry(await this.http.json<WireEntry>('POST', '/files/move', body, opts));
  }

  /** Removes a file or a directory with its contents (a {@link NotFoundError} when missing). */
  async remove(path: string, opts: FilesOpts = {}): Promise<void> {
    checkPath(path);
    await this.http.json('DELETE', `/files${query({ path, user: opts.user })}`, undefined, opts);
  }

  /**
   * Watches a directory: resolves once the watch is armed (every change after that is reported),
   * then calls `onEvent` for each change until {@link WatchHandle.stop}.
   */
  async watchDir(path: string, onEvent: (event: FilesystemEvent) => unknown, opts: WatchOpts = {}): Promise<WatchHandle> {
    checkPath(path);
    const open = await this.http.open('GET', `/files/watch${query({ path, recursive: opts.recursive ?? false, user: opts.user })}`, {
      accept: 'text/event-stream',
      requestTimeoutMs: opts.requestTimeoutMs,
    });
    const handle = new WatchHandle(open, path, this.http.baseUrl, onEvent, opts.onExit);
    const timeoutMs = opts.requestTimeoutMs ?? this.http.requestTimeoutMs;
    await handle.armed(timeoutMs);
    return handle;
  }
}

/** Wraps what the user's onEvent throws, so that it ends the watch as is. */
class CallbackFailure {
  constructor(readonly error: unknown) {}
}

/** A running {@link Files.watchDir}; `stop()` ends it. */
export class WatchHandle {
  private stopped = false;
  private readyResolve!: () => void;
  private readyReject!: (e: unknown) => void;
  private readonly ready: Promise<void>;
  private readonly finished: Promise<void>;
  private root = '';

  /** @internal */
  constructor(
    private readonly stream: OpenResponse,
    private readonly watched: string,
    private readonly where: string,
    private readonly onEvent: (event: FilesystemEvent) => unknown,
    private readonly onExit: ((err?: Error) => void) | undefined,
  ) {
    this.ready = new Promise<void>((resolve, reject) => {
      this.readyResolve = resolve;
      this.readyReject = reject;
    });
    this.ready.catch(() => undefined);
    this.finished = this.pump();
  }

  /** @internal Waits for the `ready` event. */
  async armed(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      if (timeoutMs > 0) {
        timer = setTimeout(
          () => reject(new TensorBoxError(`The watch of ${this.watched} was not armed within ${timeoutMs} ms.`, 0, 'request_timeout')),
          timeoutMs,
        );
      }
    });
    try {
      await Promise.race([this.ready, timeout]);
    } catch (e) {
      this.stop();
      throw e;
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  private async pump(): Promise<void> {
    const body = this.stream.response.body;
    let failure: Error | undefined;
    if (body === null) {
      failure = new TensorBoxError('The watch stream has no body.', 0, 'bad_response');
    } else {
      try {
        await readSse(body, async (e) => {
          if (e.event === 'ready') {
            const armed = JSON.parse(e.data || '{}') as { path?: unknown };
            if (typeof armed.path === 'string') this.root = armed.path;
            this.readyResolve();
            return undefined;
          }
          if (e.event === 'error') {
            const parsed = JSON.parse(e.data) as { code?: string; message?: string; error?: { code?: string; message?: string } };
            const err = parsed.error ?? parsed;
            throw new TensorBoxError(err.message ?? e.data, 0, err.code ?? 'stream_error');
          }
          if (e.event !== 'created' && e.event !== 'written' && e.event !== 'removed' && e.event !== 'renamed') return undefined;
          if (this.stopped) return true;
          const w = JSON.parse(e.data) as { type?: unknown; path?: unknown; entry_type?: unknown };
          if (typeof w.path !== 'string') return undefined;
          const type = (typeof w.type === 'string' ? w.type : e.event) as FilesystemEventType;
          try {
            await this.onEvent({ type, path: w.path, name: this.relative(w.path), entryType: fileType(w.entry_type) });
          } catch (err) {
            throw new CallbackFailure(err);
          }
          return undefined;
        });
      } catch (e) {
        if (!this.stopped) {
          if (e instanceof CallbackFailure) failure = e.error instanceof Error ? e.error : new Error(String(e.error));
          else if (e instanceof TensorBoxError) failure = e;
          else if (e instanceof SyntaxError) failure = new TensorBoxError(`Unreadable watch event: ${e.message}`, 0, 'bad_response', { cause: e });
          else failure = connectionError(`${this.where}/files/watch`, e);
        }
      }
      if (failure === undefined && !this.stopped) {
        failure = new TensorBoxError(`The watch of ${this.watched} ended.`, 0, 'stream_ended');
      }
    }
    this.stream.abort();
    this.readyReject(failure ?? new TensorBoxError('The watch was stopped.', 0, 'stopped'));
    try {
      this.onExit?.(failure);
    } catch {
      // the user's callback
    }
  }

  private relative(path: string): string {
    let root = this.root;
    if (root === '') {
      // the absolute path of the watched directory is not in the stream: a relative watched path
      // is matched at the end of the directory part
      const w = this.watched.replace(/\/+$/, '');
      if (w.startsWith('/')) root = w;
      else {
        const i = path.indexOf(`/${w}/`);
        if (i >= 0) root = path.slice(0, i + w.length + 1);
      }
    }
    if (root !== '' && path.startsWith(`${root}/`)) return path.slice(root.length + 1);
    return baseName(path);
  }

  /** Stops watching (closes the stream, which ends the watch in the sandbox). */
  async stop(): Promise<void> {
    if (!this.stopped) {
      this.stopped = true;
      this.stream.abort();
    }
    await this.finished;
  }
}
