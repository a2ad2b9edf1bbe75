package x12

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseMoney(t *testing.T) {
	ok := map[string]Money{
		"25": 2500, "25.5": 2550, "25.50": 2550, "25.500": 2550, ".5": 50, "0": 0, "-10": -1000,
		"-0.05": -5, "1500.00": 150000, "5.": 500, "9999999999999999.99": 999999999999999999,
	}
	for in, want := range ok {
		got, good := parseMoney(in)
		assert.True(t, good, in)
		assert.Equal(t, want, got, in)
	}
	for _, in := range []string{"", "-", ".", "1.001", "1e3", "NaN", "+5", "1,000", " 5", "1.2.3", "--1",
		"99999999999999999", "0x10"} {
		_, good := parseMoney(in)
		assert.False(t, good, in)
	}
}

func TestParseDecimal(t *testing.T) {
	for in, want := range map[string]float64{".2": 0.2, "0.10": 0.1, "20": 20, "-1.5": -1.5} {
		got, ok := parseDecimal(in)
		assert.True(t, ok, in)
		assert.InDelta(t, want, got, 1e-12, in)
	}
	for _, in := range []string{"Inf", "NaN", "1e2", "", "0x1p-2", "1_0"} {
		_, ok := parseDecimal(in)
		assert.False(t, ok, in)
	}
}

func TestMoneyString(t *testing.T) {
	assert.Equal(t, "25.00", Money(2500).String())
	assert.Equal(t, "0.05", Money(5).String())
	assert.Equal(t, "-0.50", Money(-50).String())
	assert.Equal(t, "1200.50", Money(120050).String())
	assert.Equal(t, "25.5", formatMoney(2550))
	assert.Equal(t, "0", formatMoney(0))
	assert.Equal(t, "100", formatMoney(10000))
	assert.Equal(t, ".2", formatDecimal(0.2))
	assert.Equal(t, "-.5", formatDecimal(-0.5))
}

func TestValidNPI(t *testing.T) {
	// 1234567893 is CMS's published example of a valid NPI.
	for _, npi := range []string{"1234567893", "1245319599", "1679576722"} {
		assert.True(t, validNPI(npi), npi)
	}
	for _, npi := range []string{"1234567890", "123456789", "12345678931", "123456789X", ""} {
		assert.False(t, validNPI(npi), npi)
	}
}

func TestFoldASCII(t *testing.T) {
	for in, want := range map[string]string{"José": "Jose", "Núñez": "Nunez", "Ærøskøbing": "AEroskobing",
		"Straße": "Strasse", "O'Brien-Smith": "O'Brien-Smith"} {
		got, ok := foldASCII(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got)
	}
	for _, in := range []string{"李", "a\x00b", "tab\there", "×", "\xff"} {
		_, ok := foldASCII(in)
		assert.False(t, ok, in)
	}
}

func TestCodeTables(t *testing.T) {
	// Every AAA03 code the check-in process must explain has a meaning.
	for _, c := range []string{"15", "41", "42", "43", "44", "45", "46", "47", "48", "49", "50", "51", "52", "53",
		"54", "55", "56", "57", "58", "60", "61", "62", "63", "69", "70", "71", "72", "73", "74", "75", "76", "78",
		"79", "80", "97", "98", "AA", "AE", "AF", "AG", "AO", "CI", "E8", "IA", "MA"} {
		assert.NotEmpty(t, RejectReason(c), c)
	}
	assert.Empty(t, RejectReason("ZZ"))
	assert.Equal(t, "Co-Payment", BenefitMeaning("B"))
	assert.Equal(t, "Please Wait 30 Days and Resubmit", FollowUpAction("W"))
}
