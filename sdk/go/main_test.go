package tensorbox_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	tensorbox "tensorbox.io/sdk/go"
)

// These tests run against a running TensorBox platform named by TENSORBOX_API_URL and
// TENSORBOX_API_KEY (an admin key: one test creates a viewer key). Each test file uses the
// shared sandbox below or creates its own, and deletes what it creates.

// shared is a sandbox most tests run their commands in; TestMain deletes it.
var shared *tensorbox.Sandbox

func TestMain(m *testing.M) {
	if os.Getenv("TENSORBOX_API_URL") == "" || os.Getenv("TENSORBOX_API_KEY") == "" {
		fmt.Fprintln(os.Stderr, "FAIL: these tests run against a TensorBox platform: set TENSORBOX_API_URL "+
			"(such as http://localhost:8080) and TENSORBOX_API_KEY (an admin key, ask_...)")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	var err error
	shared, err = tensorbox.Create(ctx, &tensorbox.CreateOptions{
		Timeout:  5 * time.Minute,
		Metadata: map[string]string{"purpose": "sdk-go-test"},
	})
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot create a sandbox on %s: %v\n", os.Getenv("TENSORBOX_API_URL"), err)
		os.Exit(2)
	}
	code := m.Run()
	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	if err := shared.Kill(ctx); err != nil {
		fmt.Fprintf(os.Stderr, "cannot delete the shared sandbox %s: %v\n", shared.ID, err)
		if code == 0 {
			code = 1
		}
	}
	cancel()
	os.Exit(code)
}

// testCtx is a context for one test, bounded so a hung call fails the test instead of the run.
func testCtx(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// uniq returns a file or directory name no other test uses.
func uniq(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + "-" + hex.EncodeToString(b)
}

// eventually polls cond every 20 ms until it holds or d elapsed.
func eventually(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// mustRun runs a helper command in the shared sandbox and fails the test unless it exits 0.
func mustRun(t *testing.T, sb *tensorbox.Sandbox, cmd string) string {
	t.Helper()
	res, err := sb.Commands.Run(context.Background(), cmd, nil)
	if err != nil {
		t.Fatalf("run %q: %v", cmd, err)
	}
	if res.ExitCode != 0 {
		t.Fatalf("run %q: exit %d, stderr %q", cmd, res.ExitCode, res.Stderr)
	}
	return res.Stdout
}

// recorder collects callback chunks from any goroutine and signals when a text has arrived.
type recorder struct {
	mu     sync.Mutex
	chunks []string
}

func (r *recorder) add(s string) {
	r.mu.Lock()
	r.chunks = append(r.chunks, s)
	r.mu.Unlock()
}

func (r *recorder) text() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.chunks, "")
}

func (r *recorder) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.chunks)
}
