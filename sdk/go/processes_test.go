package tensorbox_test

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	tensorbox "tensorbox.io/sdk/go"
)

func TestProcessesStartListGetLogsKill(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	dir := uniq("procdir")
	mustRun(t, shared, "mkdir "+dir)
	t.Cleanup(func() { mustRun(t, shared, "rm -rf "+dir) })

	p, err := shared.Processes.Start(ctx, []string{"sh", "-c", "echo hello; echo $FOO; pwd; exec sleep 30"},
		&tensorbox.StartOptions{Env: []string{"FOO=bar"}, Cwd: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^proc_[0-9a-f]{24}$`).MatchString(p.ID) || p.SandboxID != shared.ID || p.State != "running" ||
		p.PID <= 0 || p.StartedAt.IsZero() || !p.ExitedAt.IsZero() || len(p.Command) != 3 {
		t.Errorf("started = %+v", p)
	}
	var logs string
	eventually(t, 10*time.Second, "the logs", func() bool {
		logs, err = shared.Processes.Logs(ctx, p.ID)
		return err == nil && strings.Count(logs, "\n") >= 3
	})
	if !strings.HasPrefix(logs, "hello\nbar\n") || !strings.HasSuffix(logs, "/"+dir+"\n") {
		t.Errorf("logs = %q", logs)
	}
	list, err := shared.Processes.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, q := range list {
		found = found || q.ID == p.ID
	}
	if !found {
		t.Errorf("List lacks %s", p.ID)
	}
	if err := shared.Processes.Kill(ctx, p.ID); err != nil {
		t.Fatal(err)
	}
	var got *tensorbox.Process
	eventually(t, 10*time.Second, "the record to say killed", func() bool {
		got, err = shared.Processes.Get(ctx, p.ID)
		return err == nil && got.State != "running"
	})
	if got.State != "killed" || got.ExitCode != -1 || got.ExitedAt.IsZero() {
		t.Errorf("after Kill: %+v", got)
	}
	// Killing it again is fine; unknown ids are ErrNotFound.
	if err := shared.Processes.Kill(ctx, p.ID); err != nil {
		t.Errorf("second Kill: %v", err)
	}
	const unknown = "proc_000000000000000000000000"
	if _, err := shared.Processes.Get(ctx, unknown); !errors.Is(err, tensorbox.ErrNotFound) {
		t.Errorf("Get(unknown): %v", err)
	}
	if _, err := shared.Processes.Logs(ctx, unknown); !errors.Is(err, tensorbox.ErrNotFound) {
		t.Errorf("Logs(unknown): %v", err)
	}
	if err := shared.Processes.Kill(ctx, unknown); !errors.Is(err, tensorbox.ErrNotFound) {
		t.Errorf("Kill(unknown): %v", err)
	}
}

func TestProcessesFollowLogsStreamsUntilExit(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	flag := uniq("flag-follow")
	t.Cleanup(func() { mustRun(t, shared, "rm -f "+flag) })
	p, err := shared.Processes.Start(ctx, []string{"sh", "-c",
		fmt.Sprintf("echo one; while [ ! -f %s ]; do sleep 0.02; done; echo two", flag)}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder
	touched := false
	err = shared.Processes.FollowLogs(ctx, p.ID, func(s string) {
		rec.add(s)
		if !touched && strings.Contains(rec.text(), "one\n") {
			touched = true
			mustRun(t, shared, "touch "+flag)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if rec.text() != "one\ntwo\n" {
		t.Errorf("followed %q", rec.text())
	}
	got, err := shared.Processes.Get(ctx, p.ID)
	if err != nil || got.State != "exited" || got.ExitCode != 0 {
		t.Errorf("after FollowLogs: %+v, %v", got, err)
	}
}
