package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"time"
)

// runHealthcheck probes one target and fails unless it answers, so container health checks work
// in an image without a shell: http(s)://… must answer 2xx, tcp://host:port must accept.
func runHealthcheck(ctx context.Context, args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("usage: careflow healthcheck <http://host:port/path | tcp://host:port>")
	}
	u, err := url.Parse(args[0])
	if err != nil || u.Host == "" {
		return fmt.Errorf("healthcheck: %q is not a URL", args[0])
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	switch u.Scheme {
	case "tcp":
		var d net.Dialer
		conn, err := d.DialContext(ctx, "tcp", u.Host)
		if err != nil {
			return fmt.Errorf("healthcheck: %w", err)
		}
		return conn.Close()
	case "http", "https":
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
		if err != nil {
			return fmt.Errorf("healthcheck: %w", err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return fmt.Errorf("healthcheck: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			return fmt.Errorf("healthcheck: %s answered %d", u.Redacted(), resp.StatusCode)
		}
		return nil
	default:
		return fmt.Errorf("healthcheck: scheme %q is not http, https or tcp", u.Scheme)
	}
}
