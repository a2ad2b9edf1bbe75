package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHealthcheck(t *testing.T) {
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {}))
	defer ok.Close()
	down := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer down.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	open := ln.Addr().String()
	ln.Close() // nothing listens there any more
	ln2, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln2.Close()

	for _, tc := range []struct {
		arg  string
		fail bool
	}{
		{ok.URL + "/readyz", false},
		{down.URL + "/readyz", true},
		{"tcp://" + ln2.Addr().String(), false},
		{"tcp://" + open, true},
		{"ftp://127.0.0.1:1", true},
		{"not a url", true},
	} {
		err := runHealthcheck(context.Background(), []string{tc.arg})
		if (err != nil) != tc.fail {
			t.Errorf("healthcheck %s: err = %v, want failure %v", tc.arg, err, tc.fail)
		}
	}
	if runHealthcheck(context.Background(), nil) == nil {
		t.Error("healthcheck without a target succeeded")
	}
}
