package pharmacy_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/careflow/engine/clients/pharmacy"
	"github.com/careflow/engine/codecs/ncpdp"
	"github.com/stretchr/testify/require"
)

// newRx reads the codec's hand-written NewRx.
func newRx(t *testing.T) *ncpdp.Message {
	t.Helper()
	b, err := os.ReadFile("../../codecs/ncpdp/testdata/newrx.xml")
	require.NoError(t, err)
	m, err := ncpdp.Decode(b)
	require.NoError(t, err)
	return m
}

// answering returns a server that decodes each request and answers with
// what reply builds.
func answering(t *testing.T, reply func(w http.ResponseWriter, req *ncpdp.Message)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Content-Type") != pharmacy.ContentType {
			http.Error(w, "content type", http.StatusUnsupportedMediaType)
			return
		}
		b, _ := io.ReadAll(r.Body)
		m, err := ncpdp.Decode(b)
		if err != nil {
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		reply(w, m)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func writeMsg(t *testing.T, w http.ResponseWriter, status int, m *ncpdp.Message) {
	b, err := ncpdp.Encode(m)
	require.NoError(t, err)
	w.Header().Set("Content-Type", pharmacy.ContentType)
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func client(t *testing.T, url string) *pharmacy.Client {
	c, err := pharmacy.New(pharmacy.Config{BaseURL: url, HTTPClient: &http.Client{Timeout: 5 * time.Second}})
	require.NoError(t, err)
	return c
}

func TestSendStatusMatchedByRelatesTo(t *testing.T) {
	srv := answering(t, func(w http.ResponseWriter, req *ncpdp.Message) {
		writeMsg(t, w, 200, ncpdp.NewStatus(req, "ST-1", time.Now(), ncpdp.StatusAcceptedByReceiver))
	})
	msg := newRx(t)
	ans, err := client(t, srv.URL).Send(context.Background(), msg)
	require.NoError(t, err)
	require.Equal(t, ncpdp.TypeStatus, ans.Type())
	require.Equal(t, msg.Header.MessageID, ans.Header.RelatesToMessageID)
}

func TestSendErrorIsRejectedWithoutPHI(t *testing.T) {
	srv := answering(t, func(w http.ResponseWriter, req *ncpdp.Message) {
		writeMsg(t, w, 200, ncpdp.NewError(req, "ER-1", time.Now(), ncpdp.ErrorTransactionRejected, "210", "Jane Doe not found"))
	})
	_, err := client(t, srv.URL).Send(context.Background(), newRx(t))
	var rej *pharmacy.RejectedError
	require.ErrorAs(t, err, &rej)
	require.Equal(t, "900", rej.Code)
	require.Equal(t, "210", rej.DescriptionCode)
	require.Equal(t, "Jane Doe not found", rej.Description)
	require.NotContains(t, err.Error(), "Jane")
	require.True(t, pharmacy.IsPermanent(err))
}

func TestSendClassifiesFailures(t *testing.T) {
	cases := []struct {
		name      string
		handler   http.HandlerFunc
		permanent bool
	}{
		{"503", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(503) }, false},
		{"429", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(429) }, false},
		{"404 plain", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }, true},
		{"malformed XML", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/xml")
			_, _ = w.Write([]byte("<Message><Header>"))
		}, true},
		{"other message", func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			req, _ := ncpdp.Decode(b)
			other := *req
			other.Header.MessageID = "SOMETHING-ELSE"
			m := ncpdp.NewStatus(&other, "ST-2", time.Now(), "000")
			out, _ := ncpdp.Encode(m)
			_, _ = w.Write(out)
		}, true},
		{"unexpected type", func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			_, _ = w.Write(b) // echoes a NewRx, which relates to nothing
		}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			defer srv.Close()
			_, err := client(t, srv.URL).Send(context.Background(), newRx(t))
			require.Error(t, err)
			require.Equal(t, tc.permanent, pharmacy.IsPermanent(err), err.Error())
			if !tc.permanent {
				var te *pharmacy.TransientError
				require.ErrorAs(t, err, &te)
			}
		})
	}
}

func TestSendTimeoutAndRefusedAreTransient(t *testing.T) {
	block := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-block }))
	defer srv.Close()
	defer close(block)
	c, err := pharmacy.New(pharmacy.Config{BaseURL: srv.URL, HTTPClient: &http.Client{Timeout: 50 * time.Millisecond}})
	require.NoError(t, err)
	_, err = c.Send(context.Background(), newRx(t))
	var te *pharmacy.TransientError
	require.ErrorAs(t, err, &te)
	require.False(t, pharmacy.IsPermanent(err))

	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	_, err = client(t, closed.URL).Send(context.Background(), newRx(t))
	require.ErrorAs(t, err, &te)
}

func TestSendInvalidMessageIsPermanent(t *testing.T) {
	msg := newRx(t)
	msg.Header.MessageID = strings.Repeat("x", 36)
	_, err := client(t, "http://127.0.0.1:1").Send(context.Background(), msg)
	require.True(t, pharmacy.IsPermanent(err))
	var ve *ncpdp.ValidationError
	require.ErrorAs(t, err, &ve)
}

func TestMessageIDDeterministic(t *testing.T) {
	a := pharmacy.MessageID("prescription:rx-1", "newrx")
	require.Equal(t, a, pharmacy.MessageID("prescription:rx-1", "newrx"))
	require.NotEqual(t, a, pharmacy.MessageID("prescription:rx-1", "cancelrx"))
	require.NotEqual(t, pharmacy.MessageID("ab", "c"), pharmacy.MessageID("a", "bc"))
	require.LessOrEqual(t, len(a), 35)
}

func TestNewRequiresURL(t *testing.T) {
	_, err := pharmacy.New(pharmacy.Config{})
	require.Error(t, err)
	_, err = pharmacy.New(pharmacy.Config{BaseURL: "ftp://x"})
	require.Error(t, err)
}

// selfSigned returns a certificate usable as both CA and leaf for 127.0.0.1.
func selfSigned(t *testing.T, cn string) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth},
		BasicConstraintsValid: true, IsCA: true, IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, cert
}

func TestSendMutualTLS(t *testing.T) {
	serverCert, serverX := selfSigned(t, "network")
	clientCert, clientX := selfSigned(t, "careflow")
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		req, err := ncpdp.Decode(b)
		require.NoError(t, err)
		writeMsg(t, w, 200, ncpdp.NewStatus(req, "ST-1", time.Now(), "000"))
	}))
	clientCAs := x509.NewCertPool()
	clientCAs.AddCert(clientX)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{serverCert}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: clientCAs}
	srv.StartTLS()
	defer srv.Close()
	roots := x509.NewCertPool()
	roots.AddCert(serverX)

	withCert, err := pharmacy.New(pharmacy.Config{BaseURL: srv.URL, HTTPClient: &http.Client{Timeout: 5 * time.Second},
		TLSConfig: &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{clientCert}}})
	require.NoError(t, err)
	_, err = withCert.Send(context.Background(), newRx(t))
	require.NoError(t, err)

	without, err := pharmacy.New(pharmacy.Config{BaseURL: srv.URL, HTTPClient: &http.Client{Timeout: 5 * time.Second},
		TLSConfig: &tls.Config{RootCAs: roots}})
	require.NoError(t, err)
	_, err = without.Send(context.Background(), newRx(t))
	require.Error(t, err)
	require.False(t, errors.Is(err, context.Canceled))
}
