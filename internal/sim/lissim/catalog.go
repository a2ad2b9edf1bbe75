package lissim

import (
	"strconv"

	"github.com/careflow/engine/codecs/hl7"
)

// LOINC codes the simulator knows; any other ordered code gets one
// qualitative (ST) observation under its own code.
const (
	// LOINCBasicMetabolicPanel is "Basic metabolic panel - Blood".
	LOINCBasicMetabolicPanel = "51990-0"
	// LOINCBasicMetabolic2000Panel is "Basic metabolic 2000 panel - Serum or Plasma".
	LOINCBasicMetabolic2000Panel = "24321-2"
	// LOINCElectrolytesPanel is "Electrolytes 1998 panel - Serum or Plasma".
	LOINCElectrolytesPanel = "24326-1"
	// LOINCCBCPanel is "CBC panel - Blood by Automated count".
	LOINCCBCPanel = "58410-2"
	// LOINCGlucose is "Glucose [Mass/volume] in Serum or Plasma".
	LOINCGlucose = "2345-7"
	// LOINCPotassium is "Potassium [Moles/volume] in Serum or Plasma".
	LOINCPotassium = "2823-3"
	// LOINCSodium is "Sodium [Moles/volume] in Serum or Plasma".
	LOINCSodium = "2951-2"
	// LOINCHemoglobinA1c is "Hemoglobin A1c/Hemoglobin.total in Blood".
	LOINCHemoglobinA1c = "4548-4"
	// LOINCTSH is "Thyrotropin [Units/volume] in Serum or Plasma".
	LOINCTSH = "3016-3"
)

// CriticalPotassium is the potassium value (mmol/L) of ScenarioCriticalPotassium.
const CriticalPotassium = "6.8"

// analyte is one observation the simulator can report. Values are
// synthetic: normal lies inside [low, high], corrected is the different
// value ScenarioCorrected reports. critLow/critHigh of 0 mean no critical
// limit on that side.
type analyte struct {
	code, name, units, refRange string
	low, high                   float64
	critLow, critHigh           float64
	normal, corrected           string
}

var analytes = map[string]analyte{
	LOINCGlucose: {code: LOINCGlucose, name: "Glucose [Mass/volume] in Serum or Plasma", units: "mg/dL",
		refRange: "70-99", low: 70, high: 99, critLow: 40, critHigh: 500, normal: "92", corrected: "128"},
	"3094-0": {code: "3094-0", name: "Urea nitrogen [Mass/volume] in Serum or Plasma", units: "mg/dL",
		refRange: "7-20", low: 7, high: 20, normal: "14", corrected: "17"},
	"2160-0": {code: "2160-0", name: "Creatinine [Mass/volume] in Serum or Plasma", units: "mg/dL",
		refRange: "0.6-1.3", low: 0.6, high: 1.3, normal: "0.9", corrected: "1.1"},
	"17861-6": {code: "17861-6", name: "Calcium [Mass/volume] in Serum or Plasma", units: "mg/dL",
		refRange: "8.6-10.3", low: 8.6, high: 10.3, critLow: 6.5, critHigh: 13, normal: "9.4", corrected: "9.1"},
	LOINCSodium: {code: LOINCSodium, name: "Sodium [Moles/volume] in Serum or Plasma", units: "mmol/L",
		refRange: "136-145", low: 136, high: 145, critLow: 120, critHigh: 160, normal: "140", corrected: "133"},
	LOINCPotassium: {code: LOINCPotassium, name: "Potassium [Moles/volume] in Serum or Plasma", units: "mmol/L",
		refRange: "3.5-5.1", low: 3.5, high: 5.1, critLow: 2.5, critHigh: 6.0, normal: "4.2", corrected: "3.9"},
	"2075-0": {code: "2075-0", name: "Chloride [Moles/volume] in Serum or Plasma", units: "mmol/L",
		refRange: "98-107", low: 98, high: 107, normal: "103", corrected: "101"},
	"2028-9": {code: "2028-9", name: "Carbon dioxide, total [Moles/volume] in Serum or Plasma", units: "mmol/L",
		refRange: "22-29", low: 22, high: 29, normal: "25", corrected: "24"},
	"6690-2": {code: "6690-2", name: "Leukocytes [#/volume] in Blood by Automated count", units: "10*3/uL",
		refRange: "4.5-11.0", low: 4.5, high: 11, normal: "6.8", corrected: "7.4"},
	"718-7": {code: "718-7", name: "Hemoglobin [Mass/volume] in Blood", units: "g/dL",
		refRange: "12.0-17.5", low: 12, high: 17.5, critLow: 7, critHigh: 20, normal: "14.1", corrected: "11.2"},
	"4544-3": {code: "4544-3", name: "Hematocrit [Volume Fraction] of Blood by Automated count", units: "%",
		refRange: "36.0-50.0", low: 36, high: 50, normal: "42.0", corrected: "40.5"},
	"777-3": {code: "777-3", name: "Platelets [#/volume] in Blood by Automated count", units: "10*3/uL",
		refRange: "150-400", low: 150, high: 400, critLow: 20, critHigh: 1000, normal: "250", corrected: "231"},
	LOINCHemoglobinA1c: {code: LOINCHemoglobinA1c, name: "Hemoglobin A1c/Hemoglobin.total in Blood", units: "%",
		refRange: "4.0-5.6", low: 4, high: 5.6, normal: "5.4", corrected: "6.1"},
	LOINCTSH: {code: LOINCTSH, name: "Thyrotropin [Units/volume] in Serum or Plasma", units: "mIU/L",
		refRange: "0.40-4.00", low: 0.4, high: 4, normal: "2.10", corrected: "1.85"},
}

// panels maps a panel code to its component analytes, in report order.
var panels = map[string][]string{
	LOINCBasicMetabolicPanel:     bmp,
	LOINCBasicMetabolic2000Panel: bmp,
	LOINCElectrolytesPanel:       {LOINCSodium, LOINCPotassium, "2075-0", "2028-9"},
	LOINCCBCPanel:                {"6690-2", "718-7", "4544-3", "777-3"},
}

var bmp = []string{LOINCGlucose, "3094-0", "2160-0", "17861-6", LOINCSodium, LOINCPotassium, "2075-0", "2028-9"}

// qualitative is the observation reported for a test code the catalog
// does not know: the ordered code itself with an ST value.
func qualitative(test hl7.CWE) analyte {
	return analyte{code: test.Code, name: test.Text, refRange: "NEGATIVE", normal: "NEGATIVE", corrected: "POSITIVE"}
}

// numeric reports whether the analyte has an NM value.
func (a analyte) numeric() bool { return a.units != "" }

// flag returns OBX-8 for value: HH/LL beyond the critical limits, H/L
// outside the reference range, N inside it; A for an abnormal qualitative
// value.
func (a analyte) flag(value string) string {
	if !a.numeric() {
		if value == a.normal {
			return hl7.FlagNormal
		}
		return hl7.FlagAbnormal
	}
	v, err := strconv.ParseFloat(value, 64)
	if err != nil {
		return ""
	}
	switch {
	case a.critHigh > 0 && v >= a.critHigh:
		return hl7.FlagCriticalHigh
	case a.critLow > 0 && v <= a.critLow:
		return hl7.FlagCriticalLow
	case v > a.high:
		return hl7.FlagHigh
	case v < a.low:
		return hl7.FlagLow
	}
	return hl7.FlagNormal
}

// analytesFor returns what the simulator reports for one ordered test.
func analytesFor(test hl7.CWE) []analyte {
	if codes, ok := panels[test.Code]; ok {
		out := make([]analyte, len(codes))
		for i, c := range codes {
			out[i] = analytes[c]
		}
		return out
	}
	if a, ok := analytes[test.Code]; ok {
		return []analyte{a}
	}
	return []analyte{qualitative(test)}
}
