package tensorbox

import (
	"reflect"
	"strings"
	"testing"
)

func TestSSEReader(t *testing.T) {
	in := "content-type:text/plain\nevent:start\ndata:{\"pid\":1}\n\n" +
		": a comment\r\nevent: stdout\r\ndata: \"a\"\r\nid: 7\r\n\r\n" +
		"data:line1\ndata:line2\n\n" +
		"event:exit\ndata:{}\n\n" +
		"event:after\ndata:x\n\n"
	var got []sseEvent
	err := newSSEReader(strings.NewReader(in)).each(func(ev sseEvent) error {
		got = append(got, ev)
		if ev.name == "exit" {
			return errStopStream
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []sseEvent{
		{"start", []byte(`{"pid":1}`)},
		{"stdout", []byte(`"a"`)},
		{"message", []byte("line1\nline2")},
		{"exit", []byte(`{}`)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	// A long line and a last event without its blank line.
	long := strings.Repeat("x", 100<<10)
	got = nil
	err = newSSEReader(strings.NewReader("event:big\ndata:" + long + "\n\nevent:end\ndata:1")).each(func(ev sseEvent) error {
		got = append(got, ev)
		return nil
	})
	if err != nil || len(got) != 2 || string(got[0].data) != long || got[1].name != "end" {
		t.Errorf("long/last: %v, %d events", err, len(got))
	}
}

func TestDurationMillis(t *testing.T) {
	if durationMillis(0) != nil || *durationMillis(-1) != 0 || *durationMillis(1500 * 1e6) != 1500 || *durationMillis(1) != 1 {
		t.Error("durationMillis")
	}
	if seconds(0) != 0 || seconds(1) != 1 || seconds(90e9) != 90 {
		t.Error("seconds")
	}
}
