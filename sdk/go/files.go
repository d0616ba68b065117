package tensorbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Files reads, writes, lists and watches the files of a sandbox through its runtime API. Get it
// from [Sandbox.Files]. Paths are absolute inside the sandbox or relative to the workspace; the
// access rights are those of the command user.
type Files struct {
	sb *Sandbox
}

// FileOptions are the options shared by the file calls. A nil *FileOptions means the defaults.
type FileOptions struct {
	// User is the OS user whose rights apply (empty: the template's default user, as for commands).
	User string
	// RequestTimeout bounds the wait for the response headers. Zero means
	// [Config.RequestTimeout]; negative means none. For [Files.Write] it bounds the whole upload
	// and the default is none.
	RequestTimeout time.Duration
}

// ListOptions are the options of [Files.List].
type ListOptions struct {
	FileOptions
	// Depth is how many levels to list: 0 or 1 = the directory's children, at most 10.
	Depth int
}

// WatchOptions are the options of [Files.WatchDir].
type WatchOptions struct {
	FileOptions
	// Recursive also watches the subdirectories.
	Recursive bool
	// Buffer is the capacity of the events channel (0 = 64). While it is full the watch waits
	// for the reader.
	Buffer int
}

// EntryInfo describes a file, directory or symlink in the sandbox.
type EntryInfo struct {
	// Name is the last element of the path.
	Name string `json:"name"`
	// Path is the absolute path inside the sandbox.
	Path string `json:"path"`
	// Type is "file", "dir" or "symlink".
	Type string `json:"type"`
	// Size is the size in bytes.
	Size int64 `json:"size"`
	// Mode is the permission bits as an octal string, e.g. "0644".
	Mode string `json:"mode"`
	// Permissions is the ls -l form, e.g. "-rw-r--r--".
	Permissions string `json:"permissions"`
	Owner       string `json:"owner"`
	Group       string `json:"group"`
	// ModifiedAt is the time of the last modification.
	ModifiedAt time.Time `json:"modified_at"`
	// SymlinkTarget is where a symlink points ("" for other entries).
	SymlinkTarget string `json:"symlink_target"`
}

// WriteInfo is what [Files.Write] wrote.
type WriteInfo struct {
	// Name is the last element of the path.
	Name string
	// Path is the absolute path inside the sandbox.
	Path string
	// Type is always "file".
	Type string
	// Size is the number of bytes written.
	Size int64
}

// FilesystemEvent is one change seen by [Files.WatchDir].
type FilesystemEvent struct {
	// Type is "created", "written", "removed" or "renamed".
	Type string
	// Path is the absolute path of what changed.
	Path string
	// Name is the path relative to the watched directory.
	Name string
	// EntryType is "file", "dir" or "symlink".
	EntryType string
}

func fileOpts(o *FileOptions) FileOptions {
	if o == nil {
		return FileOptions{}
	}
	return *o
}

func (f *Files) url(route string, params url.Values) string {
	q := ""
	if len(params) > 0 {
		q = "?" + params.Encode()
	}
	return f.sb.runtimeURL + route + q
}

func pathParams(path, user string) url.Values {
	v := url.Values{"path": {path}}
	if user != "" {
		v.Set("user", user)
	}
	return v
}

func checkPath(what, path string) error {
	if path == "" {
		return fmt.Errorf("%w: %s must not be empty", ErrInvalidArgument, what)
	}
	return nil
}

func baseName(path string) string {
	path = strings.TrimRight(path, "/")
	if i := strings.LastIndexByte(path, '/'); i >= 0 {
		return path[i+1:]
	}
	return path
}

// checkEntry validates an entry read from the sandbox.
func checkEntry(e *EntryInfo) error {
	if e.Path == "" {
		return errors.New("tensorbox: invalid file entry: no path")
	}
	if e.Name == "" {
		e.Name = baseName(e.Path)
	}
	if e.Type != "dir" && e.Type != "symlink" {
		e.Type = "file"
	}
	return nil
}

// Read opens a file for reading: the bytes are streamed from the sandbox as the returned reader
// is read, so a large file never sits in memory. The caller must close it. A missing file is an
// error matching [ErrNotFound].
func (f *Files) Read(ctx context.Context, path string, opts *FileOptions) (io.ReadCloser, error) {
	if err := checkPath("path", path); err != nil {
		return nil, err
	}
	o := fileOpts(opts)
	resp, err := f.sb.c.send(ctx, request{
		method: "GET", url: f.url("/files", pathParams(path, o.User)), auth: f.sb.runtimeAuth(),
		accept: "application/octet-stream", timeout: o.RequestTimeout,
	})
	if err != nil {
		return nil, err
	}
	return resp.Body, nil
}

// ReadBytes reads a whole file.
func (f *Files) ReadBytes(ctx context.Context, path string, opts *FileOptions) ([]byte, error) {
	r, err := f.Read(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("tensorbox: reading %s: %w", path, err)
	}
	return b, nil
}

// ReadText reads a whole file as text.
func (f *Files) ReadText(ctx context.Context, path string, opts *FileOptions) (string, error) {
	b, err := f.ReadBytes(ctx, path, opts)
	return string(b), err
}

// Write writes a file from data (parents are created, an existing file is replaced). data is
// streamed as it is read (a *bytes.Reader, *strings.Reader or *bytes.Buffer is sent with its
// length, any other reader chunked), so a large file never sits in memory.
func (f *Files) Write(ctx context.Context, path string, data io.Reader, opts *FileOptions) (*WriteInfo, error) {
	if err := checkPath("path", path); err != nil {
		return nil, err
	}
	if data == nil {
		data = strings.NewReader("")
	}
	o := fileOpts(opts)
	timeout := o.RequestTimeout
	if timeout == 0 {
		timeout = -1 // an upload takes as long as it takes; ctx bounds it
	}
	var out struct {
		Path string `json:"path"`
		Size int64  `json:"size"`
	}
	err := f.sb.c.do(ctx, request{
		method: "PUT", url: f.url("/files", pathParams(path, o.User)), auth: f.sb.runtimeAuth(),
		raw: data, timeout: timeout,
	}, &out)
	if err != nil {
		return nil, err
	}
	if out.Path == "" {
		out.Path = path
	}
	return &WriteInfo{Name: baseName(out.Path), Path: out.Path, Type: "file", Size: out.Size}, nil
}

// List returns the entries under a directory, sorted by path. opts may be nil.
func (f *Files) List(ctx context.Context, path string, opts *ListOptions) ([]EntryInfo, error) {
	if err := checkPath("path", path); err != nil {
		return nil, err
	}
	var o ListOptions
	if opts != nil {
		o = *opts
	}
	params := pathParams(path, o.User)
	if o.Depth != 0 {
		params.Set("depth", strconv.Itoa(o.Depth))
	}
	var out struct {
		Entries []EntryInfo `json:"entries"`
	}
	err := f.sb.c.do(ctx, request{method: "GET", url: f.url("/files/list", params), auth: f.sb.runtimeAuth(), timeout: o.RequestTimeout}, &out)
	if err != nil {
		return nil, err
	}
	for i := range out.Entries {
		if err := checkEntry(&out.Entries[i]); err != nil {
			return nil, err
		}
	}
	if out.Entries == nil {
		out.Entries = []EntryInfo{}
	}
	return out.Entries, nil
}

// GetInfo returns the entry at path (an error matching [ErrNotFound] when there is none).
func (f *Files) GetInfo(ctx context.Context, path string, opts *FileOptions) (*EntryInfo, error) {
	if err := checkPath("path", path); err != nil {
		return nil, err
	}
	o := fileOpts(opts)
	var e EntryInfo
	err := f.sb.c.do(ctx, request{method: "GET", url: f.url("/files/stat", pathParams(path, o.User)), auth: f.sb.runtimeAuth(), timeout: o.RequestTimeout}, &e)
	if err != nil {
		return nil, err
	}
	if err := checkEntry(&e); err != nil {
		return nil, err
	}
	return &e, nil
}

// Exists reports whether a file, directory or symlink exists at path.
func (f *Files) Exists(ctx context.Context, path string, opts *FileOptions) (bool, error) {
	_, err := f.GetInfo(ctx, path, opts)
	var apiErr *APIError
	if errors.As(err, &apiErr) && apiErr.Status == 404 && apiErr.Code != "sandbox_not_found" {
		return false, nil // a missing path, not a missing sandbox
	}
	return err == nil, err
}

type userPath struct {
	Path string `json:"path,omitempty"`
	From string `json:"from,omitempty"`
	To   string `json:"to,omitempty"`
	User string `json:"user,omitempty"`
}

// MakeDir creates a directory and its parents. It returns true when it created it, false when
// it already was a directory; something else at path is an error matching [ErrConflict].
func (f *Files) MakeDir(ctx context.Context, path string, opts *FileOptions) (bool, error) {
	if err := checkPath("path", path); err != nil {
		return false, err
	}
	o := fileOpts(opts)
	resp, err := f.sb.c.send(ctx, request{
		method: "POST", url: f.sb.runtimeURL + "/files/mkdir", auth: f.sb.runtimeAuth(),
		body: userPath{Path: path, User: o.User}, timeout: o.RequestTimeout,
	})
	if err != nil {
		return false, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	resp.Body.Close()
	return resp.StatusCode == 201, nil
}

// Rename moves or renames a file or directory (the parents of newPath are created) and returns
// the entry at its new path.
func (f *Files) Rename(ctx context.Context, oldPath, newPath string, opts *FileOptions) (*EntryInfo, error) {
	if err := checkPath("oldPath", oldPath); err != nil {
		return nil, err
	}
	if err := checkPath("newPath", newPath); err != nil {
		return nil, err
	}
	o := fileOpts(opts)
	var e EntryInfo
	err := f.sb.c.do(ctx, request{
		method: "POST", url: f.sb.runtimeURL + "/files/move", auth: f.sb.runtimeAuth(),
		body: userPath{From: oldPath, To: newPath, User: o.User}, timeout: o.RequestTimeout,
	}, &e)
	if err != nil {
		return nil, err
	}
	if err := checkEntry(&e); err != nil {
		return nil, err
	}
	return &e, nil
}

// Remove removes a file, or a directory with its contents (an error matching [ErrNotFound] when
// missing).
func (f *Files) Remove(ctx context.Context, path string, opts *FileOptions) error {
	if err := checkPath("path", path); err != nil {
		return err
	}
	o := fileOpts(opts)
	return f.sb.c.do(ctx, request{method: "DELETE", url: f.url("/files", pathParams(path, o.User)), auth: f.sb.runtimeAuth(), timeout: o.RequestTimeout}, nil)
}

// WatchHandle is a running [Files.WatchDir]. Read the changes from Events; Stop ends the watch.
type WatchHandle struct {
	events  chan FilesystemEvent
	body    io.ReadCloser
	watched string
	root    string
	ready   chan struct{}
	done    chan struct{}
	stop    chan struct{}
	once    sync.Once
	mu      sync.Mutex
	err     error
	stopped bool
}

// WatchDir watches a directory. It returns once the watch is armed: every later change is sent
// on the handle's Events channel, which is closed when the watch ends (Stop, ctx cancelled, or
// the stream broke: see Err).
func (f *Files) WatchDir(ctx context.Context, path string, opts *WatchOptions) (*WatchHandle, error) {
	if err := checkPath("path", path); err != nil {
		return nil, err
	}
	var o WatchOptions
	if opts != nil {
		o = *opts
	}
	params := pathParams(path, o.User)
	params.Set("recursive", strconv.FormatBool(o.Recursive))
	resp, err := f.sb.c.send(ctx, request{
		method: "GET", url: f.url("/files/watch", params), auth: f.sb.runtimeAuth(),
		accept: "text/event-stream", timeout: o.RequestTimeout,
	})
	if err != nil {
		return nil, err
	}
	buffer := o.Buffer
	if buffer <= 0 {
		buffer = 64
	}
	h := &WatchHandle{
		events: make(chan FilesystemEvent, buffer), body: resp.Body, watched: strings.TrimRight(path, "/"),
		ready: make(chan struct{}), done: make(chan struct{}), stop: make(chan struct{}),
	}
	go h.pump()
	timeout := o.RequestTimeout
	if timeout == 0 {
		timeout = f.sb.c.requestTimeout
	}
	var expired <-chan time.Time
	if timeout > 0 {
		t := time.NewTimer(timeout)
		defer t.Stop()
		expired = t.C
	}
	select {
	case <-h.ready:
		return h, nil
	case <-h.done:
		if h.err != nil {
			return nil, h.err
		}
		return nil, fmt.Errorf("tensorbox: the watch of %s ended before it was armed", path)
	case <-expired:
		h.Stop()
		return nil, &TimeoutError{Op: "GET /files/watch", After: timeout}
	}
}

// Events delivers the changes; it is closed when the watch ends.
func (h *WatchHandle) Events() <-chan FilesystemEvent { return h.events }

// Err is why the watch ended, or nil while it runs or after Stop.
func (h *WatchHandle) Err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.err
}

// Stop ends the watch (closing the stream ends it in the sandbox) and waits until Events is closed.
func (h *WatchHandle) Stop() {
	h.once.Do(func() {
		h.mu.Lock()
		h.stopped = true
		h.mu.Unlock()
		close(h.stop)
		h.body.Close()
	})
	<-h.done
}

func (h *WatchHandle) pump() {
	defer close(h.done)
	defer close(h.events)
	defer h.body.Close()
	armed := false
	err := newSSEReader(h.body).each(func(ev sseEvent) error {
		switch ev.name {
		case "ready":
			var r struct {
				Path string `json:"path"`
			}
			if json.Unmarshal(ev.data, &r) == nil && r.Path != "" {
				h.root = strings.TrimRight(r.Path, "/")
			}
			if !armed {
				armed = true
				close(h.ready)
			}
			return nil
		case "error":
			return eventError(ev.data)
		case "created", "written", "removed", "renamed":
		default:
			return nil
		}
		var w struct {
			Type      string `json:"type"`
			Path      string `json:"path"`
			EntryType string `json:"entry_type"`
		}
		if err := json.Unmarshal(ev.data, &w); err != nil || w.Path == "" {
			return nil
		}
		kind := w.Type
		switch kind {
		case "created", "written", "removed", "renamed":
		default:
			kind = ev.name
		}
		et := w.EntryType
		if et != "dir" && et != "symlink" {
			et = "file"
		}
		select {
		case h.events <- FilesystemEvent{Type: kind, Path: w.Path, Name: h.relative(w.Path), EntryType: et}:
			return nil
		case <-h.stop:
			return errStopStream
		}
	})
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stopped {
		return
	}
	if err == nil {
		err = fmt.Errorf("tensorbox: the watch of %s ended", h.watched)
	} else if _, ok := err.(*APIError); !ok {
		err = fmt.Errorf("tensorbox: the watch of %s broke: %w", h.watched, err)
	}
	h.err = err
}

func (h *WatchHandle) relative(path string) string {
	root := h.root
	if root == "" {
		if strings.HasPrefix(h.watched, "/") {
			root = h.watched
		} else if i := strings.Index(path, "/"+h.watched+"/"); i >= 0 {
			root = path[:i+len(h.watched)+1]
		}
	}
	if root != "" && strings.HasPrefix(path, root+"/") {
		return path[len(root)+1:]
	}
	return baseName(path)
}
