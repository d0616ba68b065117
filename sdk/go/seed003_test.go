package tensorbox_test

// Seed 003's Go snippets, nearly verbatim. Changed only where the local runtime cannot have
// what the seed assumes (each change is marked "seed:"): log.Fatal -> t.Fatal, the absolute
// /home/user/project -> the relative "project", `pip install numpy pandas` (no PyPI here) ->
// a python3 one-liner writing to both streams, /var/log/app.log -> a workspace file, and the
// callbacks also record what they print so the test can check it.

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	tensorbox "tensorbox.io/sdk/go"
)

func TestSeed003(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sandbox, err := tensorbox.Create(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer sandbox.Kill(ctx)

	t.Run("foreground", func(t *testing.T) {
		res, err := sandbox.Commands.Run(ctx, `python3 -c "print(1 + 1)"`, nil)
		if err != nil {
			t.Fatal(err) // seed: log.Fatal(err)
		}
		fmt.Println(res.Stdout)   // "2\n"
		fmt.Println(res.Stderr)   // ""
		fmt.Println(res.ExitCode) // 0

		if res.Stdout != "2\n" || res.Stderr != "" || res.ExitCode != 0 {
			t.Errorf("result = %+v", res)
		}
	})

	t.Run("options", func(t *testing.T) {
		if probe, err := sandbox.Commands.Run(ctx, "command -v npm", nil); err != nil || probe.ExitCode != 0 {
			t.Skip("no npm in this sandbox image (the kubernetes base image has none)")
		}
		mustRun(t, sandbox, `mkdir -p project && printf '%s' '{"name":"project","private":true,`+
			`"scripts":{"test":"echo NODE_ENV=$NODE_ENV in $(pwd)"}}' > project/package.json`)

		res, err := sandbox.Commands.Run(ctx, "npm test", &tensorbox.RunOptions{
			Cwd:     "project",                             // 工作目录 (seed: "/home/user/project")
			Envs:    map[string]string{"NODE_ENV": "test"}, // 环境变量
			User:    "user",                                // 以哪个用户运行(默认 "user")
			Timeout: 120 * time.Second,                     // 命令超时
		})

		if err != nil {
			t.Fatal(err)
		}
		if res.ExitCode != 0 || !strings.Contains(res.Stdout, "NODE_ENV=test in ") ||
			!strings.Contains(res.Stdout, "/project\n") {
			t.Errorf("npm test: %+v", res)
		}
	})

	t.Run("background", func(t *testing.T) {
		mustRun(t, sandbox, `printf 'print("server up")\n' > server.py`)

		handle, err := sandbox.Commands.RunBackground(ctx, "python3 server.py", nil)
		if err != nil {
			t.Fatal(err) // seed: log.Fatal(err)
		}
		fmt.Println("pid:", handle.PID)
		// 需要时等待它结束,拿到最终结果
		result, _ := handle.Wait(ctx)
		// 或者直接杀掉
		handle.Kill(ctx)
		// 只想断开句柄、让进程继续跑:
		handle.Disconnect()

		if handle.PID <= 0 || result == nil || result.Stdout != "server up\n" || result.ExitCode != 0 {
			t.Errorf("pid %d, result %+v", handle.PID, result)
		}
	})

	t.Run("streaming", func(t *testing.T) {
		var out, errOut, app recorder
		mustRun(t, sandbox, "echo 'app started' > app.log")

		// seed: "pip install numpy pandas"
		_, err := sandbox.Commands.Run(ctx, `python3 -c "import sys; print('Collecting numpy'); print('Collecting pandas', file=sys.stderr)"`, &tensorbox.RunOptions{
			OnStdout: func(s string) { fmt.Print(s); out.add(s) },
			OnStderr: func(s string) { fmt.Fprint(os.Stderr, s); errOut.add(s) },
		})
		// 后台长任务同样可以边跑边流式回传 (seed: "tail -f /var/log/app.log")
		handle, _ := sandbox.Commands.RunBackground(ctx, "tail -f app.log",
			&tensorbox.RunOptions{OnStdout: func(line string) { fmt.Print("[app] ", line); app.add(line) }})
		// ... 之后
		mustRun(t, sandbox, "echo 'request served' >> app.log")
		eventually(t, 10*time.Second, "tail -f to stream the new line", func() bool {
			return app.text() == "app started\nrequest served\n"
		})
		handle.Kill(ctx)

		if err != nil || out.text() != "Collecting numpy\n" || errOut.text() != "Collecting pandas\n" {
			t.Errorf("foreground streaming: %v, stdout %q, stderr %q", err, out.text(), errOut.text())
		}
		if res, err := handle.Wait(ctx); err != nil || res.ExitCode != -1 {
			t.Errorf("tail after Kill: %+v, %v", res, err)
		}
	})

	t.Run("stdin", func(t *testing.T) {
		handle, _ := sandbox.Commands.RunBackground(ctx, "cat", nil)
		sandbox.Commands.SendStdin(ctx, handle.PID, "hello\n")

		if err := sandbox.Commands.CloseStdin(ctx, handle.PID); err != nil {
			t.Fatal(err)
		}
		if res, err := handle.Wait(ctx); err != nil || res.Stdout != "hello\n" || res.ExitCode != 0 {
			t.Errorf("cat: %+v, %v", res, err)
		}
	})

	t.Run("process management", func(t *testing.T) {
		started, err := sandbox.Commands.RunBackground(ctx, "while [ ! -f done.flag ]; do echo working; sleep 0.05; done; echo finished", nil)
		if err != nil {
			t.Fatal(err)
		}
		started.Disconnect()
		somePID := started.PID

		// 列出当前所有进程
		procs, _ := sandbox.Commands.List(ctx)
		// []ProcessEntry{ {ProcessID, PID, Cmd, Status, ExitCode}, ... }
		// 连接到一个已在运行的进程,拿回句柄
		handle, _ := sandbox.Commands.Connect(ctx, somePID)
		mustRun(t, sandbox, "touch done.flag") // (lets the process end)
		result, _ := handle.Wait(ctx)
		// 按 PID 杀进程
		sandbox.Commands.Kill(ctx, somePID)

		listed := false
		for _, p := range procs {
			listed = listed || (p.PID == somePID && p.Status == "running" && p.ProcessID == started.ProcessID)
		}
		if !listed {
			t.Errorf("List = %+v, lacks pid %d", procs, somePID)
		}
		// (What the connected handle received depends on when the server started the stream:
		// TestDisconnectLeavesTheCommandRunningAndConnectStreamsFromNow checks the output.)
		if result == nil || result.ExitCode != 0 || (result.Stdout != "" && !strings.HasSuffix(result.Stdout, "finished\n")) {
			t.Errorf("connected result %+v", result)
		}
	})
}
