// Package temporalclient builds Temporal client options shared by the worker, the API and the
// tests, so every process encrypts payloads and failures the same way.
package temporalclient

import (
	"context"
	"fmt"
	"log/slog"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"

	"github.com/careflow/engine/internal/payloadcodec"
)

// Keyring returns the payload keys from the PAYLOAD_KEYS spec, or the dev key kept in dataDir
// when the spec is empty.
func Keyring(spec, dataDir string) (*payloadcodec.Keyring, error) {
	if spec != "" {
		return payloadcodec.ParseKeys(spec)
	}
	return payloadcodec.LoadOrCreateDevKey(dataDir)
}

// Options returns client options whose data converter encrypts every payload with codec and
// whose failure converter moves failure messages and stack traces into encrypted payloads.
func Options(address, namespace string, codec converter.PayloadCodec, metrics client.MetricsHandler, logger *slog.Logger) client.Options {
	dc := payloadcodec.DataConverter(codec)
	opts := client.Options{
		HostPort:         address,
		Namespace:        namespace,
		DataConverter:    dc,
		FailureConverter: payloadcodec.FailureConverter(dc),
		MetricsHandler:   metrics,
	}
	if logger != nil {
		opts.Logger = tlog.NewStructuredLogger(logger)
	}
	return opts
}

// Dial connects with opts and checks the server answers, so start-up fails early and clearly.
func Dial(ctx context.Context, opts client.Options) (client.Client, error) {
	c, err := client.DialContext(ctx, opts)
	if err != nil {
		return nil, fmt.Errorf("temporal: dial %s: %w", opts.HostPort, err)
	}
	if _, err := c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		c.Close()
		return nil, fmt.Errorf("temporal: health check %s: %w", opts.HostPort, err)
	}
	return c, nil
}
