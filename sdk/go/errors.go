package tensorbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors. An [*APIError] matches the sentinel of its HTTP status with errors.Is, and a
// [*TimeoutError] matches [ErrTimeout]:
//
//	if errors.Is(err, tensorbox.ErrNotFound) { ... }
var (
	// ErrInvalidArgument matches a 400 answer: the request was invalid (the message names the field).
	ErrInvalidArgument = errors.New("tensorbox: invalid argument")
	// ErrAuthentication matches a 401 answer: no credentials, or unknown or revoked ones.
	ErrAuthentication = errors.New("tensorbox: authentication failed")
	// ErrForbidden matches a 403 answer: the credentials are valid but their role is too low.
	ErrForbidden = errors.New("tensorbox: forbidden")
	// ErrNotFound matches a 404 answer: no such sandbox, process or key.
	ErrNotFound = errors.New("tensorbox: not found")
	// ErrConflict matches a 409 answer: the thing is in the wrong state (a stopped sandbox, an
	// ended process).
	ErrConflict = errors.New("tensorbox: conflict")
	// ErrTooLarge matches a 413 answer: the request body is too large.
	ErrTooLarge = errors.New("tensorbox: too large")
	// ErrRateLimit matches a 429 answer: a limit was reached.
	ErrRateLimit = errors.New("tensorbox: rate limit")
	// ErrUnavailable matches a 503 answer: the sandbox runtime is unavailable.
	ErrUnavailable = errors.New("tensorbox: unavailable")
	// ErrTimeout matches a [*TimeoutError]: the server did not answer within the request timeout.
	ErrTimeout = errors.New("tensorbox: request timeout")
	// ErrMissingAPIKey is returned when neither the configuration nor the environment holds an
	// API key.
	ErrMissingAPIKey = errors.New("tensorbox: no API key: set TENSORBOX_API_KEY (or Config.APIKey)")
	// ErrDisconnected is returned by [CommandHandle.Wait] once the handle was disconnected
	// (by [CommandHandle.Disconnect]) before the command ended; the command keeps running.
	ErrDisconnected = errors.New("tensorbox: command handle disconnected")
)

// APIError is an error answer of the TensorBox API: the HTTP status and the server's
// {"error":{"code","message"}} body. Its Error() is the server's message.
type APIError struct {
	// Status is the HTTP status code, such as 404.
	Status int
	// Code is the server's machine-readable code, such as "sandbox_not_found".
	Code string
	// Message is the server's human-readable message.
	Message string
}

// Error returns the server's message (or the status text when the answer carried none).
func (e *APIError) Error() string {
	if e.Message != "" {
		return e.Message
	}
	if e.Code != "" {
		return e.Code
	}
	return fmt.Sprintf("HTTP %d %s", e.Status, http.StatusText(e.Status))
}

// Is reports whether target is the sentinel error of e's HTTP status ([ErrNotFound] for 404,
// and so on).
func (e *APIError) Is(target error) bool {
	s := sentinelOf(e.Status)
	return s != nil && s == target
}

func sentinelOf(status int) error {
	switch status {
	case http.StatusBadRequest:
		return ErrInvalidArgument
	case http.StatusUnauthorized:
		return ErrAuthentication
	case http.StatusForbidden:
		return ErrForbidden
	case http.StatusNotFound:
		return ErrNotFound
	case http.StatusConflict:
		return ErrConflict
	case http.StatusRequestEntityTooLarge:
		return ErrTooLarge
	case http.StatusTooManyRequests:
		return ErrRateLimit
	case http.StatusServiceUnavailable:
		return ErrUnavailable
	}
	return nil
}

// TimeoutError is returned when the server sent no response headers within the request timeout
// ([Config.RequestTimeout], [RunOptions.RequestTimeout]). It matches [ErrTimeout] and
// context.DeadlineExceeded with errors.Is.
type TimeoutError struct {
	// Op is the request, such as "POST /v1/sandboxes".
	Op string
	// After is the request timeout that elapsed.
	After time.Duration
}

// Error describes the request that timed out.
func (e *TimeoutError) Error() string {
	return fmt.Sprintf("tensorbox: %s: no response within %s", e.Op, e.After)
}

// Is reports whether target is [ErrTimeout] or context.DeadlineExceeded.
func (e *TimeoutError) Is(target error) bool {
	return target == ErrTimeout || target == context.DeadlineExceeded
}

// apiErrorFrom reads an error answer (and closes its body).
func apiErrorFrom(resp *http.Response) error {
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	e := &APIError{Status: resp.StatusCode}
	var wire struct {
		Error struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &wire) == nil && (wire.Error.Code != "" || wire.Error.Message != "") {
		e.Code, e.Message = wire.Error.Code, wire.Error.Message
	} else {
		e.Message = strings.TrimSpace(string(body))
		if len(e.Message) > 500 {
			e.Message = e.Message[:500]
		}
	}
	return e
}
