package clearinghouse_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/careflow/engine/clients/clearinghouse"
	"github.com/stretchr/testify/assert"
)

func TestValidatePayloadID(t *testing.T) {
	for _, ok := range []string{"a", "checkin:appt-1:eligibility", "f47ac10b-58cc-4372-a567-0e02b2c3d479",
		strings.Repeat("x", clearinghouse.MaxPayloadIDLen), "A.b_c-1:2"} {
		assert.NoError(t, clearinghouse.ValidatePayloadID(ok), ok)
	}
	for _, bad := range []string{"", " a", "a b", "-a", ":a", "a/b", "é", "a\n",
		strings.Repeat("x", clearinghouse.MaxPayloadIDLen+1), "<x>"} {
		assert.Error(t, clearinghouse.ValidatePayloadID(bad), bad)
	}
	err := clearinghouse.ValidatePayloadID("SECRET/KEY")
	if assert.Error(t, err) {
		assert.NotContains(t, err.Error(), "SECRET", "the key itself is not echoed")
	}
}

func TestDerivePayloadID(t *testing.T) {
	uuid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	long := "checkin:" + strings.Repeat("appointment-", 20) + ":eligibility"
	a := clearinghouse.DerivePayloadID(long)
	assert.Regexp(t, uuid, a)
	assert.Equal(t, a, clearinghouse.DerivePayloadID(long), "deterministic")
	assert.NotEqual(t, a, clearinghouse.DerivePayloadID(long+"2"))
	assert.NoError(t, clearinghouse.ValidatePayloadID(a))
	// Golden value from an independent implementation, Python's
	// uuid.uuid5(uuid.NAMESPACE_URL, "urn:careflow:core-payload:golden");
	// it must never change, or running workflows would send new PayloadIDs.
	assert.Equal(t, "16ed5067-3244-5c21-b7f4-444bc7d65e82", clearinghouse.DerivePayloadID("golden"))
}
