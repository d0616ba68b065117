package tensorbox

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Commands runs shell commands in a sandbox through its runtime API. Get it from
// [Sandbox.Commands].
type Commands struct {
	sb *Sandbox
}

// RunOptions are the options of [Commands.Run] and [Commands.RunBackground]. Every field is
// optional: only what is set is sent, the server has the defaults.
type RunOptions struct {
	// Cwd is the working directory: absolute inside the sandbox, or relative to the workspace.
	Cwd string
	// Envs are extra environment variables.
	Envs map[string]string
	// User is the OS user running the command (the server's default: "user").
	User string
	// Timeout kills the command (and all it started) at the deadline. Zero means the server's
	// default (60 s for Run, none for RunBackground); negative means none. A command killed by
	// its timeout is a result with TimedOut set, not an error.
	Timeout time.Duration
	// Stdin is written to the command's standard input, followed by end of input.
	Stdin string
	// OnStdout is called with each chunk of standard output as it arrives. For RunBackground
	// (and Connect) it gets all output: the process stream merges stdout and stderr.
	OnStdout func(data string)
	// OnStderr is called with each chunk of standard error as it arrives (Run only).
	OnStderr func(data string)
	// RequestTimeout bounds the wait for the response headers (not the command). Zero means
	// [Config.RequestTimeout]; negative means none.
	RequestTimeout time.Duration
}

// CommandResult is the result of a command that ended.
type CommandResult struct {
	// Stdout is the standard output (for a background command: all its output).
	Stdout string
	// Stderr is the standard error (always empty for a background command).
	Stderr string
	// ExitCode is the exit status; -1 when the command was killed (timeout, signal).
	ExitCode int
	// TimedOut is true when the command was killed by its timeout (Run only).
	TimedOut bool
	// Truncated is true when the server dropped output past its cap (Run only).
	Truncated bool
	// Duration is how long the command ran, as measured by the server (Run only).
	Duration time.Duration
	// PID is the command's process id in the sandbox.
	PID int
}

// commandBody is the wire form of a command.
type commandBody struct {
	Cmd       string            `json:"cmd"`
	Cwd       string            `json:"cwd,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
	User      string            `json:"user,omitempty"`
	TimeoutMs *int64            `json:"timeoutMs,omitempty"`
	Stdin     *string           `json:"stdin,omitempty"`
}

func newCommandBody(cmd string, o *RunOptions) *commandBody {
	b := &commandBody{Cmd: cmd, Cwd: o.Cwd, Env: o.Envs, User: o.User, TimeoutMs: durationMillis(o.Timeout)}
	if o.Stdin != "" {
		stdin := o.Stdin
		b.Stdin = &stdin
	}
	return b
}

type exitWire struct {
	ExitCode   int   `json:"exit_code"`
	DurationMs int64 `json:"duration_ms"`
	TimedOut   bool  `json:"timed_out"`
	Truncated  bool  `json:"truncated"`
}

// Run runs a shell command line (pipes, &&, redirections) in the foreground and returns its
// result once it ended. Output is streamed as it is written: OnStdout and OnStderr are called
// per chunk, in order, on the calling goroutine. A non-zero exit is a result, not an error.
// Cancelling ctx closes the request, and the server then kills the command. opts may be nil.
func (c *Commands) Run(ctx context.Context, cmd string, opts *RunOptions) (*CommandResult, error) {
	if opts == nil {
		opts = &RunOptions{}
	}
	resp, err := c.sb.c.send(ctx, request{
		method:  "POST",
		url:     c.sb.runtimeURL + "/run",
		auth:    c.sb.runtimeAuth(),
		body:    newCommandBody(cmd, opts),
		accept:  "text/event-stream",
		timeout: opts.RequestTimeout,
	})
	if err != nil {
		return nil, err
	}
	if !isEventStream(resp.Header.Get("Content-Type")) {
		// A server that answers with the plain JSON result: the same result, output at once.
		defer resp.Body.Close()
		var w struct {
			Stdout string `json:"stdout"`
			Stderr string `json:"stderr"`
			exitWire
		}
		if err := json.NewDecoder(resp.Body).Decode(&w); err != nil {
			return nil, streamError(ctx, "POST /run", err)
		}
		if w.Stdout != "" && opts.OnStdout != nil {
			opts.OnStdout(w.Stdout)
		}
		if w.Stderr != "" && opts.OnStderr != nil {
			opts.OnStderr(w.Stderr)
		}
		return &CommandResult{Stdout: w.Stdout, Stderr: w.Stderr, ExitCode: w.ExitCode, TimedOut: w.TimedOut,
			Truncated: w.Truncated, Duration: time.Duration(w.DurationMs) * time.Millisecond}, nil
	}

	var (
		res            CommandResult
		stdout, stderr strings.Builder
		exited         bool
	)
	r := newSSEReader(resp.Body)
	err = r.each(func(ev sseEvent) error {
		switch ev.name {
		case "start":
			var w struct {
				PID int `json:"pid"`
			}
			if json.Unmarshal(ev.data, &w) == nil {
				res.PID = w.PID
			}
		case "stdout", "stderr":
			var chunk string
			if err := json.Unmarshal(ev.data, &chunk); err != nil {
				return fmt.Errorf("tensorbox: POST /run: invalid %s event: %w", ev.name, err)
			}
			if ev.name == "stdout" {
				stdout.WriteString(chunk)
				if opts.OnStdout != nil {
					opts.OnStdout(chunk)
				}
			} else {
				stderr.WriteString(chunk)
				if opts.OnStderr != nil {
					opts.OnStderr(chunk)
				}
			}
		case "exit":
			var w exitWire
			if err := json.Unmarshal(ev.data, &w); err != nil {
				return fmt.Errorf("tensorbox: POST /run: invalid exit event: %w", err)
			}
			res.ExitCode, res.TimedOut, res.Truncated = w.ExitCode, w.TimedOut, w.Truncated
			res.Duration = time.Duration(w.DurationMs) * time.Millisecond
			exited = true
			return errStopStream
		case "error":
			return eventError(ev.data)
		}
		return nil
	})
	if err != nil {
		resp.Body.Close()
		return nil, streamError(ctx, "POST /run", err)
	}
	if !exited {
		resp.Body.Close()
		if ctx.Err() != nil {
			return nil, streamError(ctx, "POST /run", ctx.Err())
		}
		return nil, fmt.Errorf("tensorbox: POST /run: the stream ended before the command's exit: %w", io.ErrUnexpectedEOF)
	}
	drainAndClose(resp.Body, r)
	res.Stdout, res.Stderr = stdout.String(), stderr.String()
	return &res, nil
}

// RunBackground starts a shell command line in the background and returns at once with a
// handle. The handle streams the command's output from its first byte (stdout and stderr
// merged, to OnStdout, on the handle's own goroutine) until the command ends, the handle is
// killed, or it is disconnected. ctx bounds starting the command and opening the stream only.
// If the stream cannot be opened the command is killed and the error returned. opts may be nil.
func (c *Commands) RunBackground(ctx context.Context, cmd string, opts *RunOptions) (*CommandHandle, error) {
	if opts == nil {
		opts = &RunOptions{}
	}
	var started struct {
		PID       int    `json:"pid"`
		ProcessID string `json:"process_id"`
	}
	err := c.sb.c.do(ctx, request{
		method:  "POST",
		url:     c.sb.runtimeURL + "/commands",
		auth:    c.sb.runtimeAuth(),
		body:    newCommandBody(cmd, opts),
		timeout: opts.RequestTimeout,
	}, &started)
	if err != nil {
		return nil, err
	}
	h, err := c.open(ctx, strconv.Itoa(started.PID), "?offset=0", opts.OnStdout, opts.RequestTimeout)
	if err != nil {
		kctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, _ = c.kill(kctx, started.ProcessID)
		cancel()
		return nil, err
	}
	h.PID, h.ProcessID = started.PID, started.ProcessID
	go h.consume()
	return h, nil
}

// ConnectOptions are the options of [Commands.Connect].
type ConnectOptions struct {
	// OnStdout is called with each chunk of output (stdout and stderr merged) as it arrives.
	OnStdout func(data string)
	// RequestTimeout bounds the wait for the response headers. Zero means
	// [Config.RequestTimeout]; negative means none.
	RequestTimeout time.Duration
}

// Connect returns a handle on a command that is running, streaming its output from now on
// (what it wrote before is not replayed). At most one options value is used. The handle's
// ProcessID is empty. Connecting to a command that already ended gives a handle whose Wait
// returns its exit code at once.
func (c *Commands) Connect(ctx context.Context, pid int, opts ...*ConnectOptions) (*CommandHandle, error) {
	var o ConnectOptions
	if len(opts) > 0 && opts[0] != nil {
		o = *opts[0]
	}
	h, err := c.open(ctx, strconv.Itoa(pid), "", o.OnStdout, o.RequestTimeout)
	if err != nil {
		return nil, err
	}
	h.PID = pid
	go h.consume()
	return h, nil
}

// open opens the output stream of a command. The stream outlives ctx, which bounds only the
// wait for its response headers.
func (c *Commands) open(ctx context.Context, ref, query string, onOutput func(string), timeout time.Duration) (*CommandHandle, error) {
	sctx, cancel := context.WithCancel(context.Background())
	var watchDone chan struct{}
	headers := make(chan struct{})
	if ctx.Done() != nil {
		watchDone = make(chan struct{})
		go func() {
			defer close(watchDone)
			select {
			case <-ctx.Done():
				cancel()
			case <-headers:
			}
		}()
	}
	resp, err := c.sb.c.send(sctx, request{
		method:  "GET",
		url:     c.sb.runtimeURL + "/commands/" + ref + "/stream" + query,
		auth:    c.sb.runtimeAuth(),
		accept:  "text/event-stream",
		timeout: timeout,
	})
	close(headers)
	if watchDone != nil {
		<-watchDone
	}
	if err == nil && ctx.Err() != nil && sctx.Err() != nil {
		resp.Body.Close()
		err = ctx.Err()
	}
	if err != nil {
		cancel()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("tensorbox: GET /commands/%s/stream: %w", ref, ctx.Err())
		}
		return nil, err
	}
	return &CommandHandle{
		cmds:     c,
		body:     resp.Body,
		cancel:   cancel,
		onOutput: onOutput,
		done:     make(chan struct{}),
	}, nil
}

// CommandHandle is a command running in the background, from [Commands.RunBackground] or
// [Commands.Connect]. It is safe for concurrent use.
type CommandHandle struct {
	// PID is the command's process id in the sandbox.
	PID int
	// ProcessID is the command's process record id ("proc_..."; empty after Connect).
	ProcessID string

	cmds     *Commands
	body     io.ReadCloser
	cancel   context.CancelFunc
	onOutput func(string)
	done     chan struct{}

	mu           sync.Mutex
	output       strings.Builder
	result       *CommandResult
	err          error
	disconnected bool
}

func (h *CommandHandle) consume() {
	defer close(h.done)
	r := newSSEReader(h.body)
	err := r.each(func(ev sseEvent) error {
		var m struct {
			Type     string `json:"type"`
			Data     string `json:"data"`
			ExitCode int    `json:"exit_code"`
		}
		if err := json.Unmarshal(ev.data, &m); err != nil {
			if ev.name == "output" || ev.name == "exit" {
				return fmt.Errorf("tensorbox: command stream: invalid %s event: %w", ev.name, err)
			}
			return nil // an event this SDK does not know
		}
		kind := m.Type
		if kind == "" {
			kind = ev.name
		}
		switch kind {
		case "output", "stdout", "stderr":
			h.mu.Lock()
			h.output.WriteString(m.Data)
			h.mu.Unlock()
			if h.onOutput != nil {
				h.onOutput(m.Data)
			}
		case "exit":
			h.mu.Lock()
			h.result = &CommandResult{Stdout: h.output.String(), ExitCode: m.ExitCode, PID: h.PID}
			h.mu.Unlock()
			return errStopStream
		case "error":
			return eventError(ev.data)
		}
		return nil
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.result != nil {
		go func() {
			drainAndClose(h.body, r)
			h.cancel()
		}()
		return
	}
	h.body.Close()
	h.cancel()
	switch {
	case h.disconnected:
		h.err = ErrDisconnected
	case err != nil:
		h.err = fmt.Errorf("tensorbox: command %d: output stream failed: %w", h.PID, err)
	default:
		h.err = fmt.Errorf("tensorbox: command %d: the stream ended before the command's exit: %w", h.PID, io.ErrUnexpectedEOF)
	}
}

// Wait waits until the command ends and returns its result: Stdout holds all the output the
// handle received (stdout and stderr merged), ExitCode the exit status (-1 when killed). A
// non-zero exit is a result, not an error. It returns [ErrDisconnected] when the handle was
// disconnected first, and ctx's error when ctx is done first (the handle stays usable).
func (h *CommandHandle) Wait(ctx context.Context) (*CommandResult, error) {
	select {
	case <-h.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.result != nil {
		r := *h.result
		return &r, nil
	}
	return nil, h.err
}

// Kill kills the command (and its process group). It returns true when the command was killed
// or had already ended, false when the sandbox does not know it. The handle's Wait then returns
// the result with ExitCode -1.
func (h *CommandHandle) Kill(ctx context.Context) (bool, error) {
	ref := h.ProcessID
	if ref == "" {
		ref = strconv.Itoa(h.PID)
	}
	return h.cmds.kill(ctx, ref)
}

// Disconnect closes the handle's output stream and leaves the command running. Wait then
// returns [ErrDisconnected] (unless the command had already ended). A callback running at that
// moment may still complete.
func (h *CommandHandle) Disconnect() {
	h.mu.Lock()
	if h.result == nil {
		h.disconnected = true
	}
	h.mu.Unlock()
	h.cancel()
}

// ProcessEntry is a command as listed by [Commands.List].
type ProcessEntry struct {
	// ProcessID is the process record id ("proc_...").
	ProcessID string `json:"process_id"`
	// PID is the process id in the sandbox.
	PID int `json:"pid"`
	// Cmd is the command line.
	Cmd string `json:"cmd"`
	// Status is "running", "exited", "killed" or "failed".
	Status string `json:"status"`
	// ExitCode is the exit status once the command ended; nil while it runs.
	ExitCode *int `json:"exit_code"`
}

// List returns the commands running in the sandbox.
func (c *Commands) List(ctx context.Context) ([]ProcessEntry, error) {
	return c.list(ctx, "")
}

// ListAll returns the sandbox's commands, the ones that ended included.
func (c *Commands) ListAll(ctx context.Context) ([]ProcessEntry, error) {
	return c.list(ctx, "?all=true")
}

func (c *Commands) list(ctx context.Context, query string) ([]ProcessEntry, error) {
	var out struct {
		Commands []ProcessEntry `json:"commands"`
	}
	err := c.sb.c.do(ctx, request{method: "GET", url: c.sb.runtimeURL + "/commands" + query, auth: c.sb.runtimeAuth()}, &out)
	if err != nil {
		return nil, err
	}
	if out.Commands == nil {
		out.Commands = []ProcessEntry{}
	}
	return out.Commands, nil
}

// Kill kills the command with the given pid (and its process group). It returns true when the
// command was killed or had already ended, false when the sandbox does not know the pid.
func (c *Commands) Kill(ctx context.Context, pid int) (bool, error) {
	return c.kill(ctx, strconv.Itoa(pid))
}

func (c *Commands) kill(ctx context.Context, ref string) (bool, error) {
	err := c.sb.c.do(ctx, request{method: "DELETE", url: c.sb.runtimeURL + "/commands/" + ref, auth: c.sb.runtimeAuth()}, nil)
	if err != nil {
		if ae, ok := err.(*APIError); ok && ae.Status == 404 {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// SendStdin writes data to the standard input of the command with the given pid. A command
// that has ended answers with an [ErrConflict] error.
func (c *Commands) SendStdin(ctx context.Context, pid int, data string) error {
	return c.post(ctx, pid, "/stdin", map[string]interface{}{"data": data})
}

// CloseStdin closes the standard input of the command with the given pid (end of input).
func (c *Commands) CloseStdin(ctx context.Context, pid int) error {
	return c.post(ctx, pid, "/stdin", map[string]interface{}{"eof": true})
}

// Signal sends a signal, by name ("SIGTERM", "TERM", "INT", "KILL", "HUP", "USR1", ...), to the
// command with the given pid.
func (c *Commands) Signal(ctx context.Context, pid int, signal string) error {
	return c.post(ctx, pid, "/signal", map[string]string{"signal": signal})
}

func (c *Commands) post(ctx context.Context, pid int, path string, body interface{}) error {
	return c.sb.c.do(ctx, request{
		method: "POST",
		url:    c.sb.runtimeURL + "/commands/" + strconv.Itoa(pid) + path,
		auth:   c.sb.runtimeAuth(),
		body:   body,
	}, nil)
}

func isEventStream(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && mt == "text/event-stream"
}

// streamError reports a failure while reading a stream, as ctx's error when ctx ended it.
func streamError(ctx context.Context, op string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("tensorbox: %s: %w", op, ctx.Err())
	}
	if _, ok := err.(*APIError); ok {
		return err
	}
	if strings.HasPrefix(err.Error(), "tensorbox:") {
		return err
	}
	return fmt.Errorf("tensorbox: %s: %w", op, err)
}

// eventError turns an "error" event ({"error":{"code","message"}} or {"code","message"}) into
// an *APIError.
func eventError(data []byte) error {
	var w struct {
		Error *struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	e := &APIError{}
	if json.Unmarshal(data, &w) == nil {
		if w.Error != nil {
			e.Code, e.Message = w.Error.Code, w.Error.Message
		} else {
			e.Code, e.Message = w.Code, w.Message
		}
	}
	if e.Message == "" {
		e.Message = string(data)
	}
	return e
}
