// Package smtpsim is a local SMTP server for development and tests: it accepts mail on
// loopback, keeps every message it receives in memory and shows them over HTTP, so the email
// channel of notifications is visible without a mail provider.
//
//	srv, _ := smtpsim.Start(smtpsim.Options{})
//	// SMTP on srv.SMTPAddr (no TLS, no authentication: loopback only)
//	// GET srv.URL + "/messages"            every message, oldest first
//	// GET srv.URL + "/messages?to=<addr>"  the messages to one recipient
//
// # Magic recipients
//
// The recipient's local part chooses the SMTP answer, so tests can reach every outcome:
//
//	bounce@...     550 5.1.1 at RCPT TO (permanent: the mailbox does not exist)
//	tempfail@...   451 4.3.0 at RCPT TO (temporary: try again later)
//	anything else  250, the message is kept
package smtpsim

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/careflow/engine/internal/sim/simkit"
)

// Message is one message the simulator accepted.
type Message struct {
	ID         int       `json:"id"`
	ReceivedAt time.Time `json:"receivedAt"`
	From       string    `json:"from"`
	To         []string  `json:"to"`
	MessageID  string    `json:"messageId"`
	Subject    string    `json:"subject"`
	Body       string    `json:"body"`
}

// Options configure Start.
type Options struct {
	// SMTPAddr and HTTPAddr are the listen addresses; empty picks free loopback ports.
	SMTPAddr string
	HTTPAddr string
}

// Server is a running simulator.
type Server struct {
	// SMTPAddr is host:port of the SMTP listener (SMTP_ADDR).
	SMTPAddr string
	// URL is the base URL of the HTTP view.
	URL string

	smtp *smtp.Server
	http *simkit.HTTPServer
	mu   sync.Mutex
	msgs []Message
	once sync.Once
}

// Start listens for SMTP and HTTP on loopback.
func Start(opts Options) (*Server, error) {
	ln, err := simkit.Listen(opts.SMTPAddr)
	if err != nil {
		return nil, err
	}
	s := &Server{SMTPAddr: ln.Addr().String()}
	s.smtp = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{srv: s}, nil }))
	s.smtp.Domain = "smtpsim.localhost"
	s.smtp.MaxMessageBytes = 1 << 20
	s.smtp.MaxRecipients = 50
	s.smtp.ReadTimeout, s.smtp.WriteTimeout = time.Minute, time.Minute
	go func() { _ = s.smtp.Serve(ln) }()
	hl, err := simkit.Listen(opts.HTTPAddr)
	if err != nil {
		_ = s.smtp.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /messages", s.list)
	s.http = simkit.Serve(hl, mux)
	s.URL = s.http.URL
	return s, nil
}

// Close stops both listeners; closing twice is harmless.
func (s *Server) Close() {
	s.once.Do(func() {
		_ = s.smtp.Close()
		s.http.Close()
	})
}

// Messages returns the messages received so far, oldest first; to filters by recipient.
func (s *Server) Messages(to string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := []Message{}
	for _, m := range s.msgs {
		if to == "" || containsFold(m.To, to) {
			out = append(out, m)
		}
	}
	return out
}

func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"messages": s.Messages(r.URL.Query().Get("to"))})
}

func containsFold(list []string, v string) bool {
	for _, x := range list {
		if strings.EqualFold(x, v) {
			return true
		}
	}
	return false
}

// session is one SMTP transaction.
type session struct {
	srv  *Server
	from string
	to   []string
}

func (s *session) Reset()        { s.from, s.to = "", nil }
func (s *session) Logout() error { return nil }

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	local, _, _ := strings.Cut(strings.ToLower(to), "@")
	switch local {
	case "bounce":
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "mailbox unavailable"}
	case "tempfail":
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.to = append(s.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "message not parseable"}
	}
	body, err := io.ReadAll(m.Body)
	if err != nil {
		return errors.New("read body")
	}
	dec := new(mimeWordDecoder)
	s.srv.mu.Lock()
	defer s.srv.mu.Unlock()
	s.srv.msgs = append(s.srv.msgs, Message{ID: len(s.srv.msgs) + 1, ReceivedAt: time.Now().UTC(), From: s.from,
		To: append([]string(nil), s.to...), MessageID: strings.Trim(m.Header.Get("Message-Id"), "<>"),
		Subject: dec.decode(m.Header.Get("Subject")), Body: decodeBody(m.Header.Get("Content-Transfer-Encoding"), body)})
	return nil
}
