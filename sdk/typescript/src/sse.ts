/** One server-sent event. */
export interface SseEvent {
  /** The `event:` field, `message` when absent. */
  event: string;
  /** The `data:` lines joined by `\n`. */
  data: string;
  /** The `id:` field, if any. */
  id?: string;
}

/**
 * An incremental parser of `text/event-stream` (WHATWG HTML, "server-sent events"): lines end with
 * CRLF, LF or CR (a CRLF split across chunks counts once), `:` starts a comment, a blank line
 * dispatches, unknown fields are ignored.
 */
export class SseParser {
  private partial = '';
  private skipLf = false;
  private eventType = '';
  private dataLines: string[] = [];
  private lastId: string | undefined;

  constructor(private readonly onEvent: (event: SseEvent) => void) {}

  /** Feeds decoded text. */
  push(chunk: string): void {
    if (chunk === '') return;
    let start = 0;
    let i = 0;
    if (this.skipLf) {
      this.skipLf = false;
      if (chunk.charCodeAt(0) === 10) start = i = 1;
    }
    const n = chunk.length;
    for (; i < n; i++) {
      const c = chunk.charCodeAt(i);
      if (c !== 10 && c !== 13) continue;
      const piece = chunk.slice(start, i);
      const line = this.partial === '' ? piece : this.partial + piece;
      this.partial = '';
      if (c === 13) {
        if (i + 1 < n) {
          if (chunk.charCodeAt(i + 1) === 10) i++;
        } else {
          this.skipLf = true;
        }
      }
      start = i + 1;
      this.line(line);
    }
    if (start < n) this.partial += chunk.slice(start);
  }

  /** The stream ended: an event still being built is dispatched if it has data. */
  end(): void {
    if (this.partial !== '') {
      const line = this.partial;
      this.partial = '';
      this.line(line);
    }
    this.line('');
  }

  private line(line: string): void {
    if (line === '') {
      if (this.dataLines.length > 0) {
        const event: SseEvent = { event: this.eventType || 'message', data: this.dataLines.join('\n') };
        if (this.lastId !== undefined) event.id = this.lastId;
        this.eventType = '';
        this.dataLines = [];
        this.onEvent(event);
      } else {
        this.eventType = '';
      }
      return;
    }
    if (line.charCodeAt(0) === 58 /* : */) return;
    const colon = line.indexOf(':');
    let field: string;
    let value: string;
    if (colon < 0) {
      field = line;
      value = '';
    } else {
      field = line.slice(0, colon);
      value = line.charCodeAt(colon + 1) === 32 ? line.slice(colon + 2) : line.slice(colon + 1);
    }
    switch (field) {
      case 'event':
        this.eventType = value;
        break;
      case 'data':
        this.dataLines.push(value);
        break;
      case 'id':
        if (!value.includes('\0')) this.lastId = value;
        break;
      default:
        // retry and unknown fields are ignored
        break;
    }
  }
}

/**
 * @internal
 * Reads a streamed body as server-sent events until it ends, calling `onEvent` for each (an
 * `onEvent` that returns a promise is awaited before the next read). When `onEvent` returns
 * `true` (the last event), later events are ignored and the rest of the body is read to its end,
 * so that the connection goes back to the keep-alive pool; a body that does not end within
 * `graceMs` after that is cancelled.
 */
export async function readSse(
  body: ReadableStream<Uint8Array>,
  onEvent: (event: SseEvent) => unknown,
  graceMs = 1000,
): Promise<void> {
  const decoder = new TextDecoder();
  const queue: SseEvent[] = [];
  const parser = new SseParser((e) => queue.push(e));
  const reader = body.getReader();
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (stopped) {
        if (done) return;
        continue;
      }
      if (done) {
        parser.push(decoder.decode());
        parser.end();
      } else {
        parser.push(decoder.decode(value, { stream: true }));
      }
      for (let k = 0; k < queue.length; k++) {
        let r = onEvent(queue[k]!);
        if (r !== undefined && r !== null && typeof (r as PromiseLike<unknown>).then === 'function') r = await r;
        if (r === true) {
          stopped = true;
          if (!done) timer = setTimeout(() => void reader.cancel().catch(() => undefined), graceMs);
          break;
        }
      }
      queue.length = 0;
      if (done) return;
    }
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    reader.releaseLock();
  }
}
