package tensorbox

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"time"
)

// Processes manages a sandbox's long-running processes (dev servers, test runners) through the
// Processes API; every call uses the API key. Get it from [Sandbox.Processes].
type Processes struct {
	sb *Sandbox
}

// StartOptions are the options of [Processes.Start].
type StartOptions struct {
	// Env are extra environment variables, each "KEY=value".
	Env []string
	// Cwd is the working directory relative to the workspace root; empty means the root.
	Cwd string
}

// Process is the record of a process.
type Process struct {
	// ID is the process id ("proc_" + 24 hex digits).
	ID string
	// SandboxID is the id of the process's sandbox.
	SandboxID string
	// Command is the process's argv.
	Command []string
	// PID is the process id in the sandbox.
	PID int
	// State is "running", "exited" (ended by itself), "killed" (by a kill or a signal) or
	// "failed" (could not start).
	State string
	// ExitCode is the exit status; -1 when ended by a signal; undefined while running.
	ExitCode int
	// StartedAt is when the process started.
	StartedAt time.Time
	// ExitedAt is when the process ended; zero while it runs.
	ExitedAt time.Time
}

type processWire struct {
	ID        string   `json:"id"`
	SandboxID string   `json:"sandbox_id"`
	Command   []string `json:"command"`
	PID       int      `json:"pid"`
	State     string   `json:"state"`
	ExitCode  int      `json:"exit_code"`
	StartedAt int64    `json:"started_at"`
	ExitedAt  int64    `json:"exited_at"`
}

func (w *processWire) process() *Process {
	return &Process{ID: w.ID, SandboxID: w.SandboxID, Command: w.Command, PID: w.PID, State: w.State,
		ExitCode: w.ExitCode, StartedAt: unixTime(w.StartedAt), ExitedAt: unixTime(w.ExitedAt)}
}

func (p *Processes) url(id string) string {
	u := sandboxURL(p.sb.c, p.sb.ID) + "/processes"
	if id != "" {
		u += "/" + url.PathEscape(id)
	}
	return u
}

// Start starts a long-running process; command is its argv (command[0] is the executable).
// opts may be nil.
func (p *Processes) Start(ctx context.Context, command []string, opts *StartOptions) (*Process, error) {
	if opts == nil {
		opts = &StartOptions{}
	}
	body := struct {
		Command []string `json:"command"`
		Env     []string `json:"env,omitempty"`
		Cwd     string   `json:"cwd,omitempty"`
	}{command, opts.Env, opts.Cwd}
	var w processWire
	if err := p.sb.c.do(ctx, request{method: "POST", url: p.url(""), auth: p.sb.c.keyAuth(), body: body}, &w); err != nil {
		return nil, err
	}
	return w.process(), nil
}

// List returns the sandbox's processes, the ended ones included.
func (p *Processes) List(ctx context.Context) ([]Process, error) {
	var out struct {
		Processes []processWire `json:"processes"`
	}
	if err := p.sb.c.do(ctx, request{method: "GET", url: p.url(""), auth: p.sb.c.keyAuth()}, &out); err != nil {
		return nil, err
	}
	list := make([]Process, 0, len(out.Processes))
	for i := range out.Processes {
		list = append(list, *out.Processes[i].process())
	}
	return list, nil
}

// Get returns the record of one process (an [ErrNotFound] error when there is none).
func (p *Processes) Get(ctx context.Context, id string) (*Process, error) {
	var w processWire
	if err := p.sb.c.do(ctx, request{method: "GET", url: p.url(id), auth: p.sb.c.keyAuth()}, &w); err != nil {
		return nil, err
	}
	return w.process(), nil
}

// Logs returns the process's output so far (stdout and stderr merged, the current log file).
func (p *Processes) Logs(ctx context.Context, id string) (string, error) {
	resp, err := p.sb.c.send(ctx, request{method: "GET", url: p.url(id) + "/logs", auth: p.sb.c.keyAuth(), accept: "text/plain"})
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", streamError(ctx, "GET /logs", err)
	}
	return string(b), nil
}

// FollowLogs calls onData with the process's log, from its start, and then with new output as
// it is written, until the process ends (nil) or ctx is done (ctx's error).
func (p *Processes) FollowLogs(ctx context.Context, id string, onData func(data string)) error {
	resp, err := p.sb.c.send(ctx, request{method: "GET", url: p.url(id) + "/logs?follow=true", auth: p.sb.c.keyAuth(), accept: "text/plain"})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 && onData != nil {
			onData(string(buf[:n]))
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return streamError(ctx, fmt.Sprintf("GET /processes/%s/logs", id), err)
		}
	}
}

// Kill kills the process. A process that has already ended is not an error; an unknown one
// is an [ErrNotFound] error.
func (p *Processes) Kill(ctx context.Context, id string) error {
	return p.sb.c.do(ctx, request{method: "DELETE", url: p.url(id), auth: p.sb.c.keyAuth()}, nil)
}
