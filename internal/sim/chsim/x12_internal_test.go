package chsim

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// tiny270 is a valid 270 with an unpadded ISA and CRLF after segments.
const tiny270 = "ISA*00**00**ZZ*A*ZZ*B*250304*1006*^*00501*000000042*0*P*:~\r\n" +
	"GS*HS*A*B*20250304*1006*42*X*005010X279A1~\r\nST*270*0042*005010X279A1~\r\n" +
	"BHT*0022*13*R42*20250304*1006~\r\nHL*1**20*1~\r\nHL*2*1*21*1~\r\nHL*3*2*22*0~\r\n" +
	"TRN*1*T1*9X~\r\nTRN*1*T2*9Y~\r\nNM1*IL*1*DOE*JOHN****MI*INACTIVE01~\r\n" +
	"HL*4*3*23*0~\r\nTRN*1*DEP*9Z~\r\nNM1*03*1*DOE*KID~\r\nEQ*30~\r\n" +
	"SE*13*0042~\r\nGE*1*42~\r\nIEA*1*000000042~\r\n"

func TestRead270Tolerance(t *testing.T) {
	q, err := read270([]byte("\n  " + tiny270))
	require.Nil(t, err)
	assert.Equal(t, "INACTIVE01", q.memberID)
	assert.Equal(t, delims{'*', ':', '^', '~'}, q.d)
	require.Len(t, q.traces, 2, "the subscriber loop's traces")
	assert.Equal(t, "T2", q.traces[1].el(2))
	require.Len(t, q.depTraces, 1, "the dependent loop's trace")
	assert.Equal(t, "KID", q.dependent.el(4))
	assert.Nil(t, q.payer, "absent loops stay nil")

	// The 271 fills in the missing payer and provider and is well formed.
	out := string(build271(q, benefitsInactive, "", time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC)))
	assert.Contains(t, out, "NM1*PR*2*SIMULATED PAYER*****PI*SIMPAYER~")
	assert.Contains(t, out, "TRN*2*T1*9X~TRN*2*T2*9Y~")
	assert.Contains(t, out, "HL*3*2*22*1~", "the subscriber loop has a child")
	assert.Contains(t, out, "HL*4*3*23*0~TRN*2*DEP*9Z~NM1*03*1*DOE*KID~", "the dependent's loop answers")
	assert.True(t, strings.HasSuffix(out, "GE*1*42~IEA*1*000000042~"))
	assert.Contains(t, out, "SE*16*0042~", "ST, BHT, 4 HL, 2 fallback NM1, 3 TRN, 2 NM1, DTP, EB and SE")
}

func TestRead270Rejections(t *testing.T) {
	cases := map[string]string{
		"empty":            "",
		"no ISA":           "GS*HS~",
		"short ISA":        "ISA*00*",
		"alnum delimiter":  strings.ReplaceAll(tiny270, "*", "X"),
		"same delimiters":  "ISA*00**00**ZZ*A*ZZ*B*250304*1006*^*00501*000000042*0*P**~",
		"two transactions": strings.Replace(tiny270, "SE*13*0042~", "SE*13*0042~\r\nST*270*0043~\r\nSE*2*0043~", 1),
	}
	for name, p := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := read270([]byte(p))
			require.NotNil(t, err)
			assert.NotEmpty(t, err.ik5)
		})
	}
}

// FuzzRead270 checks the 270 reader never panics and that whatever it
// accepts can be answered with a 271 and a 999.
func FuzzRead270(f *testing.F) {
	f.Add([]byte(tiny270))
	f.Add([]byte(strings.ReplaceAll(tiny270, "\r\n", "")))
	f.Add([]byte("ISA|00||00||ZZ|A|ZZ|B|250304|1006|^|00501|1|0|P|>\nGS|HS\nIEA|1|1\n"))
	now := time.Date(2025, 1, 2, 3, 4, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, p []byte) {
		q, err := read270(p)
		if err != nil {
			_ = build999(q, err, "S", "R", now)
			return
		}
		out := build271(q, benefitsActive, "", now)
		if len(out) == 0 || !strings.HasPrefix(string(out), "ISA") {
			t.Fatalf("bad 271 for accepted 270")
		}
	})
}
