package e2e

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"
)

// chromiumPath is Debian's chromium, installed by tools/chromium.sh (a `make test` step).
const chromiumPath = "/usr/bin/chromium"

// webUICase is one workflow the browser opens in the Web UI.
type webUICase struct {
	name       string
	workflowID string
}

// browserRequest is what the page asked for, as the DevTools protocol reported it.
type browserRequest struct {
	url      string
	method   string
	postData bool
	finished bool
}

// checkWebUI opens each workflow's history page of the Web UI at ui in headless chromium, waits until the page
// shows marker (which only the codec endpoint can have decoded), keeps a screenshot, and checks
// the page's traffic: what the UI server relays from and to the Temporal server never holds
// marker, while the codec's answers do.
func (e *engine) checkWebUI(t *testing.T, ui, marker string, cases []webUICase) {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		t.Fatalf("%s missing: run tools/chromium.sh (part of `make test`): %v", chromiumPath, err)
	}
	var mu sync.Mutex
	reqs := map[network.RequestID]*browserRequest{}
	listener := func(ev any) {
		// Runs in the tab's message loop: record only, run no command.
		mu.Lock()
		defer mu.Unlock()
		switch ev := ev.(type) {
		case *network.EventRequestWillBeSent:
			reqs[ev.RequestID] = &browserRequest{url: ev.Request.URL, method: ev.Request.Method, postData: ev.Request.HasPostData}
		case *network.EventLoadingFinished:
			if r := reqs[ev.RequestID]; r != nil {
				r.finished = true
			}
		}
	}
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1440, 1100),
	)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithListener(listener))
	defer cancel()
	// The first Run starts the browser; it must not carry a deadline (that would end it).
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate("about:blank")), "start chromium")

	artifacts := artifactDir(t)
	codecAnswers, serverAnswers := 0, 0
	for _, c := range cases {
		desc, err := e.raw.DescribeWorkflowExecution(context.Background(), c.workflowID, "")
		require.NoError(t, err, c.name)
		runID := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()
		page := ui + "/namespaces/default/workflows/" + c.workflowID + "/" + runID + "/history"
		mu.Lock()
		clear(reqs)
		mu.Unlock()

		require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(page)), c.name)
		var text string
		waitCtx, cancelWait := context.WithTimeout(ctx, 90*time.Second)
		for {
			text, err = chromedp.Run(waitCtx, chromedp.Evaluate[string]("document.body ? document.body.innerText : ''"))
			if err == nil && strings.Contains(text, marker) {
				break
			}
			if waitCtx.Err() != nil {
				break
			}
			time.Sleep(500 * time.Millisecond)
		}
		cancelWait()
		png, shotErr := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if shotErr == nil {
			path := filepath.Join(artifacts, "webui-"+c.name+".png")
			if err := os.WriteFile(path, png, 0o644); err == nil {
				t.Logf("web UI screenshot of %s: %s", c.workflowID, path)
			}
		}
		require.Contains(t, text, marker, "%s: the Web UI never showed the decoded input (page text: %.2000s)", c.name, text)
		require.Contains(t, text, c.workflowID, c.name)
		require.NoError(t, shotErr, "screenshot")

		// The page's traffic, read before the next navigation drops its bodies.
		mu.Lock()
		seen := map[network.RequestID]browserRequest{}
		for id, r := range reqs {
			seen[id] = *r
		}
		mu.Unlock()
		for id, r := range seen {
			toCodec := strings.Contains(r.url, "/codec/")
			toServer := strings.HasPrefix(r.url, ui+"/api/")
			if !toCodec && !toServer {
				continue
			}
			if r.postData && toServer {
				sent, err := chromedp.Call(ctx, network.GetRequestPostData, network.GetRequestPostDataParams{RequestID: id})
				if err == nil {
					require.False(t, holds(sent.PostData, marker), "%s: plaintext sent towards the Temporal server: %s", c.name, r.url)
				}
			}
			if !r.finished || r.method == "OPTIONS" {
				continue
			}
			got, err := chromedp.Call(ctx, network.GetResponseBody, network.GetResponseBodyParams{RequestID: id})
			if err != nil {
				continue // e.g. a body the browser did not keep
			}
			switch {
			case toServer:
				require.False(t, holds(got.Body, marker), "%s: plaintext in what the Temporal server returned: %s", c.name, r.url)
				if holds(got.Body, "binary/encrypted") {
					serverAnswers++
				}
			case toCodec && holds(got.Body, marker):
				codecAnswers++
			}
		}
	}
	require.Positive(t, serverAnswers, "no encrypted payloads seen from the Temporal server through the UI server")
	require.Positive(t, codecAnswers, "no codec answer held the decoded marker")
}

// holds reports whether b contains s as text or base64-encoded at any alignment (JSON carries
// payload bytes as base64).
func holds(b []byte, s string) bool {
	if bytes.Contains(b, []byte(s)) {
		return true
	}
	for k := range 3 {
		enc := base64.StdEncoding.EncodeToString(append(make([]byte, k), s...))
		// Drop the characters that mix in the padding bytes or the bytes after s.
		from := 0
		if k > 0 {
			from = 4
		}
		if to := len(enc) - 4; to > from && bytes.Contains(b, []byte(enc[from:to])) {
			return true
		}
	}
	return false
}

// artifactDir is where the test keeps screenshots: .artifacts/ at the repository root
// (ignored by git), or a temporary directory when the root cannot be found.
func artifactDir(t *testing.T) string {
	dir, err := os.Getwd()
	for err == nil {
		if _, statErr := os.Stat(filepath.Join(dir, "go.mod")); statErr == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			err = errors.New("no go.mod")
		}
		dir = parent
	}
	if err != nil {
		return t.TempDir()
	}
	out := filepath.Join(dir, ".artifacts")
	if err := os.MkdirAll(out, 0o755); err != nil {
		return t.TempDir()
	}
	return out
}
