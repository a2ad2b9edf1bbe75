// Package config reads the engine's configuration from environment variables named in DESIGN.md.
package config

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/careflow/engine/codecs/hl7"
)

// Config is the engine's whole configuration.
type Config struct {
	TemporalAddress   string
	TemporalNamespace string
	TemporalUIURL     string

	APIAddr  string
	MLLPAddr string
	// WorkerMetricsAddr is where the `worker` role serves /metrics and /healthz; empty serves none.
	WorkerMetricsAddr string

	// DatabaseURL selects PostgreSQL for the engine's records; empty means the embedded store.
	DatabaseURL string
	// DataDir holds the embedded store, the dev payload key and the dev server's database.
	DataDir string
	// PayloadKeys is the PAYLOAD_KEYS spec; empty means a dev key in DataDir.
	PayloadKeys string
	// APITokens is the API_TOKENS spec: name:secret:scope+scope,...
	APITokens string

	Stripe        Stripe
	FHIR          FHIR
	Clearinghouse Clearinghouse
	Twilio        Twilio
	// Appointments holds the appointment sync's settings (PMS, webhook secrets, reconciliation).
	Appointments Appointments
	SMTP         SMTP
	// SendRates limit the sends through each vendor account (Twilio, SMTP).
	SendRates SendRates
	// Worker tunes the Temporal workers: pollers and sticky cache (WORKER_*).
	Worker Worker

	// CheckInPayerWindow bounds how long an eligibility inquiry is retried.
	CheckInPayerWindow time.Duration
	// CheckInAttentionTimeout bounds how long a check-in that needs attention waits.
	CheckInAttentionTimeout time.Duration
	// CheckInWindowBefore and CheckInWindowAfter are how early and how late an appointment may
	// be checked in around its start.
	CheckInWindowBefore, CheckInWindowAfter time.Duration
	// CheckInPayerIDSystem is the payer Organization identifier system whose value is the
	// clearinghouse payer id.
	CheckInPayerIDSystem string
	// CheckInPayerCrosswalk maps other payer Organization identifiers ("system|value") to
	// clearinghouse payer ids.
	CheckInPayerCrosswalk map[string]string
	// LISMLLPAddr is the laboratory system's MLLP listener; empty means the simulator.
	LISMLLPAddr string
	// MLLPTLSCertFile and MLLPTLSKeyFile turn on TLS for the engine's MLLP listener.
	MLLPTLSCertFile, MLLPTLSKeyFile string
	// LISMLLPCAFile, when set, makes the engine reach the LIS over TLS trusting this CA bundle.
	LISMLLPCAFile string
	// Lab holds the lab-order process settings.
	Lab Lab
	// Claims holds the claim process settings.
	Claims Claims
	// MLLP bounds and trusts the engine's inbound MLLP listener.
	MLLP MLLP
	// LISCharset is LIS_CHARSET, the MSH-18 character set of orders sent to the laboratory.
	LISCharset string

	// ProviderNPI and ProviderName identify the clinic in eligibility inquiries.
	ProviderNPI  string
	ProviderName string

	// PaymentAuthorizationTTL is how long an authorization may wait for capture before the
	// workflow cancels it (Stripe holds card authorizations for about 7 days).
	PaymentAuthorizationTTL time.Duration
	// PaymentRefundWindow is how long a captured payment stays open for refunds.
	PaymentRefundWindow time.Duration

	// TemporalTLSCertFile, TemporalTLSKeyFile, TemporalTLSCAFile, TemporalTLSServerName and
	// TemporalAPIKey secure the connection to the Temporal frontend; all empty is plaintext.
	TemporalTLSCertFile, TemporalTLSKeyFile, TemporalTLSCAFile, TemporalTLSServerName, TemporalAPIKey string

	// Pharmacy is the e-prescribing network (PHARMACY_*).
	Pharmacy Pharmacy

	// Simulate lists the vendors (SIMULATE: stripe, fhir, clearinghouse, twilio, lis, pharmacy, pms, smtp) the
	// worker and api roles may serve with a built-in simulator.
	Simulate []string
}

// MaxPaymentAuthorizationTTL bounds PAYMENT_AUTHORIZATION_TTL: half a day below Stripe's
// 7-day hold limit (payments.MaxAuthorizationTTL, which a test keeps equal).
const MaxPaymentAuthorizationTTL = 7*24*time.Hour - 12*time.Hour

// Vendors the SIMULATE variable names, with the variable that configures each for real.
var vendorVariables = []struct{ name, variable string }{
	{"stripe", "STRIPE_BASE_URL"},
	{"fhir", "FHIR_BASE_URL"},
	{"clearinghouse", "CLEARINGHOUSE_BASE_URL"},
	{"twilio", "TWILIO_BASE_URL"},
	{"lis", "LIS_MLLP_ADDR"},
	{"pharmacy", "PHARMACY_BASE_URL"},
	{"pms", "PMS_BASE_URL"},
	{"smtp", "SMTP_ADDR"},
}

// Role names accepted by ValidateRole.
const (
	RoleWorker = "worker"
	RoleAPI    = "api"
)

// ValidateRole checks what a production role needs beyond FromEnv: every vendor configured
// unless SIMULATE lists it, and for the api role API_TOKENS and PUBLIC_URL. The error names
// the variables to set.
func (c Config) ValidateRole(role string) error {
	allowed := map[string]bool{}
	for _, v := range c.Simulate {
		allowed[v] = true
	}
	simulated := map[string]bool{
		"stripe": c.Stripe.Simulated(), "fhir": c.FHIR.Simulated(), "clearinghouse": c.Clearinghouse.Simulated(),
		"twilio": c.Twilio.Simulated(), "lis": c.LISMLLPAddr == "", "pharmacy": c.Pharmacy.Simulated(),
		"pms": c.Appointments.PMSSimulated(), "smtp": c.SMTP.Simulated(),
	}
	var missing []string
	for _, v := range vendorVariables {
		if simulated[v.name] && !allowed[v.name] {
			missing = append(missing, v.variable)
		}
	}
	var problems []string
	if len(missing) > 0 {
		problems = append(problems, fmt.Sprintf("vendors without configuration would be simulated: set %s, or list the vendors in SIMULATE",
			strings.Join(missing, ", ")))
	}
	if role == RoleAPI {
		if strings.TrimSpace(c.APITokens) == "" {
			problems = append(problems, "API_TOKENS is required (name:secret:scope+scope,...)")
		}
		if c.Twilio.PublicURL == "" {
			problems = append(problems, "PUBLIC_URL is required (the external https URL Twilio signs its webhooks for)")
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("config: the %s role cannot start: %s", role, strings.Join(problems, "; "))
	}
	return nil
}

// Stripe is the Stripe vendor configuration; an empty BaseURL means the built-in simulator.
type Stripe struct {
	BaseURL       string
	SecretKey     string
	WebhookSecret string
}

// Simulated reports whether the built-in Stripe simulator serves this configuration.
func (s Stripe) Simulated() bool { return s.BaseURL == "" }

// Lab configures the lab-order process.
type Lab struct {
	AckTimeout        time.Duration
	ResultDeadline    time.Duration
	CorrectionsWindow time.Duration
	// EscalationChain is LAB_ESCALATION_CHAIN: "role:+E164,role:+E164" paged after the
	// ordering provider.
	EscalationChain []Contact
	// CriticalThresholds is LAB_CRITICAL_THRESHOLDS: "LOINC:low:high;..." (either bound may be empty).
	CriticalThresholds map[string][2]*float64
}

// MLLP bounds the inbound MLLP listener and says which senders it trusts.
type MLLP struct {
	// MaxConns is MLLP_MAX_CONNS: connections past it are refused.
	MaxConns int
	// IdleTimeout is MLLP_IDLE_TIMEOUT: a connection with no frame for this long is closed.
	IdleTimeout time.Duration
	// FrameTimeout is MLLP_FRAME_TIMEOUT: one frame must arrive whole within it (slowloris guard).
	FrameTimeout time.Duration
	// HandshakeTimeout is MLLP_TLS_HANDSHAKE_TIMEOUT.
	HandshakeTimeout time.Duration
	// ClientCAFile is MLLP_TLS_CLIENT_CA_FILE: when set, senders must present a certificate it signed.
	ClientCAFile string
	// AllowedSenders is MLLP_ALLOWED_SENDERS: "APP^FACILITY" entries (MSH-3^MSH-4); empty allows any.
	AllowedSenders []string
	// LenientFraming is MLLP_LENIENT_FRAMING: accept FS without CR and stray CR/LF between frames.
	LenientFraming bool
}

// Contact is a role and phone number in the escalation chain.
type Contact struct{ Role, Phone string }

// FHIR is the EHR's FHIR R4 endpoint with SMART Backend Services credentials.
type FHIR struct {
	BaseURL, TokenURL, ClientID, PrivateKeyFile string
}

// Simulated reports whether the built-in EHR simulator serves this configuration.
func (f FHIR) Simulated() bool { return f.BaseURL == "" }

// Clearinghouse is the CAQH CORE real-time endpoint for X12 and its credentials.
type Clearinghouse struct {
	BaseURL, Username, Password, SenderID, ReceiverID string
}

// Simulated reports whether the built-in clearinghouse simulator serves this configuration.
func (c Clearinghouse) Simulated() bool { return c.BaseURL == "" }

// Twilio is the SMS vendor configuration.
type Twilio struct {
	BaseURL, AccountSID, AuthToken, From string
	// PublicURL is the engine's externally visible base URL, used to verify
	// X-Twilio-Signature (Twilio signs the URL it called); empty means the request's own URL.
	PublicURL string
}

// Simulated reports whether the built-in Twilio simulator serves this configuration.
func (t Twilio) Simulated() bool { return t.BaseURL == "" }

// FromEnv reads the configuration, applying DESIGN.md defaults.
func FromEnv() (Config, error) {
	c := Config{
		TemporalAddress:   env("TEMPORAL_ADDRESS", "127.0.0.1:7233"),
		TemporalNamespace: env("TEMPORAL_NAMESPACE", "default"),
		TemporalUIURL:     strings.TrimRight(env("TEMPORAL_UI_URL", "http://127.0.0.1:8233"), "/"),
		APIAddr:           env("API_ADDR", "127.0.0.1:8080"),
		MLLPAddr:          env("MLLP_ADDR", "127.0.0.1:2575"),
		WorkerMetricsAddr: os.Getenv("WORKER_METRICS_ADDR"),
		DatabaseURL:       os.Getenv("DATABASE_URL"),
		DataDir:           env("DATA_DIR", filepath.Join(".data")),
		PayloadKeys:       os.Getenv("PAYLOAD_KEYS"),
		APITokens:         os.Getenv("API_TOKENS"),
		Stripe: Stripe{
			BaseURL:       strings.TrimRight(os.Getenv("STRIPE_BASE_URL"), "/"),
			SecretKey:     os.Getenv("STRIPE_SECRET_KEY"),
			WebhookSecret: os.Getenv("STRIPE_WEBHOOK_SECRET"),
		},
		FHIR: FHIR{
			BaseURL:        strings.TrimRight(os.Getenv("FHIR_BASE_URL"), "/"),
			TokenURL:       os.Getenv("FHIR_TOKEN_URL"),
			ClientID:       os.Getenv("FHIR_CLIENT_ID"),
			PrivateKeyFile: os.Getenv("FHIR_PRIVATE_KEY_FILE"),
		},
		Clearinghouse: Clearinghouse{
			BaseURL:    os.Getenv("CLEARINGHOUSE_BASE_URL"),
			Username:   os.Getenv("CLEARINGHOUSE_USERNAME"),
			Password:   os.Getenv("CLEARINGHOUSE_PASSWORD"),
			SenderID:   env("CLEARINGHOUSE_SENDER_ID", "CAREFLOW"),
			ReceiverID: env("CLEARINGHOUSE_RECEIVER_ID", "CLEARINGHOUSE"),
		},
		Twilio: Twilio{
			BaseURL:    strings.TrimRight(os.Getenv("TWILIO_BASE_URL"), "/"),
			AccountSID: os.Getenv("TWILIO_ACCOUNT_SID"),
			AuthToken:  os.Getenv("TWILIO_AUTH_TOKEN"),
			From:       os.Getenv("TWILIO_FROM"),
			PublicURL:  strings.TrimRight(os.Getenv("PUBLIC_URL"), "/"),
		},
		LISMLLPAddr:     os.Getenv("LIS_MLLP_ADDR"),
		MLLPTLSCertFile: os.Getenv("MLLP_TLS_CERT_FILE"),
		MLLPTLSKeyFile:  os.Getenv("MLLP_TLS_KEY_FILE"),
		LISMLLPCAFile:   os.Getenv("LIS_MLLP_CA_FILE"),
		ProviderNPI:     env("PROVIDER_NPI", "1234567893"),
		ProviderName:    env("PROVIDER_NAME", "Careflow Clinic"),

		TemporalTLSCertFile:   os.Getenv("TEMPORAL_TLS_CERT_FILE"),
		TemporalTLSKeyFile:    os.Getenv("TEMPORAL_TLS_KEY_FILE"),
		TemporalTLSCAFile:     os.Getenv("TEMPORAL_TLS_CA_FILE"),
		TemporalTLSServerName: os.Getenv("TEMPORAL_TLS_SERVER_NAME"),
		TemporalAPIKey:        os.Getenv("TEMPORAL_API_KEY"),
	}
	if (c.TemporalTLSCertFile == "") != (c.TemporalTLSKeyFile == "") {
		return c, fmt.Errorf("config: TEMPORAL_TLS_CERT_FILE and TEMPORAL_TLS_KEY_FILE go together")
	}
	var err error
	if c.PaymentAuthorizationTTL, err = duration("PAYMENT_AUTHORIZATION_TTL", 6*24*time.Hour); err != nil {
		return c, err
	}
	if c.PaymentAuthorizationTTL > MaxPaymentAuthorizationTTL {
		return c, fmt.Errorf("config: PAYMENT_AUTHORIZATION_TTL must be at most %s: Stripe releases an uncaptured authorization after 7 days",
			MaxPaymentAuthorizationTTL)
	}
	for _, v := range splitList(os.Getenv("SIMULATE"), ",") {
		v = strings.ToLower(v)
		known := false
		for _, k := range vendorVariables {
			known = known || k.name == v
		}
		if !known {
			return c, fmt.Errorf("config: SIMULATE names an unknown vendor; use stripe, fhir, clearinghouse, twilio, lis, pharmacy, pms or smtp")
		}
		c.Simulate = append(c.Simulate, v)
	}
	if c.PaymentRefundWindow, err = duration("PAYMENT_REFUND_WINDOW", 180*24*time.Hour); err != nil {
		return c, err
	}
	if c.CheckInPayerWindow, err = duration("CHECKIN_PAYER_WINDOW", 2*time.Minute); err != nil {
		return c, err
	}
	if c.CheckInAttentionTimeout, err = duration("CHECKIN_ATTENTION_TIMEOUT", 12*time.Hour); err != nil {
		return c, err
	}
	if c.CheckInWindowBefore, err = duration("CHECKIN_WINDOW_BEFORE", 2*time.Hour); err != nil {
		return c, err
	}
	if c.CheckInWindowAfter, err = duration("CHECKIN_WINDOW_AFTER", time.Hour); err != nil {
		return c, err
	}
	c.CheckInPayerIDSystem = env("CHECKIN_PAYER_ID_SYSTEM", DefaultPayerIDSystem)
	if c.CheckInPayerCrosswalk, err = payerCrosswalk(os.Getenv("CHECKIN_PAYER_CROSSWALK")); err != nil {
		return c, err
	}
	if (c.MLLPTLSCertFile == "") != (c.MLLPTLSKeyFile == "") {
		return c, fmt.Errorf("config: MLLP_TLS_CERT_FILE and MLLP_TLS_KEY_FILE go together")
	}
	if c.Appointments, err = appointmentsFromEnv(); err != nil {
		return c, err
	}
	if c.SMTP, err = smtpFromEnv(); err != nil {
		return c, err
	}
	if c.SendRates, err = sendRatesFromEnv(); err != nil {
		return c, err
	}
	if c.Worker, err = workerFromEnv(); err != nil {
		return c, err
	}
	if c.Lab, err = labFromEnv(); err != nil {
		return c, err
	}
	if c.MLLP, err = mllpFromEnv(); err != nil {
		return c, err
	}
	if c.Pharmacy, err = pharmacyFromEnv(); err != nil {
		return c, err
	}
	if c.Claims, err = claimsFromEnv(c.Clearinghouse); err != nil {
		return c, err
	}
	if c.MLLP.ClientCAFile != "" && c.MLLPTLSCertFile == "" {
		return c, fmt.Errorf("config: MLLP_TLS_CLIENT_CA_FILE needs MLLP_TLS_CERT_FILE and MLLP_TLS_KEY_FILE")
	}
	c.LISCharset = env("LIS_CHARSET", hl7.CharsetUTF8)
	if _, ok := hl7.LookupCharset(c.LISCharset); !ok {
		return c, fmt.Errorf("config: LIS_CHARSET must be one of %s", strings.Join(hl7.CharsetNames, ", "))
	}
	if !c.FHIR.Simulated() && (c.FHIR.TokenURL == "" || c.FHIR.ClientID == "" || c.FHIR.PrivateKeyFile == "") {
		return c, fmt.Errorf("config: FHIR_BASE_URL is set, so FHIR_TOKEN_URL, FHIR_CLIENT_ID and FHIR_PRIVATE_KEY_FILE are required")
	}
	if !c.Twilio.Simulated() && (c.Twilio.AccountSID == "" || c.Twilio.AuthToken == "" || c.Twilio.From == "") {
		return c, fmt.Errorf("config: TWILIO_BASE_URL is set, so TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM are required")
	}
	for _, u := range []struct{ name, value string }{
		{"STRIPE_BASE_URL", c.Stripe.BaseURL}, {"FHIR_BASE_URL", c.FHIR.BaseURL}, {"FHIR_TOKEN_URL", c.FHIR.TokenURL},
		{"CLEARINGHOUSE_BASE_URL", c.Clearinghouse.BaseURL}, {"TWILIO_BASE_URL", c.Twilio.BaseURL}, {"PUBLIC_URL", c.Twilio.PublicURL},
	} {
		if u.value == "" {
			continue
		}
		if p, perr := url.Parse(u.value); perr != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
			return c, fmt.Errorf("config: %s must be an absolute http(s) URL", u.name)
		}
	}
	if !c.Clearinghouse.Simulated() && (c.Clearinghouse.Username == "" || c.Clearinghouse.Password == "") {
		return c, fmt.Errorf("config: CLEARINGHOUSE_BASE_URL is set, so CLEARINGHOUSE_USERNAME and CLEARINGHOUSE_PASSWORD are required")
	}
	if !c.Stripe.Simulated() && (c.Stripe.SecretKey == "" || c.Stripe.WebhookSecret == "") {
		return c, fmt.Errorf("config: STRIPE_BASE_URL is set, so STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET are required")
	}
	return c, nil
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// duration parses a Go duration such as "168h" from the named variable.
func duration(name string, def time.Duration) (time.Duration, error) {
	v := os.Getenv(name)
	if v == "" {
		return def, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("config: %s must be a positive duration such as 168h, got %q", name, v)
	}
	return d, nil
}

// labFromEnv reads the lab-order settings.
func labFromEnv() (Lab, error) {
	var l Lab
	var err error
	if l.AckTimeout, err = duration("LAB_ACK_TIMEOUT", 15*time.Minute); err != nil {
		return l, err
	}
	if l.ResultDeadline, err = duration("LAB_RESULT_DEADLINE", 72*time.Hour); err != nil {
		return l, err
	}
	if l.CorrectionsWindow, err = duration("LAB_CORRECTIONS_WINDOW", 7*24*time.Hour); err != nil {
		return l, err
	}
	for _, item := range splitList(os.Getenv("LAB_ESCALATION_CHAIN"), ",") {
		role, phone, ok := strings.Cut(item, ":")
		if !ok || role == "" || !strings.HasPrefix(phone, "+") {
			return l, fmt.Errorf("config: LAB_ESCALATION_CHAIN entries must be role:+E164")
		}
		l.EscalationChain = append(l.EscalationChain, Contact{Role: role, Phone: phone})
	}
	for _, item := range splitList(os.Getenv("LAB_CRITICAL_THRESHOLDS"), ";") {
		parts := strings.Split(item, ":")
		if len(parts) != 3 || parts[0] == "" {
			return l, fmt.Errorf("config: LAB_CRITICAL_THRESHOLDS entries must be LOINC:low:high")
		}
		var bounds [2]*float64
		for i, p := range parts[1:] {
			if p == "" {
				continue
			}
			v, err := strconv.ParseFloat(p, 64)
			if err != nil {
				return l, fmt.Errorf("config: LAB_CRITICAL_THRESHOLDS bound is not a number")
			}
			bounds[i] = &v
		}
		if l.CriticalThresholds == nil {
			l.CriticalThresholds = map[string][2]*float64{}
		}
		l.CriticalThresholds[parts[0]] = bounds
	}
	return l, nil
}

// mllpFromEnv reads the inbound MLLP limits and sender trust.
func mllpFromEnv() (MLLP, error) {
	m := MLLP{ClientCAFile: os.Getenv("MLLP_TLS_CLIENT_CA_FILE"), AllowedSenders: splitList(os.Getenv("MLLP_ALLOWED_SENDERS"), ",")}
	var err error
	m.MaxConns = 512
	if v := os.Getenv("MLLP_MAX_CONNS"); v != "" {
		if m.MaxConns, err = strconv.Atoi(v); err != nil || m.MaxConns <= 0 {
			return m, fmt.Errorf("config: MLLP_MAX_CONNS must be a positive integer, got %q", v)
		}
	}
	if m.IdleTimeout, err = duration("MLLP_IDLE_TIMEOUT", time.Hour); err != nil {
		return m, err
	}
	if m.FrameTimeout, err = duration("MLLP_FRAME_TIMEOUT", time.Minute); err != nil {
		return m, err
	}
	if m.HandshakeTimeout, err = duration("MLLP_TLS_HANDSHAKE_TIMEOUT", 10*time.Second); err != nil {
		return m, err
	}
	switch v := strings.ToLower(os.Getenv("MLLP_LENIENT_FRAMING")); v {
	case "", "true", "1", "yes":
		m.LenientFraming = true
	case "false", "0", "no":
	default:
		return m, fmt.Errorf("config: MLLP_LENIENT_FRAMING must be true or false, got %q", v)
	}
	for _, s := range m.AllowedSenders {
		if app, fac, _ := strings.Cut(s, "^"); app == "" && fac == "" {
			return m, fmt.Errorf("config: MLLP_ALLOWED_SENDERS entries must be APP^FACILITY")
		}
	}
	return m, nil
}

func splitList(s, sep string) []string {
	var out []string
	for _, p := range strings.Split(s, sep) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// DefaultPayerIDSystem is the payer-id identifier system of the built-in EHR simulator's payers.
const DefaultPayerIDSystem = "http://payer.example.org/fhir/sid/payer-id"

// payerCrosswalk parses CHECKIN_PAYER_CROSSWALK: "system|value=PAYERID,...".
func payerCrosswalk(v string) (map[string]string, error) {
	out := map[string]string{}
	for _, entry := range strings.Split(v, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		key, payer, ok := strings.Cut(entry, "=")
		if !ok || !strings.Contains(key, "|") || strings.TrimSpace(payer) == "" {
			return nil, fmt.Errorf("config: CHECKIN_PAYER_CROSSWALK entries are system|value=PAYERID")
		}
		out[strings.TrimSpace(key)] = strings.TrimSpace(payer)
	}
	return out, nil
}
