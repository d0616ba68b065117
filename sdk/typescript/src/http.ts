import { AuthenticationError, TensorBoxError, TimeoutError, errorForStatus } from './errors.js';

/** Where and how to reach TensorBox. Every field falls back to an environment variable. */
export interface ConnectionOpts {
  /** Base URL of the API; default env `TENSORBOX_API_URL`, else `http://localhost:8080`. */
  apiUrl?: string;
  /** API key (`ask_...`); default env `TENSORBOX_API_KEY`. Required. */
  apiKey?: string;
  /** Preview domain for {@link Sandbox.getHost}; default env `TENSORBOX_DOMAIN`, else the API URL's host name. */
  domain?: string;
  /**
   * Bound, in milliseconds, on getting an answer's headers (default 30 000; 0 = none).
   * For streamed calls (`commands.run`, handles) it does not bound the command itself.
   */
  requestTimeoutMs?: number;
}

/** Per-call options shared by every method. */
export interface RequestOpts {
  /** Overrides the connection's `requestTimeoutMs` for this call. */
  requestTimeoutMs?: number;
}

export const DEFAULT_API_URL = 'http://localhost:8080';
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/** The resolved connection settings (options, else environment, else defaults). */
export class ConnectionConfig {
  readonly apiUrl: string;
  readonly apiKey: string;
  readonly domain: string;
  readonly requestTimeoutMs: number;

  constructor(opts: ConnectionOpts = {}) {
    const env = process.env;
    const apiUrl = opts.apiUrl ?? nonEmpty(env.TENSORBOX_API_URL) ?? DEFAULT_API_URL;
    this.apiUrl = apiUrl.replace(/\/+$/, '');
    const apiKey = opts.apiKey ?? nonEmpty(env.TENSORBOX_API_KEY);
    if (!apiKey) {
      throw new AuthenticationError(
        'No API key: set the TENSORBOX_API_KEY environment variable or pass the apiKey option.',
        0,
        'missing_api_key',
      );
    }
    this.apiKey = apiKey;
    this.domain = opts.domain ?? nonEmpty(env.TENSORBOX_DOMAIN) ?? hostName(this.apiUrl);
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function hostName(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    throw new TensorBoxError(`Invalid API URL '${url}'.`, 0, 'invalid_api_url');
  }
}

interface SendOpts {
  /** A JSON body. */
  body?: unknown;
  /** A raw body (bytes, a Blob or a stream), sent as `application/octet-stream`; instead of `body`. */
  rawBody?: Uint8Array | Blob | ReadableStream<Uint8Array>;
  accept?: string;
  requestTimeoutMs?: number | undefined;
}

/** @internal An answer whose headers arrived; `abort()` closes it (and stops its body). */
export interface OpenResponse {
  response: Response;
  abort: () => void;
}

/**
 * @internal
 * A small JSON-over-HTTP client bound to a base URL and one set of credentials. Uses the global
 * fetch of Node 20 (undici, keep-alive connections).
 */
export class HttpClient {
  private readonly jsonHeaders: Record<string, string>;
  private readonly plainHeaders: Record<string, string>;

  constructor(
    readonly baseUrl: string,
    authHeaders: Record<string, string>,
    readonly requestTimeoutMs: number,
  ) {
    this.plainHeaders = { ...authHeaders };
    this.jsonHeaders = { ...authHeaders, 'content-type': 'application/json' };
  }

  /**
   * Sends a request and resolves once the headers arrived with a 2xx status; any other status is
   * thrown as the typed error built from the server's `{"error":{code,message}}`.
   * The request timeout stops at the headers.
   */
  async open(method: string, path: string, opts: SendOpts = {}): Promise<OpenResponse> {
    const url = this.baseUrl + path;
    const controller = new AbortController();
    const timeoutMs = opts.requestTimeoutMs ?? this.requestTimeoutMs;
    let timedOut = false;
    const timer =
      timeoutMs > 0
        ? setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, timeoutMs)
        : undefined;
    const raw = opts.rawBody;
    const base =
      raw !== undefined
        ? { ...this.plainHeaders, 'content-type': 'application/octet-stream' }
        : opts.body === undefined
          ? this.plainHeaders
          : this.jsonHeaders;
    const headers = opts.accept ? { ...base, accept: opts.accept } : base;
    const init: RequestInit & { duplex?: 'half' } = {
      method,
      headers,
      body: raw !== undefined ? raw : opts.body === undefined ? undefined : JSON.stringify(opts.body),
      signal: controller.signal,
    };
    // a stream is sent as it is read (chunked): fetch wants to be told the request is half duplex
    if (raw instanceof ReadableStream) init.duplex = 'half';
    let response: Response;
    try {
      response = await fetch(url, init);
    } catch (e) {
      if (timedOut) {
        throw new TimeoutError(
          `No answer from TensorBox within ${timeoutMs} ms (${method} ${url}); raise requestTimeoutMs if needed.`,
          0,
          'request_timeout',
          { cause: e },
        );
      }
      throw connectionError(url, e);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
    if (!response.ok) {
      throw await readError(response);
    }
    return { response, abort: () => controller.abort() };
  }

  /** A request whose answer is JSON (or empty: 204 resolves to undefined). */
  async json<T>(method: string, path: string, body?: unknown, opts: RequestOpts = {}): Promise<T> {
    const { response } = await this.open(method, path, { body, requestTimeoutMs: opts.requestTimeoutMs });
    if (response.status === 204) return undefined as T;
    const text = await readBody(response, this.baseUrl + path);
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new TensorBoxError(`Unexpected answer from ${method} ${path}: ${text.slice(0, 200)}`, response.status, 'bad_response', {
        cause: e,
      });
    }
  }

  /** A request whose answer is plain text. */
  async text(method: string, path: string, opts: RequestOpts = {}): Promise<string> {
    const { response } = await this.open(method, path, { requestTimeoutMs: opts.requestTimeoutMs });
    return readBody(response, this.baseUrl + path);
  }

  /** A request that answers 204 (or any 2xx whose body is ignored); `true` on success, `false` on 404. */
  async delete(path: string, opts: RequestOpts = {}): Promise<boolean> {
    try {
      const { response } = await this.open('DELETE', path, { requestTimeoutMs: opts.requestTimeoutMs });
      await response.body?.cancel();
      return true;
    } catch (e) {
      if (e instanceof TensorBoxError && e.status === 404) return false;
      throw e;
    }
  }
}

async function readBody(response: Response, url: string): Promise<string> {
  try {
    return await response.text();
  } catch (e) {
    throw connectionError(url, e);
  }
}

/** @internal */
export function connectionError(url: string, e: unknown): TensorBoxError {
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : e instanceof Error ? e.message : String(e);
  return new TensorBoxError(`Cannot reach TensorBox at ${url}: ${cause}`, 0, 'connection_error', { cause: e });
}

async function readError(response: Response): Promise<TensorBoxError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // the body is optional for an error
  }
  let code = `http_${response.status}`;
  let message = text.trim() || `HTTP ${response.status} ${response.statusText}`.trim();
  try {
    const parsed = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (parsed && typeof parsed.error === 'object' && parsed.error !== null) {
      if (typeof parsed.error.code === 'string') code = parsed.error.code;
      if (typeof parsed.error.message === 'string') message = parsed.error.message;
    }
  } catch {
    // not JSON: keep the text as the message
  }
  return errorForStatus(response.status, code, message);
}
