package config

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// allVendorVars are the variables the validation table sets or clears.
var allVendorVars = []string{
	"STRIPE_BASE_URL", "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET",
	"FHIR_BASE_URL", "FHIR_TOKEN_URL", "FHIR_CLIENT_ID", "FHIR_PRIVATE_KEY_FILE",
	"CLEARINGHOUSE_BASE_URL", "CLEARINGHOUSE_USERNAME", "CLEARINGHOUSE_PASSWORD",
	"TWILIO_BASE_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_FROM", "PUBLIC_URL",
	"LIS_MLLP_ADDR", "SIMULATE", "API_TOKENS", "PAYMENT_AUTHORIZATION_TTL",
	"PHARMACY_BASE_URL", "PHARMACY_WEBHOOK_SECRET",
	"PMS_BASE_URL", "PMS_WEBHOOK_SECRET", "APPOINTMENT_RECONCILE_INTERVAL", "APPOINTMENT_CALLS_PER_SECOND",
	"SMTP_ADDR", "SMTP_USERNAME", "SMTP_PASSWORD", "SMTP_FROM",
}

// production is a complete configuration of every vendor.
var production = map[string]string{
	"STRIPE_BASE_URL": "https://api.stripe.com", "STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x",
	"FHIR_BASE_URL": "https://ehr.example/fhir", "FHIR_TOKEN_URL": "https://ehr.example/token", "FHIR_CLIENT_ID": "c",
	"FHIR_PRIVATE_KEY_FILE": "/k.pem", "CLEARINGHOUSE_BASE_URL": "https://ch.example/core", "CLEARINGHOUSE_USERNAME": "u",
	"CLEARINGHOUSE_PASSWORD": "p", "TWILIO_BASE_URL": "https://api.twilio.com", "TWILIO_ACCOUNT_SID": "AC1",
	"TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM": "+15550000000", "PUBLIC_URL": "https://engine.example",
	"LIS_MLLP_ADDR": "lis.example:2575", "API_TOKENS": "ops:secret:*",
	"PHARMACY_BASE_URL": "https://erx.example/script", "PHARMACY_WEBHOOK_SECRET": "s",
	"PMS_BASE_URL": "https://pms.example/api", "PMS_WEBHOOK_SECRET": "pms-secret",
	"SMTP_ADDR": "smtp.example:587", "SMTP_USERNAME": "u", "SMTP_PASSWORD": "p", "SMTP_FROM": "clinic@example.org",
}

func TestStartupValidation(t *testing.T) {
	cases := []struct {
		name    string
		role    string
		change  map[string]string
		wantErr []string // substrings, each a variable the message must name; empty: starts
	}{
		{"complete production api", RoleAPI, nil, nil},
		{"complete production worker", RoleWorker, nil, nil},
		{"clearinghouse without credentials", RoleWorker, map[string]string{"CLEARINGHOUSE_USERNAME": "", "CLEARINGHOUSE_PASSWORD": ""},
			[]string{"CLEARINGHOUSE_USERNAME", "CLEARINGHOUSE_PASSWORD"}},
		{"twilio without sid", RoleWorker, map[string]string{"TWILIO_ACCOUNT_SID": ""}, []string{"TWILIO_ACCOUNT_SID"}},
		{"fhir without key", RoleWorker, map[string]string{"FHIR_PRIVATE_KEY_FILE": ""}, []string{"FHIR_PRIVATE_KEY_FILE"}},
		{"stripe without webhook secret", RoleAPI, map[string]string{"STRIPE_WEBHOOK_SECRET": ""}, []string{"STRIPE_WEBHOOK_SECRET"}},
		{"malformed url", RoleAPI, map[string]string{"FHIR_BASE_URL": "ehr.example/fhir"}, []string{"FHIR_BASE_URL"}},
		{"twilio simulated silently", RoleWorker, map[string]string{"TWILIO_BASE_URL": ""}, []string{"TWILIO_BASE_URL", "SIMULATE"}},
		{"lis simulated silently", RoleWorker, map[string]string{"LIS_MLLP_ADDR": ""}, []string{"LIS_MLLP_ADDR", "SIMULATE"}},
		{"pharmacy simulated silently", RoleWorker, map[string]string{"PHARMACY_BASE_URL": ""}, []string{"PHARMACY_BASE_URL", "SIMULATE"}},
		{"pharmacy without webhook secret", RoleWorker, map[string]string{"PHARMACY_WEBHOOK_SECRET": ""}, []string{"PHARMACY_WEBHOOK_SECRET"}},
		{"pharmacy malformed url", RoleWorker, map[string]string{"PHARMACY_BASE_URL": "erx.example"}, []string{"PHARMACY_BASE_URL"}},
		{"pharmacy simulation asked for", RoleWorker, map[string]string{"PHARMACY_BASE_URL": "", "SIMULATE": "pharmacy"}, nil},
		{"simulation asked for", RoleWorker, map[string]string{"LIS_MLLP_ADDR": "", "TWILIO_BASE_URL": "", "SIMULATE": "lis, twilio"}, nil},
		{"smtp simulated silently", RoleWorker, map[string]string{"SMTP_ADDR": "", "SMTP_USERNAME": "", "SMTP_PASSWORD": "", "SMTP_FROM": ""},
			[]string{"SMTP_ADDR", "SIMULATE"}},
		{"smtp simulation asked for", RoleWorker, map[string]string{"SMTP_ADDR": "", "SMTP_USERNAME": "", "SMTP_PASSWORD": "",
			"SMTP_FROM": "", "SIMULATE": "smtp"}, nil},
		{"smtp without from", RoleWorker, map[string]string{"SMTP_FROM": ""}, []string{"SMTP_FROM"}},
		{"smtp bad address", RoleWorker, map[string]string{"SMTP_ADDR": "smtp.example"}, []string{"SMTP_ADDR"}},
		{"smtp user without password", RoleWorker, map[string]string{"SMTP_PASSWORD": ""}, []string{"SMTP_USERNAME", "SMTP_PASSWORD"}},
		{"smtp credentials without relay", RoleWorker, map[string]string{"SMTP_ADDR": ""}, []string{"SMTP_ADDR"}},
		{"unknown simulated vendor", RoleWorker, map[string]string{"SIMULATE": "stripe,bank"}, []string{"SIMULATE"}},
		{"api without tokens", RoleAPI, map[string]string{"API_TOKENS": ""}, []string{"API_TOKENS"}},
		{"worker without tokens", RoleWorker, map[string]string{"API_TOKENS": ""}, nil},
		{"api without public url", RoleAPI, map[string]string{"PUBLIC_URL": ""}, []string{"PUBLIC_URL"}},
		{"authorization ttl at the hold limit", RoleWorker, map[string]string{"PAYMENT_AUTHORIZATION_TTL": "168h"}, []string{"PAYMENT_AUTHORIZATION_TTL"}},
		{"authorization ttl below the limit", RoleWorker, map[string]string{"PAYMENT_AUTHORIZATION_TTL": "150h"}, nil},
		{"pms simulated silently", RoleWorker, map[string]string{"PMS_BASE_URL": ""}, []string{"PMS_BASE_URL", "SIMULATE"}},
		{"pms simulation asked for", RoleWorker, map[string]string{"PMS_BASE_URL": "", "SIMULATE": "pms"}, nil},
		{"pms without webhook secret", RoleAPI, map[string]string{"PMS_WEBHOOK_SECRET": ""}, []string{"PMS_WEBHOOK_SECRET"}},
		{"malformed pms url", RoleAPI, map[string]string{"PMS_BASE_URL": "pms.example"}, []string{"PMS_BASE_URL"}},
		{"reconcile interval too short", RoleWorker, map[string]string{"APPOINTMENT_RECONCILE_INTERVAL": "10s"}, []string{"APPOINTMENT_RECONCILE_INTERVAL"}},
		{"reconcile interval not a duration", RoleWorker, map[string]string{"APPOINTMENT_RECONCILE_INTERVAL": "often"}, []string{"APPOINTMENT_RECONCILE_INTERVAL"}},
		{"appointment call pace zero", RoleWorker, map[string]string{"APPOINTMENT_CALLS_PER_SECOND": "0"}, []string{"APPOINTMENT_CALLS_PER_SECOND"}},
		{"appointment call pace not a number", RoleWorker, map[string]string{"APPOINTMENT_CALLS_PER_SECOND": "fast"}, []string{"APPOINTMENT_CALLS_PER_SECOND"}},
		{"appointment call pace a vendor contract allows", RoleWorker, map[string]string{"APPOINTMENT_CALLS_PER_SECOND": "150"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, k := range allVendorVars {
				t.Setenv(k, production[k])
			}
			for k, v := range tc.change {
				t.Setenv(k, v)
			}
			c, err := FromEnv()
			if err == nil {
				err = c.ValidateRole(tc.role)
			}
			if len(tc.wantErr) == 0 {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			for _, want := range tc.wantErr {
				require.ErrorContains(t, err, want)
			}
		})
	}
}

func TestAuthorizationTTLDefaultBelowHoldLimit(t *testing.T) {
	t.Setenv("PAYMENT_AUTHORIZATION_TTL", "")
	c, err := FromEnv()
	require.NoError(t, err)
	require.Equal(t, 144*time.Hour, c.PaymentAuthorizationTTL)
	require.Less(t, c.PaymentAuthorizationTTL, MaxPaymentAuthorizationTTL)
}
