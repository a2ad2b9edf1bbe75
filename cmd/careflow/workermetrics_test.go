package main

import (
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/careflow/engine/internal/metrics"
)

func TestWorkerMetricsServesRegistryAndHealth(t *testing.T) {
	reg := metrics.NewRegistry()
	metrics.NewActivities(reg).Observe("CapturePayment", 0, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	stop, err := serveWorkerMetrics(addr, metrics.Handler(reg), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	for path, want := range map[string]string{"/metrics": "careflow_activity_duration_seconds_count", "/healthz": "ok"} {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), want) {
			t.Errorf("GET %s: %d %.200s", path, resp.StatusCode, body)
		}
	}
	if _, err := serveWorkerMetrics(addr, metrics.Handler(reg), slog.New(slog.DiscardHandler)); err == nil {
		t.Error("a busy address must fail the start")
	}
}
