package tensorbox_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tensorbox "tensorbox.io/sdk/go"
)

func TestRunReturnsOutputsAndExitCodeWithOptions(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	dir := uniq("gosub")
	mustRun(t, shared, "mkdir "+dir)
	t.Cleanup(func() { mustRun(t, shared, "rm -rf "+dir) })

	res, err := shared.Commands.Run(ctx, `echo "$FOO"; pwd; echo oops >&2; printf 'a\nb\n' | wc -l; exit 7`,
		&tensorbox.RunOptions{
			Cwd:     dir,
			Envs:    map[string]string{"FOO": "bar baz"},
			User:    "user",
			Timeout: 20 * time.Second,
		})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(res.Stdout, "\n")
	if len(lines) != 4 || lines[0] != "bar baz" || !strings.HasSuffix(lines[1], "/"+dir) || strings.TrimSpace(lines[2]) != "2" {
		t.Errorf("stdout = %q", res.Stdout)
	}
	if res.Stderr != "oops\n" {
		t.Errorf("stderr = %q", res.Stderr)
	}
	if res.ExitCode != 7 || res.TimedOut || res.Truncated {
		t.Errorf("result = %+v, want exit 7, not timed out", res)
	}
	if res.PID <= 0 {
		t.Errorf("pid = %d", res.PID)
	}

	res, err = shared.Commands.Run(ctx, "cat; echo", &tensorbox.RunOptions{Stdin: "from stdin"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Stdout != "from stdin\n" || res.ExitCode != 0 {
		t.Errorf("stdin: result = %+v", res)
	}
}

func TestRunCallbacksFireBeforeTheCommandEnds(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f1, f2 := uniq("flag-out"), uniq("flag-err")
	t.Cleanup(func() { mustRun(t, shared, "rm -f "+f1+" "+f2) })
	touched := make(chan error, 2)
	touch := func(f string) {
		go func() {
			_, err := shared.Commands.Run(context.Background(), "touch "+f, nil)
			touched <- err
		}()
	}
	// The command blocks after each line until the test creates a file, which the test does only
	// from the callback that got that line: without live callbacks it would hit its timeout.
	cmd := fmt.Sprintf(`echo out-ready; while [ ! -f %[1]s ]; do sleep 0.02; done; `+
		`echo err-ready >&2; while [ ! -f %[2]s ]; do sleep 0.02; done; echo end`, f1, f2)
	var outs, errs []string
	res, err := shared.Commands.Run(ctx, cmd, &tensorbox.RunOptions{
		Timeout: 15 * time.Second,
		OnStdout: func(s string) {
			outs = append(outs, s)
			if strings.Contains(s, "out-ready") {
				touch(f1)
			}
		},
		OnStderr: func(s string) {
			errs = append(errs, s)
			if strings.Contains(s, "err-ready") {
				touch(f2)
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.TimedOut || res.ExitCode != 0 {
		t.Fatalf("the command did not see the files made from the callbacks: %+v", res)
	}
	if res.Stdout != "out-ready\nend\n" || res.Stderr != "err-ready\n" {
		t.Errorf("result = %+v", res)
	}
	if strings.Join(outs, "") != res.Stdout || strings.Join(errs, "") != res.Stderr {
		t.Errorf("callbacks got %q / %q, result has %q / %q", outs, errs, res.Stdout, res.Stderr)
	}
	for i := 0; i < 2; i++ {
		if err := <-touched; err != nil {
			t.Error(err)
		}
	}
}

func TestRunTimeoutGivesATimedOutResult(t *testing.T) {
	t.Parallel()
	start := time.Now()
	res, err := shared.Commands.Run(testCtx(t), "echo before; sleep 20; echo after",
		&tensorbox.RunOptions{Timeout: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || res.ExitCode != -1 || res.Stdout != "before\n" {
		t.Errorf("result = %+v, want timed out, exit -1, stdout \"before\\n\"", res)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("took %s", took)
	}
}

func TestCancellingTheContextOfRunKillsTheCommand(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	var pid string
	_, err := shared.Commands.Run(ctx, "echo $$; exec sleep 30", &tensorbox.RunOptions{
		OnStdout: func(s string) {
			pid = strings.TrimSpace(s)
			cancel()
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if pid == "" {
		t.Fatal("no pid printed")
	}
	eventually(t, 10*time.Second, "the command to be killed", func() bool {
		res, err := shared.Commands.Run(context.Background(), "kill -0 "+pid+" 2>/dev/null", nil)
		return err == nil && res.ExitCode != 0
	})
}

func TestRunBackgroundWaitGetsAllOutputFromTheStart(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	var rec recorder
	h, err := shared.Commands.RunBackground(ctx, "echo one; echo two >&2; echo three; exit 3",
		&tensorbox.RunOptions{OnStdout: rec.add, OnStderr: func(s string) { t.Errorf("onStderr(%q) in background", s) }})
	if err != nil {
		t.Fatal(err)
	}
	if h.PID <= 0 || !strings.HasPrefix(h.ProcessID, "proc_") {
		t.Errorf("handle pid %d, process id %q", h.PID, h.ProcessID)
	}
	res, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 3 || res.Stderr != "" {
		t.Errorf("result = %+v", res)
	}
	for _, want := range []string{"one\n", "two\n", "three\n"} {
		if !strings.Contains(res.Stdout, want) {
			t.Errorf("stdout %q lacks %q", res.Stdout, want)
		}
	}
	if rec.text() != res.Stdout {
		t.Errorf("callbacks got %q, result has %q", rec.text(), res.Stdout)
	}
	// Wait again: same result.
	if again, err := h.Wait(ctx); err != nil || again.ExitCode != 3 {
		t.Errorf("second Wait: %+v, %v", again, err)
	}
}

func TestBackgroundHandleKill(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	h, err := shared.Commands.RunBackground(ctx, "sleep 30", nil)
	if err != nil {
		t.Fatal(err)
	}
	killed, err := h.Kill(ctx)
	if err != nil || !killed {
		t.Fatalf("Kill = %v, %v", killed, err)
	}
	res, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != -1 {
		t.Errorf("exit code after kill = %d, want -1", res.ExitCode)
	}
	// Killing an ended command is true, an unknown pid false.
	if killed, err := shared.Commands.Kill(ctx, h.PID); err != nil || !killed {
		t.Errorf("Kill(ended) = %v, %v", killed, err)
	}
	if killed, err := shared.Commands.Kill(ctx, 99999999); err != nil || killed {
		t.Errorf("Kill(unknown) = %v, %v", killed, err)
	}
}

func TestDisconnectLeavesTheCommandRunningAndConnectStreamsFromNow(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	f1, f2 := uniq("flag-connect"), uniq("flag-end")
	t.Cleanup(func() { mustRun(t, shared, "rm -f "+f1+" "+f2) })
	var first recorder
	// early, then nothing until f1, then "late" lines until f2, then exit 5. (The server starts a
	// stream "at the current end" a moment after it answers, so the test does not count on output
	// written right after Connect returned: it waits for a "late" line, which repeats.)
	h, err := shared.Commands.RunBackground(ctx,
		fmt.Sprintf("echo early; while [ ! -f %s ]; do sleep 0.02; done; "+
			"while [ ! -f %s ]; do echo late; sleep 0.05; done; exit 5", f1, f2),
		&tensorbox.RunOptions{OnStdout: first.add})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the first output", func() bool { return first.text() == "early\n" })
	h.Disconnect()
	if _, err := h.Wait(ctx); !errors.Is(err, tensorbox.ErrDisconnected) {
		t.Fatalf("Wait after Disconnect: %v, want ErrDisconnected", err)
	}

	procs, err := shared.Commands.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var found *tensorbox.ProcessEntry
	for i := range procs {
		if procs[i].PID == h.PID {
			found = &procs[i]
		}
	}
	if found == nil || found.Status != "running" || found.ProcessID != h.ProcessID || found.ExitCode != nil ||
		!strings.Contains(found.Cmd, "echo early") {
		t.Fatalf("List after Disconnect: %+v (looking for pid %d)", found, h.PID)
	}

	var second recorder
	h2, err := shared.Commands.Connect(ctx, h.PID, &tensorbox.ConnectOptions{OnStdout: second.add})
	if err != nil {
		t.Fatal(err)
	}
	mustRun(t, shared, "touch "+f1)
	eventually(t, 10*time.Second, "the connected handle to stream new output", func() bool {
		return strings.Contains(second.text(), "late\n")
	})
	mustRun(t, shared, "touch "+f2)
	res, err := h2.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 5 || res.Stdout == "" || strings.Trim(strings.ReplaceAll(res.Stdout, "late\n", ""), "\n") != "" ||
		res.Stdout != second.text() {
		t.Errorf("connected handle: result %+v, callbacks %q (want only \"late\" lines, exit 5)", res, second.text())
	}
	if first.text() != "early\n" {
		t.Errorf("the disconnected handle kept receiving: %q", first.text())
	}
	all, err := shared.Commands.ListAll(ctx)
	if err != nil {
		t.Fatal(err)
	}
	listed := false
	for _, p := range all {
		if p.PID == h.PID {
			listed = true
			if p.Status != "exited" || p.ExitCode == nil || *p.ExitCode != 5 {
				t.Errorf("ListAll entry = %+v", p)
			}
		}
	}
	if !listed {
		t.Errorf("ListAll lacks pid %d", h.PID)
	}
}

func TestStdinOfABackgroundCat(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	var rec recorder
	h, err := shared.Commands.RunBackground(ctx, "cat", &tensorbox.RunOptions{OnStdout: rec.add})
	if err != nil {
		t.Fatal(err)
	}
	if err := shared.Commands.SendStdin(ctx, h.PID, "hello\n"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "cat to echo the line", func() bool { return rec.text() == "hello\n" })
	if err := shared.Commands.SendStdin(ctx, h.PID, "world\n"); err != nil {
		t.Fatal(err)
	}
	if err := shared.Commands.CloseStdin(ctx, h.PID); err != nil {
		t.Fatal(err)
	}
	res, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if res.ExitCode != 0 || res.Stdout != "hello\nworld\n" {
		t.Errorf("result = %+v", res)
	}
	err = shared.Commands.SendStdin(ctx, h.PID, "late\n")
	var ae *tensorbox.APIError
	if !errors.Is(err, tensorbox.ErrConflict) || !errors.As(err, &ae) || ae.Status != 409 || ae.Message == "" {
		t.Errorf("stdin to an ended command: %v, want a 409 ErrConflict", err)
	}
}

func TestSignal(t *testing.T) {
	t.Parallel()
	ctx := testCtx(t)
	h, err := shared.Commands.RunBackground(ctx, "trap 'echo got-term; exit 9' TERM; echo ready; while true; do sleep 0.05; done", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Kill(context.Background())
	eventually(t, 10*time.Second, "the trap to be set", func() bool {
		procs, _ := shared.Processes.Logs(ctx, h.ProcessID)
		return strings.Contains(procs, "ready")
	})
	if err := shared.Commands.Signal(ctx, h.PID, "SIGTERM"); err != nil {
		t.Fatal(err)
	}
	res, err := h.Wait(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Stdout, "got-term") {
		t.Errorf("result = %+v", res)
	}
}
