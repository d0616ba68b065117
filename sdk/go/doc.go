// Package tensorbox is the Go SDK of TensorBox, self-hosted code sandboxes.
//
// Create a sandbox, run shell commands in it (in the foreground, streaming their output as it
// arrives, or in the background with a handle), type into their stdin, and manage long-running
// processes:
//
//	ctx := context.Background()
//	sandbox, err := tensorbox.Create(ctx, nil) // TENSORBOX_API_URL, TENSORBOX_API_KEY
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer sandbox.Kill(ctx)
//
//	res, err := sandbox.Commands.Run(ctx, `python3 -c "print(1 + 1)"`, nil)
//	if err != nil {
//		log.Fatal(err)
//	}
//	fmt.Println(res.Stdout)   // "2\n"
//	fmt.Println(res.ExitCode) // 0
//
// Configuration comes from a [Config] (or the Config embedded in [CreateOptions]); fields left
// empty fall back to the environment variables TENSORBOX_API_URL (default
// http://localhost:8080), TENSORBOX_API_KEY (required) and TENSORBOX_DOMAIN.
//
// A command that exits non-zero is a result, not an error: check [CommandResult.ExitCode].
// Errors from the platform are [*APIError] values; test them with errors.Is against
// [ErrNotFound], [ErrAuthentication], [ErrConflict] and the other sentinels of this package.
//
// [Sandbox.Files] reads, writes, lists and watches the sandbox's files; reads and writes are
// streamed (an [io.Reader] up, an [io.ReadCloser] down), so a large file never sits in memory.
//
// Every call takes a context. Cancelling the context of [Commands.Run] closes the request, and
// the server then kills the command.
//
// The package uses the standard library only.
package tensorbox
