// Package email sends email over SMTP with go-mail: STARTTLS is mandatory towards a configured
// server (SMTP_ADDR), authentication uses SMTP_USERNAME and SMTP_PASSWORD, and the SMTP answer
// becomes the delivery status. Only the loopback simulator is spoken to without TLS.
package email

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/wneessen/go-mail"
)

// Config is the SMTP relay the engine submits mail to.
type Config struct {
	// Addr is host:port (SMTP_ADDR), typically port 587 (submission).
	Addr string
	// Username and Password authenticate (SMTP_USERNAME, SMTP_PASSWORD); empty means no AUTH.
	Username, Password string
	// From is the sender address (SMTP_FROM).
	From string
	// Insecure skips STARTTLS; only the loopback simulator is configured so.
	Insecure bool
	// TLSConfig overrides the TLS settings (tests with their own CA); nil uses the system roots.
	TLSConfig *tls.Config
	// Timeout bounds connecting and each SMTP exchange; zero means 20 s.
	Timeout time.Duration
}

// Client submits messages to one SMTP relay.
type Client struct {
	cfg  Config
	host string
	port int
}

// New checks cfg and returns a client; nothing is dialled until Send.
func New(cfg Config) (*Client, error) {
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" {
		return nil, errors.New("email: SMTP_ADDR must be host:port")
	}
	p, err := strconv.Atoi(port)
	if err != nil || p <= 0 || p > 65535 {
		return nil, errors.New("email: SMTP_ADDR has no valid port")
	}
	if cfg.From == "" {
		return nil, errors.New("email: SMTP_FROM is required")
	}
	m := mail.NewMsg()
	if err := m.From(cfg.From); err != nil {
		return nil, errors.New("email: SMTP_FROM is not an email address")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 20 * time.Second
	}
	return &Client{cfg: cfg, host: host, port: p}, nil
}

// Message is one plain-text email.
type Message struct {
	To      string
	Subject string
	Body    string
	// MessageID is the Message-ID to send (without angle brackets): a deterministic one lets
	// the recipient's server and the audit trail recognise a resend.
	MessageID string
}

// Result is the relay's answer to a message it accepted.
type Result struct {
	// MessageID is the Message-ID the message was sent with.
	MessageID string
	// Status is "accepted": the relay took responsibility for delivery (SMTP 250).
	Status string
}

// Error is a relay's refusal. Code is the SMTP reply code (550, 451, ...; 0 when the
// connection failed before an answer); Temporary follows the 4xx/5xx class.
type Error struct {
	Code      int
	Enhanced  string
	Temporary bool
	// Stage says where it failed: "connect", "from", "rcpt", "data".
	Stage string
	err   error
}

// Error implements error without the recipient or the text, which may be PHI.
func (e *Error) Error() string {
	return fmt.Sprintf("smtp %s failed: code %d %s", e.Stage, e.Code, e.Enhanced)
}

// Unwrap returns the underlying error, for errors.Is on network errors.
func (e *Error) Unwrap() error { return e.err }

// Send submits m and returns the relay's verdict.
func (c *Client) Send(ctx context.Context, m Message) (Result, error) {
	msg := mail.NewMsg()
	if err := msg.From(c.cfg.From); err != nil {
		return Result{}, &Error{Stage: "from", err: err}
	}
	if err := msg.To(m.To); err != nil {
		// An address the library cannot parse will never be deliverable.
		return Result{}, &Error{Code: 553, Enhanced: "5.1.3", Stage: "rcpt", err: err}
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(mail.TypeTextPlain, m.Body)
	msg.SetDate()
	if m.MessageID != "" {
		msg.SetMessageIDWithValue(m.MessageID)
	} else {
		msg.SetMessageID()
	}
	opts := []mail.Option{mail.WithPort(c.port), mail.WithTimeout(c.cfg.Timeout), mail.WithTLSPolicy(mail.TLSMandatory),
		mail.WithHELO("careflow")}
	if c.cfg.Insecure {
		opts[2] = mail.WithTLSPolicy(mail.NoTLS)
	}
	if c.cfg.TLSConfig != nil {
		opts = append(opts, mail.WithTLSConfig(c.cfg.TLSConfig))
	}
	if c.cfg.Username != "" {
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover), mail.WithUsername(c.cfg.Username),
			mail.WithPassword(c.cfg.Password))
	}
	cl, err := mail.NewClient(c.host, opts...)
	if err != nil {
		return Result{}, &Error{Stage: "connect", err: err}
	}
	if err := cl.DialAndSendWithContext(ctx, msg); err != nil {
		return Result{}, classify(err)
	}
	id := m.MessageID
	if id == "" {
		id = trimID(msg.GetMessageID())
	}
	return Result{MessageID: id, Status: "accepted"}, nil
}

// classify turns go-mail's errors into Error: a SendError carries the SMTP reply; anything
// else (dial, TLS, timeout) happened before an answer and is temporary.
func classify(err error) error {
	var se *mail.SendError
	if errors.As(err, &se) {
		stage := map[mail.SendErrReason]string{mail.ErrSMTPMailFrom: "from", mail.ErrSMTPRcptTo: "rcpt",
			mail.ErrSMTPData: "data", mail.ErrSMTPDataClose: "data"}[se.Reason]
		if stage == "" {
			stage = "send"
		}
		code := se.ErrorCode()
		temp := se.IsTemp() || code == 0 || (code >= 400 && code < 500)
		if code >= 500 {
			temp = false
		}
		return &Error{Code: code, Enhanced: se.EnhancedStatusCode(), Temporary: temp, Stage: stage, err: err}
	}
	return &Error{Temporary: true, Stage: "connect", err: err}
}

func trimID(id string) string {
	if len(id) >= 2 && id[0] == '<' && id[len(id)-1] == '>' {
		return id[1 : len(id)-1]
	}
	return id
}
