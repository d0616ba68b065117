import { Sandbox } from 'tensorbox';

const url = process.env.TENSORBOX_API_URL;
const key = process.env.TENSORBOX_API_KEY;
if (!url || !key) {
  throw new Error(
    'These tests need a running TensorBox: set TENSORBOX_API_URL (e.g. http://localhost:8080) and TENSORBOX_API_KEY (an admin or developer key).',
  );
}

export const API_URL: string = url;
export const API_KEY: string = key;

/** Every sandbox a test file creates, killed by {@link killAll} in its teardown. */
const created: Sandbox[] = [];

/** A fresh sandbox (short lifetime, so a crashed run does not leave it behind for long). */
export async function newSandbox(metadata: Record<string, string> = {}): Promise<Sandbox> {
  const sandbox = await Sandbox.create({ timeoutMs: 180_000, metadata: { suite: 'sdk-typescript', ...metadata } });
  created.push(sandbox);
  return sandbox;
}

export async function killAll(): Promise<void> {
  await Promise.all(created.splice(0).map((s) => s.kill().catch(() => undefined)));
}

/** Polls `check` until it returns a truthy value or the deadline passes (then throws `what`). */
export async function until<T>(what: string, check: () => T | Promise<T>, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let delay = 10;
  for (;;) {
    const v = await check();
    if (v) return v as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(delay * 2, 100);
  }
}

/** A promise with its resolve function, to wait for a callback. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (v: T) => void } {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Rejects if `p` does not settle within `ms` (so a hanging call fails the test instead of the run). */
export async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
