package x12

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const isaDefault = "ISA*00*          *00*          *ZZ*A              *ZZ*B              *240315*0930*^*00501*000000001*0*T*:~"

func TestSplitSegmentAccessors(t *testing.T) {
	d, segs, err := Split([]byte(isaDefault + "EB*B*IND*30^98*HM**27*25***HC:99213:25~"))
	require.NoError(t, err)
	require.Equal(t, DefaultDelimiters(), d)
	require.Len(t, segs, 2)
	eb := segs[1]
	assert.Equal(t, 2, eb.Index)
	assert.Equal(t, "EB", eb.ID)
	assert.Equal(t, 10, eb.Len())
	assert.Equal(t, "B", eb.Element(1))
	assert.Equal(t, "", eb.Element(0))
	assert.Equal(t, "", eb.Element(11))
	assert.Equal(t, []string{"30", "98"}, eb.Repetitions(3))
	assert.Nil(t, eb.Repetitions(5))
	assert.Equal(t, []string{"HC", "99213", "25"}, eb.Components(10))
	assert.Equal(t, "99213", eb.Component(10, 2))
	assert.Equal(t, "", eb.Component(10, 4))
	assert.Equal(t, "B", eb.Component(1, 1))
	assert.Equal(t, "", eb.Component(1, 2))
	assert.Equal(t, "", eb.Component(1, 0))
}

func TestSplitLayouts(t *testing.T) {
	body := []string{"GS*HB*A*B*20240315*0930*1*X*005010X279A1", "ST*271*0001"}
	cases := map[string]string{
		"no breaks":         isaDefault + strings.Join(body, "~") + "~",
		"LF":                isaDefault + "\n" + strings.Join(body, "~\n") + "~\n",
		"CRLF":              isaDefault + "\r\n" + strings.Join(body, "~\r\n") + "~\r\n",
		"CR":                isaDefault + "\r" + strings.Join(body, "~\r") + "~\r",
		"leading space BOM": "\r\n \xEF\xBB\xBF" + isaDefault + strings.Join(body, "~") + "~\n\n",
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			_, segs, err := Split([]byte(doc))
			require.NoError(t, err)
			require.Len(t, segs, 3)
			assert.Equal(t, "GS", segs[1].ID)
			assert.Equal(t, "005010X279A1", segs[1].Element(8))
			assert.Equal(t, "0001", segs[2].Element(2))
		})
	}
}

func TestSplitLineFeedTerminatorWithCRLF(t *testing.T) {
	isa := strings.Replace(isaDefault, "~", "\n", 1)
	doc := isa + "GS*HB*A*B\r\n\r\nST*271*0001\r\n"
	d, segs, err := Split([]byte(doc))
	require.NoError(t, err)
	assert.Equal(t, byte('\n'), d.Segment)
	require.Len(t, segs, 3)
	assert.Equal(t, "B", segs[1].Element(3), "the CR before LF is not data")
}

func TestSplitVersion4010HasNoRepetition(t *testing.T) {
	isa := strings.Replace(isaDefault, "*^*00501*", "*U*00401*", 1)
	d, segs, err := Split([]byte(isa + "EB*1**30^98~"))
	require.NoError(t, err)
	assert.Equal(t, byte(0), d.Repetition)
	assert.Equal(t, []string{"30^98"}, segs[1].Repetitions(3))
}

func TestSplitUnpaddedISA(t *testing.T) {
	// Some senders trim ISA fields; counting separators still finds ISA16.
	d, segs, err := Split([]byte("ISA*00**00**ZZ*A*ZZ*B*240315*0930*^*00501*1*0*T*:~GS*HB~"))
	require.NoError(t, err)
	assert.Equal(t, DefaultDelimiters(), d)
	assert.Len(t, segs, 2)
}

func TestSplitRejects(t *testing.T) {
	cases := map[string]string{
		"not isa":            "GS*HB~",
		"tiny":               "ISA",
		"alnum element":      strings.ReplaceAll(isaDefault, "*", "A"),
		"too few elements":   "ISA*00*00~GS*HB~",
		"truncated at isa16": isaDefault[:len(isaDefault)-1],
		"component=element":  strings.Replace(isaDefault, "*T*:~", "*T***", 1) + "GS*HB*",
		"line break element": strings.ReplaceAll(isaDefault, "*", "\n"),
		"empty segment":      isaDefault + "GS*HB~~ST*271~",
		"bad tag":            isaDefault + "G$*HB~",
		"long tag":           isaDefault + "GSXX*HB~",
		"unterminated":       isaDefault + "GS*HB",
		"space repetition":   strings.Replace(isaDefault, "*^*", "* *", 1),
	}
	for name, doc := range cases {
		t.Run(name, func(t *testing.T) {
			_, segs, err := Split([]byte(doc))
			require.Nil(t, segs)
			var pe *ParseError
			require.True(t, errors.As(err, &pe), "got %v", err)
		})
	}
}

func TestSplitCopiesInput(t *testing.T) {
	buf := []byte(isaDefault + "NM1*IL*1*DOE~")
	_, segs, err := Split(buf)
	require.NoError(t, err)
	copy(buf[len(isaDefault):], "XXXXXXXXXXXX")
	assert.Equal(t, "DOE", segs[1].Element(3))
}

func TestSegmentElementsDoNotShareCapacity(t *testing.T) {
	_, segs, err := Split([]byte(isaDefault + "A1*x~B1*y*z~"))
	require.NoError(t, err)
	a := append(segs[1].Elements, "appended")
	assert.Equal(t, "appended", a[1])
	assert.Equal(t, "y", segs[2].Element(1), "appending to one segment must not clobber the next")
}

func TestSplitHighBitDelimiters(t *testing.T) {
	// Delimiters above 0x7F are single bytes, not runes.
	isa := strings.NewReplacer("*", "\xA7", "^", "\xB6", ":", "\xAC", "~", "\xA4").Replace(isaDefault)
	d, segs, err := Split([]byte(isa + "EB\xA71\xA7\xA730\xB698\xA4"))
	require.NoError(t, err)
	assert.Equal(t, Delimiters{Element: 0xA7, Component: 0xAC, Repetition: 0xB6, Segment: 0xA4}, d)
	require.Len(t, segs, 2)
	assert.Equal(t, []string{"30", "98"}, segs[1].Repetitions(3))

	req := sampleRequest()
	req.Delimiters = d
	_, err = Build270(req)
	var ve *ValidationError
	require.ErrorAs(t, err, &ve)
	assert.True(t, ve.Has("Envelope.Delimiters"))
}
