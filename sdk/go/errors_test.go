package tensorbox_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tensorbox "tensorbox.io/sdk/go"
)

// rawJSON calls the platform without the SDK (to check the SDK against the server's own answers).
func rawJSON(t *testing.T, method, path string, body interface{}) (int, map[string]interface{}) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, strings.TrimRight(os.Getenv("TENSORBOX_API_URL"), "/")+path, rd)
	req.Header.Set("Authorization", "Bearer "+os.Getenv("TENSORBOX_API_KEY"))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]interface{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestMissingAPIKey(t *testing.T) {
	t.Setenv("TENSORBOX_API_KEY", "")
	_, err := tensorbox.Create(context.Background(), nil)
	if !errors.Is(err, tensorbox.ErrMissingAPIKey) || !strings.Contains(err.Error(), "TENSORBOX_API_KEY") {
		t.Errorf("err = %v", err)
	}
	if _, err := tensorbox.List(context.Background(), nil); !errors.Is(err, tensorbox.ErrMissingAPIKey) {
		t.Errorf("List: %v", err)
	}
}

func TestBadKeyIsAnAuthenticationErrorWithTheServerMessage(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	badKey := "ask_0000000000000000_notasecret"
	_, err := tensorbox.Create(ctx, &tensorbox.CreateOptions{Config: tensorbox.Config{APIKey: badKey}})
	var ae *tensorbox.APIError
	if !errors.Is(err, tensorbox.ErrAuthentication) || !errors.As(err, &ae) {
		t.Fatalf("err = %v, want an authentication *APIError", err)
	}
	// The same request without the SDK: the SDK's error carries the server's message.
	req, _ := http.NewRequest("POST", strings.TrimRight(os.Getenv("TENSORBOX_API_URL"), "/")+"/v1/sandboxes", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+badKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err2 := http.DefaultClient.Do(req)
	if err2 != nil {
		t.Fatal(err2)
	}
	defer resp.Body.Close()
	var wire struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&wire)
	if ae.Status != 401 || ae.Code != wire.Error.Code || ae.Message != wire.Error.Message || ae.Message == "" ||
		err.Error() != wire.Error.Message {
		t.Errorf("APIError %+v (%q), server said %d %+v", ae, err.Error(), resp.StatusCode, wire.Error)
	}
	if errors.Is(err, tensorbox.ErrNotFound) {
		t.Error("a 401 matches ErrNotFound")
	}
}

func TestUnknownSandboxIsNotFound(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	const id = "sbx_000000000000000000000000"
	_, err := tensorbox.Connect(ctx, id, nil)
	var ae *tensorbox.APIError
	if !errors.Is(err, tensorbox.ErrNotFound) || !errors.As(err, &ae) || ae.Status != 404 || !strings.Contains(ae.Message, id) {
		t.Errorf("Connect(unknown) = %v", err)
	}
	if err := tensorbox.Kill(ctx, id, nil); !errors.Is(err, tensorbox.ErrNotFound) {
		t.Errorf("Kill(unknown) = %v", err)
	}
}

func TestInvalidArguments(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	_, err := shared.Commands.Run(ctx, "true", &tensorbox.RunOptions{Cwd: uniq("no-such-dir")})
	var ae *tensorbox.APIError
	if !errors.Is(err, tensorbox.ErrInvalidArgument) || !errors.As(err, &ae) || !strings.Contains(ae.Message, "cwd") {
		t.Errorf("bad cwd: %v", err)
	}
	// a foreground run checks the user on both runtimes; a background one only on local (kubernetes
	// accepts it and the command then fails in the sandbox)
	_, err = shared.Commands.Run(ctx, "true", &tensorbox.RunOptions{User: "no-such-user-xyz"})
	if !errors.Is(err, tensorbox.ErrInvalidArgument) {
		t.Errorf("bad user: %v", err)
	}
	_, err = shared.Processes.Start(ctx, []string{"true"}, &tensorbox.StartOptions{Env: []string{"NOEQUALS"}})
	if !errors.Is(err, tensorbox.ErrInvalidArgument) {
		t.Errorf("bad env: %v", err)
	}
	if err := shared.SetTimeout(ctx, 0); !errors.Is(err, tensorbox.ErrInvalidArgument) {
		t.Errorf("SetTimeout(0): %v", err)
	}
}

func TestViewerKeyIsForbiddenToCreate(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	status, key := rawJSON(t, "POST", "/v1/api-keys", map[string]string{"name": uniq("sdk-go-viewer"), "role": "viewer"})
	if status != 201 {
		t.Fatalf("creating a viewer key: %d %v", status, key)
	}
	t.Cleanup(func() { rawJSON(t, "DELETE", fmt.Sprintf("/v1/api-keys/%v", key["id"]), nil) })
	cfg := tensorbox.Config{APIKey: key["key"].(string)}
	_, err := tensorbox.Create(ctx, &tensorbox.CreateOptions{Config: cfg})
	var ae *tensorbox.APIError
	if !errors.Is(err, tensorbox.ErrForbidden) || !errors.As(err, &ae) || ae.Status != 403 || ae.Message == "" {
		t.Errorf("viewer Create: %v", err)
	}
	if _, err := tensorbox.List(ctx, &cfg); err != nil {
		t.Errorf("viewer List: %v", err)
	}
}

// fakePlatform answers GET /v1/sandboxes/sbx_fake with a sandbox whose runtime is the fake
// itself, and everything else with handler.
func fakePlatform(t *testing.T, handler http.HandlerFunc) (*tensorbox.Sandbox, *httptest.Server) {
	t.Helper()
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" && r.URL.Path == "/v1/sandboxes/sbx_fake" {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":"sbx_fake","state":"running","runtime_url":"%s/v1/sandboxes/sbx_fake"}`, srv.URL)
			return
		}
		handler(w, r)
	}))
	t.Cleanup(srv.Close)
	sb, err := tensorbox.Connect(context.Background(), "sbx_fake", &tensorbox.Config{APIURL: srv.URL, APIKey: "ask_fake_fake"})
	if err != nil {
		t.Fatal(err)
	}
	return sb, srv
}

func TestStatusesMapToSentinels(t *testing.T) {
	t.Parallel()
	cases := map[int]error{
		400: tensorbox.ErrInvalidArgument, 401: tensorbox.ErrAuthentication, 403: tensorbox.ErrForbidden,
		404: tensorbox.ErrNotFound, 409: tensorbox.ErrConflict, 413: tensorbox.ErrTooLarge,
		429: tensorbox.ErrRateLimit, 503: tensorbox.ErrUnavailable,
	}
	var status atomic.Int32
	sb, _ := fakePlatform(t, func(w http.ResponseWriter, r *http.Request) {
		s := status.Load()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(int(s))
		fmt.Fprintf(w, `{"error":{"code":"code_%d","message":"message %d"}}`, s, s)
	})
	for s, sentinel := range cases {
		status.Store(int32(s))
		_, err := sb.Commands.Run(context.Background(), "true", nil)
		var ae *tensorbox.APIError
		if !errors.Is(err, sentinel) || !errors.As(err, &ae) || ae.Status != s ||
			ae.Code != fmt.Sprintf("code_%d", s) || err.Error() != fmt.Sprintf("message %d", s) {
			t.Errorf("status %d: %#v", s, err)
		}
		for other, o := range cases {
			if other != s && errors.Is(err, o) {
				t.Errorf("status %d also matches %v", s, o)
			}
		}
	}
}

func TestRequestTimeout(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	sb, _ := fakePlatform(t, func(w http.ResponseWriter, r *http.Request) {
		select { // no headers until the client gives up
		case <-r.Context().Done():
		case <-release:
		}
	})
	defer close(release)
	start := time.Now()
	_, err := sb.Commands.Run(context.Background(), "true", &tensorbox.RunOptions{RequestTimeout: 200 * time.Millisecond})
	var te *tensorbox.TimeoutError
	if !errors.Is(err, tensorbox.ErrTimeout) || !errors.Is(err, context.DeadlineExceeded) || !errors.As(err, &te) {
		t.Fatalf("err = %v, want a TimeoutError", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("took %s", took)
	}
	_, err = sb.Commands.RunBackground(context.Background(), "true", &tensorbox.RunOptions{RequestTimeout: 100 * time.Millisecond})
	if !errors.Is(err, tensorbox.ErrTimeout) {
		t.Errorf("RunBackground: %v", err)
	}
	// The config's RequestTimeout applies to every call.
	_, err = tensorbox.Connect(context.Background(), "sbx_slow",
		&tensorbox.Config{APIURL: sb.RuntimeURL()[:strings.Index(sb.RuntimeURL(), "/v1/")], APIKey: "ask_x_y", RequestTimeout: 100 * time.Millisecond})
	if !errors.Is(err, tensorbox.ErrTimeout) {
		t.Errorf("Connect: %v", err)
	}
}
