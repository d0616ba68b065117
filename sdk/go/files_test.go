package tensorbox_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	tensorbox "tensorbox.io/sdk/go"
)

func sha256InSandbox(t *testing.T, path string) string {
	t.Helper()
	return strings.Fields(mustRun(t, shared, "sha256sum "+path))[0]
}

func TestFilesTextAndBinaryRoundTrip(t *testing.T) {
	ctx := testCtx(t)
	dir := uniq("rt")
	text := "héllo 世界 ✓\nsecond line\n"
	info, err := shared.Files.Write(ctx, dir+"/hello.txt", strings.NewReader(text), nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "hello.txt" || info.Type != "file" || info.Size != int64(len(text)) || !strings.HasSuffix(info.Path, "/"+dir+"/hello.txt") || !strings.HasPrefix(info.Path, "/") {
		t.Fatalf("write info %+v", info)
	}
	if got, err := shared.Files.ReadText(ctx, dir+"/hello.txt", nil); err != nil || got != text {
		t.Fatalf("read text %q, %v", got, err)
	}
	if got := mustRun(t, shared, "cat "+dir+"/hello.txt"); got != text {
		t.Fatalf("cat: %q", got)
	}

	data := make([]byte, 70000)
	for i := range data {
		data[i] = byte(i*7 + i>>8) // every byte value, invalid UTF-8
	}
	if _, err := shared.Files.Write(ctx, dir+"/data.bin", bytes.NewReader(data), &tensorbox.FileOptions{User: "user"}); err != nil {
		t.Fatal(err)
	}
	back, err := shared.Files.ReadBytes(ctx, dir+"/data.bin", nil)
	if err != nil || !bytes.Equal(back, data) {
		t.Fatalf("binary round trip: %d bytes, equal %v, %v", len(back), bytes.Equal(back, data), err)
	}
	sum := sha256.Sum256(data)
	if got := sha256InSandbox(t, dir+"/data.bin"); got != hex.EncodeToString(sum[:]) {
		t.Fatalf("sha256 in the sandbox %s", got)
	}
	if _, err := shared.Files.Write(ctx, dir+"/hello.txt", strings.NewReader("short"), nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := shared.Files.ReadText(ctx, dir+"/hello.txt", nil); got != "short" {
		t.Fatalf("replaced file: %q", got)
	}
	if _, err := shared.Files.Write(ctx, dir+"/empty", nil, nil); err != nil {
		t.Fatal(err)
	}
	if got, err := shared.Files.ReadBytes(ctx, dir+"/empty", nil); err != nil || len(got) != 0 {
		t.Fatalf("empty file: %q, %v", got, err)
	}
	_, err = shared.Files.Read(ctx, dir+"/nope.txt", nil)
	var apiErr *tensorbox.APIError
	if !errors.Is(err, tensorbox.ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Code != "file_not_found" {
		t.Fatalf("missing file: %v", err)
	}
}

// chunkedReader yields size bytes in pieces (no length known up front, so the upload is chunked)
// and hashes what it gave.
type chunkedReader struct {
	seed      []byte
	left, idx int
	pending   []byte
	hash      io.Writer
}

func (r *chunkedReader) Read(p []byte) (int, error) {
	if len(r.pending) == 0 {
		if r.left == 0 {
			return 0, io.EOF
		}
		piece := append([]byte{byte(r.idx)}, r.seed[1:]...)
		r.idx++
		r.left -= len(piece)
		r.hash.Write(piece)
		r.pending = piece
	}
	n := copy(p, r.pending)
	r.pending = r.pending[n:]
	return n, nil
}

func TestFilesLargeFileStreamed(t *testing.T) {
	ctx := testCtx(t)
	dir := uniq("big")
	const size, chunk = 20 << 20, 256 << 10
	seed := make([]byte, chunk)
	_, _ = rand.Read(seed)
	sent := sha256.New()
	info, err := shared.Files.Write(ctx, dir+"/file.bin", &chunkedReader{seed: seed, left: size, hash: sent}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if info.Size != size {
		t.Fatalf("written %d bytes", info.Size)
	}
	expected := hex.EncodeToString(sent.Sum(nil))
	if got := sha256InSandbox(t, dir+"/file.bin"); got != expected {
		t.Fatalf("sha256 in the sandbox %s, want %s", got, expected)
	}
	r, err := shared.Files.Read(ctx, dir+"/file.bin", nil)
	if err != nil {
		t.Fatal(err)
	}
	got := sha256.New()
	n, err := io.CopyBuffer(got, r, make([]byte, 64<<10))
	r.Close()
	if err != nil || n != size || hex.EncodeToString(got.Sum(nil)) != expected {
		t.Fatalf("download: %d bytes, %v", n, err)
	}
	if e, err := shared.Files.GetInfo(ctx, dir+"/file.bin", nil); err != nil || e.Size != size {
		t.Fatalf("stat: %+v, %v", e, err)
	}
}

func TestFilesListExistsGetInfo(t *testing.T) {
	ctx := testCtx(t)
	dir := uniq("lst")
	mustRun(t, shared, "mkdir -p "+dir+"/a/b && echo top > "+dir+"/top.txt && echo mid > "+dir+"/a/mid.txt && echo deep > "+dir+"/a/b/deep.txt && ln -sf top.txt "+dir+"/link")
	one, err := shared.Files.List(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range one {
		kinds = append(kinds, e.Name+":"+e.Type)
	}
	if strings.Join(kinds, ",") != "a:dir,link:symlink,top.txt:file" {
		t.Fatalf("depth 1: %v", kinds)
	}
	all, err := shared.Files.List(ctx, dir, &tensorbox.ListOptions{Depth: 3})
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, e := range all {
		rel = append(rel, e.Path[strings.Index(e.Path, "/"+dir+"/")+len(dir)+2:])
	}
	if strings.Join(rel, ",") != "a,a/b,a/b/deep.txt,a/mid.txt,link,top.txt" {
		t.Fatalf("depth 3: %v", rel)
	}
	if two, err := shared.Files.List(ctx, dir, &tensorbox.ListOptions{Depth: 2}); err != nil || len(two) != 5 {
		t.Fatalf("depth 2: %d entries, %v", len(two), err)
	}
	for path, want := range map[string]bool{dir + "/top.txt": true, dir + "/a": true, dir + "/none": false} {
		if got, err := shared.Files.Exists(ctx, path, nil); err != nil || got != want {
			t.Fatalf("exists %s = %v, %v", path, got, err)
		}
	}
	e, err := shared.Files.GetInfo(ctx, dir+"/top.txt", nil)
	if err != nil {
		t.Fatal(err)
	}
	if e.Name != "top.txt" || e.Type != "file" || e.Size != 4 || !regexp.MustCompile(`^0[0-7]{3}$`).MatchString(e.Mode) ||
		!regexp.MustCompile(`^-[rwx-]{9}$`).MatchString(e.Permissions) || e.Owner == "" || e.SymlinkTarget != "" ||
		time.Since(e.ModifiedAt).Abs() > 2*time.Minute {
		t.Fatalf("stat: %+v", e)
	}
	if l, err := shared.Files.GetInfo(ctx, dir+"/link", nil); err != nil || l.Type != "symlink" || !strings.HasSuffix(l.SymlinkTarget, "top.txt") {
		t.Fatalf("symlink: %+v, %v", l, err)
	}
	if _, err := shared.Files.GetInfo(ctx, dir+"/none", nil); !errors.Is(err, tensorbox.ErrNotFound) {
		t.Fatalf("stat of a missing path: %v", err)
	}
}

func TestFilesMakeDirRenameRemove(t *testing.T) {
	ctx := testCtx(t)
	dir := uniq("mk")
	if created, err := shared.Files.MakeDir(ctx, dir+"/x/y", nil); err != nil || !created {
		t.Fatalf("make dir: %v, %v", created, err)
	}
	if created, err := shared.Files.MakeDir(ctx, dir+"/x/y", nil); err != nil || created {
		t.Fatalf("make dir again: %v, %v", created, err)
	}
	if _, err := shared.Files.Write(ctx, dir+"/file", strings.NewReader("f"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := shared.Files.MakeDir(ctx, dir+"/file", nil); !errors.Is(err, tensorbox.ErrConflict) {
		t.Fatalf("make dir over a file: %v", err)
	}
	if _, err := shared.Files.Write(ctx, dir+"/old.txt", strings.NewReader("moved content"), nil); err != nil {
		t.Fatal(err)
	}
	moved, err := shared.Files.Rename(ctx, dir+"/old.txt", dir+"/sub/new.txt", nil)
	if err != nil || moved.Name != "new.txt" || moved.Type != "file" || !strings.HasSuffix(moved.Path, "/"+dir+"/sub/new.txt") {
		t.Fatalf("rename: %+v, %v", moved, err)
	}
	if ok, _ := shared.Files.Exists(ctx, dir+"/old.txt", nil); ok {
		t.Fatal("the old path still exists")
	}
	if got, _ := shared.Files.ReadText(ctx, dir+"/sub/new.txt", nil); got != "moved content" {
		t.Fatalf("moved content: %q", got)
	}
	if _, err := shared.Files.Rename(ctx, dir+"/old.txt", dir+"/again.txt", nil); !errors.Is(err, tensorbox.ErrNotFound) {
		t.Fatalf("rename of a missing path: %v", err)
	}
	if err := shared.Files.Remove(ctx, dir+"/sub/new.txt", nil); err != nil {
		t.Fatal(err)
	}
	if ok, _ := shared.Files.Exists(ctx, dir+"/sub/new.txt", nil); ok {
		t.Fatal("removed file still exists")
	}
	if err := shared.Files.Remove(ctx, dir, nil); err != nil { // a directory, recursively
		t.Fatal(err)
	}
	if res, err := shared.Commands.Run(ctx, "test -e "+dir, nil); err != nil || res.ExitCode != 1 {
		t.Fatalf("the directory is still there: %+v, %v", res, err)
	}
	if err := shared.Files.Remove(ctx, dir, nil); !errors.Is(err, tensorbox.ErrNotFound) {
		t.Fatalf("remove of a missing path: %v", err)
	}
}

func TestFilesWatchDir(t *testing.T) {
	ctx := testCtx(t)
	dir := uniq("watched")
	if _, err := shared.Files.MakeDir(ctx, dir, nil); err != nil {
		t.Fatal(err)
	}
	h, err := shared.Files.WatchDir(ctx, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Stop()
	next := func(what string, match func(tensorbox.FilesystemEvent) bool) tensorbox.FilesystemEvent {
		t.Helper()
		deadline := time.After(10 * time.Second)
		for {
			select {
			case e, ok := <-h.Events():
				if !ok {
					t.Fatalf("the watch ended before %s: %v", what, h.Err())
				}
				if match(e) {
					return e
				}
			case <-deadline:
				t.Fatalf("no %s within 10 s", what)
			}
		}
	}
	if _, err := shared.Files.Write(ctx, dir+"/new.txt", strings.NewReader("hello"), nil); err != nil {
		t.Fatal(err)
	}
	created := next("created event", func(e tensorbox.FilesystemEvent) bool { return e.Type == "created" && e.Name == "new.txt" })
	if !strings.HasSuffix(created.Path, "/"+dir+"/new.txt") || created.EntryType != "file" {
		t.Fatalf("created event %+v", created)
	}
	if err := shared.Files.Remove(ctx, dir+"/new.txt", nil); err != nil {
		t.Fatal(err)
	}
	next("removed event", func(e tensorbox.FilesystemEvent) bool { return e.Type == "removed" && e.Name == "new.txt" })
	stopped := make(chan struct{})
	go func() { h.Stop(); close(stopped) }()
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("Stop did not return within 5 s")
	}
	for range h.Events() { // closed after Stop
	}
	if h.Err() != nil {
		t.Fatalf("Err after Stop: %v", h.Err())
	}
	if _, err := shared.Files.WatchDir(ctx, dir+"/none", nil); !errors.Is(err, tensorbox.ErrNotFound) {
		t.Fatalf("watch of a missing directory: %v", err)
	}
}
