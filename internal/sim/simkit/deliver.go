package simkit

import (
	"fmt"
	"io"
	"net/http"
)

// Deliver sends req, a simulator's webhook or callback, with c and fails unless the receiver
// answers 2xx; the error for another status is prefix + "webhook receiver answered <status>".
// It drains a little of the answer, which receivers' bodies never matter for, so the
// connection can be reused for the next delivery.
func Deliver(c *http.Client, req *http.Request, prefix string) error {
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("%swebhook receiver answered %d", prefix, resp.StatusCode)
	}
	return nil
}
