// Command bench measures what the Go SDK adds to a command run: in one process, on one sandbox,
// N runs of Commands.Run(ctx, "true", nil) beside N runs of the same request made with raw
// net/http (POST {runtime_url}/run, JSON answer, X-Access-Token, keep-alive), alternated in
// blocks. A third series, raw net/http asking for the SSE answer the SDK reads, separates the
// cost of the SDK's code from the cost of the server's streaming answer. The same three series
// then run against an in-process fake runtime that answers at once with canned bodies: with the
// server's time (and the noise of a shared machine) out of the way, that is the SDK's own cost.
//
//	TENSORBOX_API_URL=... TENSORBOX_API_KEY=... ./run.sh [-n 200] [-block 20] [-warmup 20]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"sort"
	"strings"
	"time"

	tensorbox "tensorbox.io/sdk/go"
)

func main() {
	n := flag.Int("n", 200, "runs per series")
	block := flag.Int("block", 20, "runs of one series before switching to the next")
	warmup := flag.Int("warmup", 20, "unmeasured runs per series first")
	flag.Parse()
	if err := run(*n, *block, *warmup); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(n, block, warmup int) error {
	ctx := context.Background()
	sb, err := tensorbox.Create(ctx, &tensorbox.CreateOptions{Timeout: 10 * time.Minute,
		Metadata: map[string]string{"purpose": "bench-sdk-go"}})
	if err != nil {
		return err
	}
	defer sb.Kill(ctx)
	fmt.Printf("%d runs of `true` per series, blocks of %d, %d warm-up runs per series\n", n, block, warmup)
	fmt.Printf("\n== platform %s, sandbox %s\n", os.Getenv("TENSORBOX_API_URL"), sb.ID)
	if err := measure(ctx, sb, n, block, warmup); err != nil {
		return err
	}

	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v1/sandboxes/sbx_fake":
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"id":"sbx_fake","state":"running","runtime_url":"http://%s/v1/sandboxes/sbx_fake"}`, r.Host)
		case r.Header.Get("Accept") == "text/event-stream":
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "text/event-stream")
			io.WriteString(w, "event:start\ndata:{\"pid\":1}\n\nevent:exit\ndata:{\"exit_code\":0,\"duration_ms\":1,\"timed_out\":false}\n\n")
		default:
			_, _ = io.Copy(io.Discard, r.Body)
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"stdout":"","stderr":"","exit_code":0,"duration_ms":1,"timed_out":false,"truncated":false}`)
		}
	}))
	defer fake.Close()
	fsb, err := tensorbox.Connect(ctx, "sbx_fake", &tensorbox.Config{APIURL: fake.URL, APIKey: "ask_fake_fake"})
	if err != nil {
		return err
	}
	fmt.Printf("\n== in-process fake runtime (canned answers: the client side alone)\n")
	return measure(ctx, fsb, n*10, block*10, warmup*10)
}

func measure(ctx context.Context, sb *tensorbox.Sandbox, n, block, warmup int) error {
	token := sb.AccessToken()
	if token == "" {
		token = "sat_fake"
	}

	raw := &http.Client{Transport: http.DefaultTransport.(*http.Transport).Clone()}
	body := []byte(`{"cmd":"true"}`)
	post := func(accept string) error {
		req, err := http.NewRequestWithContext(ctx, "POST", sb.RuntimeURL()+"/run", bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Accept", accept)
		req.Header.Set("X-Access-Token", token)
		resp, err := raw.Do(req)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("raw: %d %s", resp.StatusCode, b)
		}
		if accept == "application/json" {
			var r struct {
				ExitCode int `json:"exit_code"`
			}
			if err := json.Unmarshal(b, &r); err != nil || r.ExitCode != 0 {
				return fmt.Errorf("raw: %s (%v)", b, err)
			}
		} else if !strings.Contains(string(b), `"exit_code":0`) {
			return fmt.Errorf("raw sse: %s", b)
		}
		return nil
	}
	series := []struct {
		name string
		call func() error
	}{
		{"sdk   Commands.Run (SSE)", func() error {
			res, err := sb.Commands.Run(ctx, "true", nil)
			if err == nil && res.ExitCode != 0 {
				err = fmt.Errorf("sdk: exit %d", res.ExitCode)
			}
			return err
		}},
		{"raw   net/http JSON", func() error { return post("application/json") }},
		{"raw   net/http SSE", func() error { return post("text/event-stream") }},
	}
	for _, s := range series {
		for i := 0; i < warmup; i++ {
			if err := s.call(); err != nil {
				return err
			}
		}
	}
	samples := make([][]time.Duration, len(series))
	for done := 0; done < n; done += block {
		for si, s := range series {
			for i := 0; i < block && done+i < n; i++ {
				start := time.Now()
				if err := s.call(); err != nil {
					return err
				}
				samples[si] = append(samples[si], time.Since(start))
			}
		}
	}
	fmt.Printf("(%d runs per series)\n", n)
	fmt.Printf("%-28s %10s %10s %10s\n", "series", "p50", "p99", "mean")
	stats := make([][3]time.Duration, len(series))
	for si, s := range series {
		stats[si] = summary(samples[si])
		fmt.Printf("%-28s %10s %10s %10s\n", s.name, ms(stats[si][0]), ms(stats[si][1]), ms(stats[si][2]))
	}
	fmt.Printf("sdk - raw JSON: p50 %+.3f ms, mean %+.3f ms\n", delta(stats[0][0], stats[1][0]), delta(stats[0][2], stats[1][2]))
	fmt.Printf("sdk - raw SSE:  p50 %+.3f ms, mean %+.3f ms\n", delta(stats[0][0], stats[2][0]), delta(stats[0][2], stats[2][2]))
	return nil
}

// summary returns p50, p99 and the mean (nearest-rank percentiles).
func summary(d []time.Duration) [3]time.Duration {
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	var sum time.Duration
	for _, v := range s {
		sum += v
	}
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(s))+0.999999) - 1
		if i < 0 {
			i = 0
		}
		return s[i]
	}
	return [3]time.Duration{rank(0.50), rank(0.99), sum / time.Duration(len(s))}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.3f ms", float64(d)/1e6) }

func delta(a, b time.Duration) float64 { return float64(a-b) / 1e6 }
