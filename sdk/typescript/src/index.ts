/**
 * TensorBox TypeScript SDK.
 *
 * ```ts
 * import { Sandbox } from 'tensorbox';
 * const sandbox = await Sandbox.create();
 * const res = await sandbox.commands.run('python3 -c "print(1 + 1)"');
 * console.log(res.stdout); // "2\n"
 * await sandbox.kill();
 * ```
 */
export { Sandbox } from './sandbox.js';
export type { SandboxOpts, SandboxConnectOpts, SandboxListOpts, SandboxInfo, SandboxState } from './sandbox.js';
export { Commands, CommandHandle } from './commands.js';
export type {
  CommandStartOpts,
  CommandConnectOpts,
  CommandListOpts,
  CommandResult,
  OutputCallback,
  ProcessInfo,
} from './commands.js';
export { Files, WatchHandle } from './files.js';
export type {
  EntryInfo,
  FileType,
  FilesOpts,
  FilesReadOpts,
  FilesListOpts,
  FilesystemEvent,
  FilesystemEventType,
  WatchOpts,
  WriteData,
  WriteInfo,
} from './files.js';
export { Processes } from './processes.js';
export type { ProcessRecord, ProcessStartOpts, ProcessLogsOpts } from './processes.js';
export { ConnectionConfig, DEFAULT_API_URL, DEFAULT_REQUEST_TIMEOUT_MS } from './http.js';
export type { ConnectionOpts, RequestOpts } from './http.js';
export {
  TensorBoxError,
  InvalidArgumentError,
  AuthenticationError,
  ForbiddenError,
  NotFoundError,
  ConflictError,
  PayloadTooLargeError,
  RateLimitError,
  UnavailableError,
  TimeoutError,
} from './errors.js';
export { SseParser } from './sse.js';
export type { SseEvent } from './sse.js';
