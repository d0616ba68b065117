package tensorbox

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"time"
)

// sseEvent is one server-sent event.
type sseEvent struct {
	name string // "message" when the event named none
	data []byte // the data lines joined by "\n"
}

// errStopStream is returned by an event callback to stop reading without an error.
var errStopStream = errors.New("stop")

// sseReader parses a text/event-stream. Unknown fields (such as a stray "content-type:" line),
// comments and ids are ignored.
type sseReader struct {
	r *bufio.Reader
}

func newSSEReader(r io.Reader) *sseReader {
	return &sseReader{r: bufio.NewReaderSize(r, 32<<10)}
}

// each calls fn for every event until the stream ends (nil), fn returns an error (errStopStream
// becomes nil) or reading fails (that error).
func (s *sseReader) each(fn func(sseEvent) error) error {
	var (
		name    string
		data    []byte
		hasData bool
	)
	dispatch := func() error {
		if !hasData {
			name = ""
			return nil
		}
		ev := sseEvent{name: name, data: data}
		if ev.name == "" {
			ev.name = "message"
		}
		name, data, hasData = "", nil, false
		return fn(ev)
	}
	for {
		line, err := s.readLine()
		if err != nil {
			if err == io.EOF {
				// A last event not followed by a blank line still counts.
				if len(line) > 0 {
					s.field(line, &name, &data, &hasData)
				}
				if e := dispatch(); e != nil && e != errStopStream {
					return e
				}
				return nil
			}
			return err
		}
		if len(line) == 0 {
			if e := dispatch(); e != nil {
				if e == errStopStream {
					return nil
				}
				return e
			}
			continue
		}
		s.field(line, &name, &data, &hasData)
	}
}

func (s *sseReader) field(line []byte, name *string, data *[]byte, hasData *bool) {
	if line[0] == ':' {
		return // comment
	}
	key, value := line, []byte(nil)
	if i := bytes.IndexByte(line, ':'); i >= 0 {
		key, value = line[:i], line[i+1:]
		if len(value) > 0 && value[0] == ' ' {
			value = value[1:]
		}
	}
	switch string(key) {
	case "event":
		*name = string(value)
	case "data":
		if *hasData {
			*data = append(*data, '\n')
		}
		*data = append(*data, value...)
		*hasData = true
	}
}

// readLine returns the next line without its line ending ("\n" or "\r\n").
func (s *sseReader) readLine() ([]byte, error) {
	var buf []byte
	for {
		chunk, err := s.r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			buf = append(buf, chunk...)
			continue
		}
		if buf != nil {
			buf = append(buf, chunk...)
		} else {
			buf = append([]byte(nil), chunk...)
		}
		if err != nil {
			return buf, err
		}
		buf = buf[:len(buf)-1]
		if n := len(buf); n > 0 && buf[n-1] == '\r' {
			buf = buf[:n-1]
		}
		return buf, nil
	}
}

// drainAndClose reads what is left of a finished stream (normally just the end of the chunked
// body, so the connection can be reused), giving up after a short while, then closes it.
func drainAndClose(body io.ReadCloser, r *sseReader) {
	var src io.Reader = body
	if r != nil {
		src = r.r
	}
	t := time.AfterFunc(200*time.Millisecond, func() { body.Close() })
	_, _ = io.Copy(io.Discard, io.LimitReader(src, 64<<10))
	t.Stop()
	body.Close()
}
