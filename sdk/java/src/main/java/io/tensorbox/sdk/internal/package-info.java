/**
 * Implementation details of the SDK (HTTP transport, SSE parsing, error mapping). Not part of the
 * public API: may change in any release.
 */
package io.tensorbox.sdk.internal;
