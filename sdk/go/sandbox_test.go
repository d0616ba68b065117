package tensorbox_test

import (
	"errors"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	tensorbox "tensorbox.io/sdk/go"
)

func TestSandboxLifecycle(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	sb, err := tensorbox.Create(ctx, &tensorbox.CreateOptions{
		Template: "base",
		Timeout:  2 * time.Minute,
		Metadata: map[string]string{"owner": "sdk-go-lifecycle"},
		Envs:     map[string]string{"GREETING": "hello"},
	})
	if err != nil {
		t.Fatal(err)
	}
	killed := false
	t.Cleanup(func() {
		if !killed {
			_ = sb.Kill(ctx)
		}
	})
	if !regexp.MustCompile(`^sbx_[0-9a-f]{24}$`).MatchString(sb.ID) {
		t.Errorf("id %q", sb.ID)
	}
	if !strings.HasPrefix(sb.AccessToken(), "sat_") || !strings.HasSuffix(sb.RuntimeURL(), "/v1/sandboxes/"+sb.ID) {
		t.Errorf("access token %q, runtime url %q", sb.AccessToken(), sb.RuntimeURL())
	}
	res, err := sb.Commands.Run(ctx, "echo $GREETING", nil)
	if err != nil || res.Stdout != "hello\n" {
		t.Fatalf("run with the sandbox's env: %+v, %v", res, err)
	}

	info, err := sb.GetInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.ID != sb.ID || info.State != "running" || info.Template != "base" ||
		info.Metadata["owner"] != "sdk-go-lifecycle" || info.CreatedAt.IsZero() {
		t.Errorf("info = %+v", info)
	}
	if d := info.ExpiresAt.Sub(info.CreatedAt); d < 110*time.Second || d > 130*time.Second {
		t.Errorf("expires %s after creation, want 2m", d)
	}

	if err := sb.SetTimeout(ctx, 10*time.Minute); err != nil {
		t.Fatal(err)
	}
	info, err = sb.GetInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Until(info.ExpiresAt); d < 9*time.Minute || d > 11*time.Minute {
		t.Errorf("after SetTimeout(10m) it expires in %s", d)
	}

	list, err := tensorbox.List(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var listed *tensorbox.SandboxInfo
	for i := range list {
		if list[i].ID == sb.ID {
			listed = &list[i]
		}
	}
	if listed == nil || listed.Metadata["owner"] != "sdk-go-lifecycle" {
		t.Errorf("List does not show %s: %+v", sb.ID, listed)
	}

	// A connected sandbox has no access token and runs commands with the API key.
	conn, err := tensorbox.Connect(ctx, sb.ID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if conn.ID != sb.ID || conn.AccessToken() != "" {
		t.Errorf("connected: id %q token %q", conn.ID, conn.AccessToken())
	}
	res, err = conn.Commands.Run(ctx, "echo $GREETING", nil)
	if err != nil || res.Stdout != "hello\n" {
		t.Fatalf("run through Connect: %+v, %v", res, err)
	}

	if err := tensorbox.Kill(ctx, sb.ID, nil); err != nil {
		t.Fatal(err)
	}
	killed = true
	info, err = sb.GetInfo(ctx)
	if err == nil && info.State != "stopped" {
		t.Errorf("after Kill the sandbox is %q", info.State)
	} else if err != nil && !errors.Is(err, tensorbox.ErrNotFound) {
		t.Errorf("GetInfo after Kill: %v", err)
	}
	// The access token dies with the sandbox.
	if _, err := sb.Commands.Run(ctx, "true", nil); err == nil {
		t.Error("run in a killed sandbox succeeded")
	}
}

func TestKillMethod(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	sb, err := tensorbox.Create(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := sb.Kill(ctx); err != nil {
		t.Fatal(err)
	}
	info, err := sb.GetInfo(ctx)
	if err == nil && info.State != "stopped" {
		t.Errorf("after Kill the sandbox is %q", info.State)
	}
}

func TestGetHost(t *testing.T) {
	ctx := testCtx(t)
	host := func(cfg *tensorbox.Config) string {
		sb, err := tensorbox.Connect(ctx, shared.ID, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return sb.GetHost(3000)
	}
	u, _ := url.Parse(os.Getenv("TENSORBOX_API_URL"))
	hostID := strings.ReplaceAll(shared.ID, "_", "-")
	t.Setenv("TENSORBOX_DOMAIN", "")
	if got, want := host(nil), "3000-"+hostID+"."+u.Hostname(); got != want {
		t.Errorf("default: %q, want %q", got, want)
	}
	t.Setenv("TENSORBOX_DOMAIN", "env.example")
	if got, want := host(nil), "3000-"+hostID+".env.example"; got != want {
		t.Errorf("env: %q, want %q", got, want)
	}
	if got, want := host(&tensorbox.Config{Domain: "opt.example"}), "3000-"+hostID+".opt.example"; got != want {
		t.Errorf("option: %q, want %q", got, want)
	}
	if got := shared.GetHost(8080); !strings.HasPrefix(got, "8080-"+hostID+".") {
		t.Errorf("shared: %q", got)
	}
}
