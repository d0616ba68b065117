/**
 * Errors thrown by the SDK. Every error is a {@link TensorBoxError}; the subclass tells the kind.
 * `message` is the server's own message (`{"error":{"code","message"}}`), `code` its code and
 * `status` the HTTP status (0 when no response was received).
 */
export class TensorBoxError extends Error {
  /** HTTP status of the answer, or 0 when there was none (timeout, connection failure). */
  readonly status: number;
  /** The server's error code (e.g. `sandbox_not_found`), or an SDK code such as `request_timeout`. */
  readonly code: string;

  constructor(message: string, status = 0, code = 'error', options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.status = status;
    this.code = code;
  }
}

/** 400: invalid input; the message names the field. */
export class InvalidArgumentError extends TensorBoxError {}
/** 401: no or bad credentials (also thrown when no API key is configured). */
export class AuthenticationError extends TensorBoxError {}
/** 403: the credentials may not do this (role too low, or the access token on a Bearer-only route). */
export class ForbiddenError extends TensorBoxError {}
/** 404: no such sandbox, process or key (a sandbox of another team is also a 404). */
export class NotFoundError extends TensorBoxError {}
/** 409: wrong state (sandbox not running, stdin of an ended process, ...). */
export class ConflictError extends TensorBoxError {}
/** 413: a body or value too large. */
export class PayloadTooLargeError extends TensorBoxError {}
/** 429: over a limit. */
export class RateLimitError extends TensorBoxError {}
/** 503: the runtime is unavailable. */
export class UnavailableError extends TensorBoxError {}
/** The response headers did not arrive within `requestTimeoutMs`. */
export class TimeoutError extends TensorBoxError {}

/** Builds the typed error for an HTTP status, code and message. */
export function errorForStatus(status: number, code: string, message: string): TensorBoxError {
  switch (status) {
    case 400:
      return new InvalidArgumentError(message, status, code);
    case 401:
      return new AuthenticationError(message, status, code);
    case 403:
      return new ForbiddenError(message, status, code);
    case 404:
      return new NotFoundError(message, status, code);
    case 409:
      return new ConflictError(message, status, code);
    case 413:
      return new PayloadTooLargeError(message, status, code);
    case 429:
      return new RateLimitError(message, status, code);
    case 503:
      return new UnavailableError(message, status, code);
    default:
      return new TensorBoxError(message, status, code);
  }
}
