package tensorbox

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// CreateOptions are the options of [Create]. Every field is optional; the server has the
// defaults.
type CreateOptions struct {
	// Config says where the platform is and how to authenticate (empty fields: environment).
	Config
	// Template is the sandbox template; empty means the server's default ("base").
	Template string
	// Timeout is how long the sandbox lives before it is stopped; zero means the server's
	// default. It is sent in whole seconds, rounded up.
	Timeout time.Duration
	// Metadata is stored with the sandbox and returned by [Sandbox.GetInfo] and [List].
	Metadata map[string]string
	// Envs are environment variables given to every command of the sandbox.
	Envs map[string]string
}

// SandboxInfo is the record of a sandbox.
type SandboxInfo struct {
	// ID is the sandbox id ("sbx_" + 24 hex digits).
	ID string
	// Template is the name of the sandbox's template.
	Template string
	// State is "pending", "running", "stopped" or "failed".
	State string
	// CreatedAt is when the sandbox was created.
	CreatedAt time.Time
	// StartedAt is when the sandbox started running (zero if it has not).
	StartedAt time.Time
	// ExpiresAt is when the sandbox will be stopped unless its timeout is extended.
	ExpiresAt time.Time
	// Metadata is the metadata given at creation.
	Metadata map[string]string
	// RuntimeURL is the base URL of the sandbox's runtime API.
	RuntimeURL string
}

type sandboxWire struct {
	ID          string            `json:"id"`
	Template    string            `json:"template"`
	State       string            `json:"state"`
	CreatedAt   int64             `json:"created_at"`
	StartedAt   int64             `json:"started_at"`
	ExpiresAt   int64             `json:"expires_at"`
	Metadata    map[string]string `json:"metadata"`
	RuntimeURL  string            `json:"runtime_url"`
	AccessToken string            `json:"access_token"`
}

func (w *sandboxWire) info() *SandboxInfo {
	return &SandboxInfo{
		ID:         w.ID,
		Template:   w.Template,
		State:      w.State,
		CreatedAt:  unixTime(w.CreatedAt),
		StartedAt:  unixTime(w.StartedAt),
		ExpiresAt:  unixTime(w.ExpiresAt),
		Metadata:   w.Metadata,
		RuntimeURL: w.RuntimeURL,
	}
}

// Sandbox is a handle on one sandbox. It is safe for concurrent use.
type Sandbox struct {
	// ID is the sandbox id ("sbx_" + 24 hex digits).
	ID string
	// Commands runs shell commands in the sandbox (runtime API).
	Commands *Commands
	// Files reads, writes, lists and watches the sandbox's files (runtime API).
	Files *Files
	// Processes manages the sandbox's long-running processes (Processes API).
	Processes *Processes

	c           *client
	runtimeURL  string
	accessToken string
}

func newSandbox(c *client, w *sandboxWire) *Sandbox {
	s := &Sandbox{ID: w.ID, c: c, runtimeURL: strings.TrimRight(w.RuntimeURL, "/"), accessToken: w.AccessToken}
	if s.runtimeURL == "" {
		s.runtimeURL = sandboxURL(c, w.ID)
	}
	s.Commands = &Commands{sb: s}
	s.Processes = &Processes{sb: s}
	s.Files = &Files{sb: s}
	return s
}

func sandboxURL(c *client, id string) string {
	return c.apiURL + "/v1/sandboxes/" + url.PathEscape(id)
}

// Create creates a sandbox and returns it once the server has answered. opts may be nil. The
// sandbox keeps the access token the server returns and uses it for every runtime call.
func Create(ctx context.Context, opts *CreateOptions) (*Sandbox, error) {
	if opts == nil {
		opts = &CreateOptions{}
	}
	c, err := opts.Config.resolve()
	if err != nil {
		return nil, err
	}
	body := struct {
		Template       string            `json:"template,omitempty"`
		TimeoutSeconds int64             `json:"timeout_seconds,omitempty"`
		Env            map[string]string `json:"env,omitempty"`
		Metadata       map[string]string `json:"metadata,omitempty"`
	}{Template: opts.Template, TimeoutSeconds: seconds(opts.Timeout), Env: opts.Envs, Metadata: opts.Metadata}
	var w sandboxWire
	err = c.do(ctx, request{method: "POST", url: c.apiURL + "/v1/sandboxes", auth: c.keyAuth(), body: body}, &w)
	if err != nil {
		return nil, err
	}
	// On kubernetes the answer is "pending" while the pod starts: a sandbox is usable once running.
	token := w.AccessToken
	deadline := time.Now().Add(startWait)
	pause := 50 * time.Millisecond
	for w.State == "pending" {
		if time.Now().After(deadline) {
			return nil, &APIError{Status: 503, Code: "sandbox_not_started",
				Message: fmt.Sprintf("Sandbox %s is still pending after %s.", w.ID, startWait)}
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(pause):
		}
		if pause < 500*time.Millisecond {
			pause *= 2
		}
		id := w.ID
		w = sandboxWire{}
		if err := c.do(ctx, request{method: "GET", url: sandboxURL(c, id), auth: c.keyAuth()}, &w); err != nil {
			return nil, err
		}
		w.AccessToken = token
	}
	if w.State != "running" {
		return nil, &APIError{Status: 409, Code: "sandbox_not_running", Message: fmt.Sprintf("Sandbox %s is %s.", w.ID, w.State)}
	}
	return newSandbox(c, &w), nil
}

// startWait bounds how long [Create] waits for a pending sandbox (a pod being scheduled) to run.
const startWait = 120 * time.Second

// Connect returns a handle on an existing sandbox (an [ErrNotFound] error when there is none).
// The server returns a sandbox's access token only when it is created, so a connected sandbox
// uses the API key for its runtime calls. cfg may be nil.
func Connect(ctx context.Context, id string, cfg *Config) (*Sandbox, error) {
	c, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	var w sandboxWire
	if err := c.do(ctx, request{method: "GET", url: sandboxURL(c, id), auth: c.keyAuth()}, &w); err != nil {
		return nil, err
	}
	return newSandbox(c, &w), nil
}

// List returns the sandboxes of the API key's team. cfg may be nil.
func List(ctx context.Context, cfg *Config) ([]SandboxInfo, error) {
	c, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	var out struct {
		Sandboxes []sandboxWire `json:"sandboxes"`
	}
	if err := c.do(ctx, request{method: "GET", url: c.apiURL + "/v1/sandboxes", auth: c.keyAuth()}, &out); err != nil {
		return nil, err
	}
	list := make([]SandboxInfo, 0, len(out.Sandboxes))
	for i := range out.Sandboxes {
		list = append(list, *out.Sandboxes[i].info())
	}
	return list, nil
}

// Kill stops and deletes the sandbox with the given id (an [ErrNotFound] error when there is
// none). cfg may be nil.
func Kill(ctx context.Context, id string, cfg *Config) error {
	c, err := cfg.resolve()
	if err != nil {
		return err
	}
	return c.do(ctx, request{method: "DELETE", url: sandboxURL(c, id), auth: c.keyAuth()}, nil)
}

// Kill stops and deletes the sandbox.
func (s *Sandbox) Kill(ctx context.Context) error {
	return s.c.do(ctx, request{method: "DELETE", url: sandboxURL(s.c, s.ID), auth: s.c.keyAuth()}, nil)
}

// SetTimeout makes the sandbox expire d from now (sent in whole seconds, rounded up).
func (s *Sandbox) SetTimeout(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return fmt.Errorf("%w: timeout must be positive, got %s", ErrInvalidArgument, d)
	}
	body := map[string]int64{"timeout_seconds": seconds(d)}
	return s.c.do(ctx, request{method: "POST", url: sandboxURL(s.c, s.ID) + "/timeout", auth: s.c.keyAuth(), body: body}, nil)
}

// GetInfo returns the sandbox's current record.
func (s *Sandbox) GetInfo(ctx context.Context) (*SandboxInfo, error) {
	var w sandboxWire
	if err := s.c.do(ctx, request{method: "GET", url: sandboxURL(s.c, s.ID), auth: s.c.keyAuth()}, &w); err != nil {
		return nil, err
	}
	return w.info(), nil
}

// GetHost returns the host name under which a port of the sandbox is reachable:
// "{port}-{sandbox id with _ as -}.{domain}" (SPEC §6: a host name has no "_"), the domain being [Config.Domain], else TENSORBOX_DOMAIN, else
// the API URL's host name.
func (s *Sandbox) GetHost(port int) string {
	return fmt.Sprintf("%d-%s.%s", port, strings.ReplaceAll(s.ID, "_", "-"), s.c.domain)
}

// RuntimeURL returns the base URL of the sandbox's runtime API.
func (s *Sandbox) RuntimeURL() string { return s.runtimeURL }

// AccessToken returns the sandbox's access token ("sat_..."), or "" for a sandbox obtained by
// [Connect] (the server returns the token only when the sandbox is created).
func (s *Sandbox) AccessToken() string { return s.accessToken }

// runtimeAuth is the credential of runtime calls: the access token when known, else the key.
func (s *Sandbox) runtimeAuth() credential {
	if s.accessToken != "" {
		return credential{"X-Access-Token", s.accessToken}
	}
	return s.c.keyAuth()
}

func seconds(d time.Duration) int64 {
	if d <= 0 {
		return 0
	}
	return int64((d + time.Second - 1) / time.Second)
}
