package tensorbox

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"
)

// DefaultAPIURL is the API URL used when neither [Config.APIURL] nor TENSORBOX_API_URL is set.
const DefaultAPIURL = "http://localhost:8080"

// DefaultRequestTimeout bounds how long a call waits for the server's response headers when
// [Config.RequestTimeout] is zero.
const DefaultRequestTimeout = 30 * time.Second

// Config says where the platform is and how to authenticate. The zero value (or a nil *Config)
// takes everything from the environment.
type Config struct {
	// APIURL is the TensorBox API URL; empty means TENSORBOX_API_URL, else [DefaultAPIURL].
	APIURL string
	// APIKey is the API key ("ask_..."); empty means TENSORBOX_API_KEY. Required.
	APIKey string
	// Domain is the domain of sandbox hosts returned by [Sandbox.GetHost]; empty means
	// TENSORBOX_DOMAIN, else the host name of the API URL.
	Domain string
	// RequestTimeout bounds the wait for the response headers of each call (not the life of a
	// command or a stream). Zero means [DefaultRequestTimeout]; negative means no bound.
	// A call that times out returns a [*TimeoutError].
	RequestTimeout time.Duration
	// HTTPClient is the client used for every request; nil means a shared client that keeps
	// connections alive. Its Timeout should be zero, or it would cut long streams.
	HTTPClient *http.Client
}

var defaultHTTPClient = func() *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConns = 256
	t.MaxIdleConnsPerHost = 64
	return &http.Client{Transport: t}
}()

// client is a resolved Config.
type client struct {
	apiURL         string
	apiKey         string
	domain         string
	requestTimeout time.Duration
	http           *http.Client
}

func (c *Config) resolve() (*client, error) {
	var cfg Config
	if c != nil {
		cfg = *c
	}
	r := &client{
		apiURL:         firstNonEmpty(cfg.APIURL, os.Getenv("TENSORBOX_API_URL"), DefaultAPIURL),
		apiKey:         firstNonEmpty(cfg.APIKey, os.Getenv("TENSORBOX_API_KEY")),
		requestTimeout: cfg.RequestTimeout,
		http:           cfg.HTTPClient,
	}
	r.apiURL = strings.TrimRight(r.apiURL, "/")
	u, err := url.Parse(r.apiURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("tensorbox: invalid API URL %q: want http(s)://host[:port]", r.apiURL)
	}
	if r.apiKey == "" {
		return nil, ErrMissingAPIKey
	}
	r.domain = firstNonEmpty(cfg.Domain, os.Getenv("TENSORBOX_DOMAIN"), u.Hostname())
	if r.requestTimeout == 0 {
		r.requestTimeout = DefaultRequestTimeout
	}
	if r.http == nil {
		r.http = defaultHTTPClient
	}
	return r, nil
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

// credential is one authentication header.
type credential struct{ name, value string }

func (c *client) keyAuth() credential {
	return credential{"Authorization", "Bearer " + c.apiKey}
}

// request is one HTTP call.
type request struct {
	method  string
	url     string
	auth    credential
	body    interface{} // JSON-encoded when not nil
	raw     io.Reader   // sent as application/octet-stream when not nil (instead of body)
	accept  string
	timeout time.Duration // response-header bound: 0 = the client's, < 0 = none
}

func (r *request) op() string {
	p := r.url
	if u, err := url.Parse(r.url); err == nil {
		p = u.Path
	}
	return r.method + " " + p
}

// send performs r and returns a 2xx answer, whose body the caller must close; any other answer
// is turned into an *APIError. The request timeout bounds only the wait for the headers.
func (c *client) send(ctx context.Context, r request) (*http.Response, error) {
	var body io.Reader
	if r.raw != nil {
		body = r.raw
	} else if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return nil, fmt.Errorf("tensorbox: %s: %w", r.op(), err)
		}
		body = bytes.NewReader(b)
	}
	rctx, cancel := context.WithCancel(ctx)
	req, err := http.NewRequestWithContext(rctx, r.method, r.url, body)
	if err != nil {
		cancel()
		return nil, fmt.Errorf("tensorbox: %s: %w", r.op(), err)
	}
	if r.raw != nil {
		req.Header.Set("Content-Type", "application/octet-stream")
	} else if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if r.accept != "" {
		req.Header.Set("Accept", r.accept)
	} else {
		req.Header.Set("Accept", "application/json")
	}
	req.Header.Set(r.auth.name, r.auth.value)
	req.Header.Set("User-Agent", "tensorbox-go")

	timeout := r.timeout
	if timeout == 0 {
		timeout = c.requestTimeout
	}
	var timedOut atomic.Bool
	var timer *time.Timer
	if timeout > 0 {
		timer = time.AfterFunc(timeout, func() {
			timedOut.Store(true)
			cancel()
		})
	}
	resp, err := c.http.Do(req)
	if timer != nil {
		timer.Stop()
	}
	if err != nil || timedOut.Load() {
		if resp != nil {
			resp.Body.Close()
		}
		cancel()
		if timedOut.Load() {
			return nil, &TimeoutError{Op: r.op(), After: timeout}
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("tensorbox: %s: %w", r.op(), ctx.Err())
		}
		return nil, fmt.Errorf("tensorbox: %s: %w", r.op(), err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		err := apiErrorFrom(resp)
		cancel()
		return nil, err
	}
	resp.Body = &cancelOnClose{ReadCloser: resp.Body, cancel: cancel}
	return resp, nil
}

// cancelOnClose releases the request's context when the body is closed.
type cancelOnClose struct {
	io.ReadCloser
	cancel context.CancelFunc
}

func (b *cancelOnClose) Close() error {
	err := b.ReadCloser.Close()
	b.cancel()
	return err
}

// do performs r and decodes a JSON answer into out (when out is not nil).
func (c *client) do(ctx context.Context, r request, out interface{}) error {
	resp, err := c.send(ctx, r)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
		return nil
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("tensorbox: %s: %w", r.op(), ctx.Err())
		}
		return fmt.Errorf("tensorbox: %s: invalid answer: %w", r.op(), err)
	}
	return nil
}

func unixTime(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0)
}

// durationMillis converts a timeout option: 0 = unset (nil), negative = "none" (0).
func durationMillis(d time.Duration) *int64 {
	if d == 0 {
		return nil
	}
	ms := int64(0)
	if d > 0 {
		ms = int64((d + time.Millisecond - 1) / time.Millisecond)
	}
	return &ms
}
