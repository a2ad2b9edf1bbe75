package x12

import "time"

// Version270 is the implementation guide of the 270 and 271 (GS08, ST03).
const Version270 = "005010X279A1"

// DefaultServiceType is EQ01 when an inquiry names none: "30", health benefit
// plan coverage, which asks for the plan's general benefits.
const DefaultServiceType = "30"

// Provider is the information receiver (loop 2100B): the billing or rendering
// provider asking about eligibility.
type Provider struct {
	// NPI is the ten-digit National Provider Identifier (NM109, qualifier XX).
	NPI string
	// OrganizationName is NM103 for a non-person entity; it is ignored when
	// LastName is set.
	OrganizationName string
	// LastName and FirstName make the provider an individual (NM102 = 1).
	LastName, FirstName string
}

// Subscriber is the holder of the coverage (loop 2100C).
type Subscriber struct {
	// MemberID is the payer's member identifier (NM109, qualifier MI).
	MemberID string
	// LastName and FirstName are NM103/NM104.
	LastName, FirstName string
	// BirthDate is DMG02; required when the subscriber is the patient.
	BirthDate time.Time
	// Gender is DMG03: "M", "F" or "U"; optional.
	Gender string
	// GroupNumber is REF02 with qualifier 6P; optional.
	GroupNumber string
}

// Dependent is the patient when it is not the subscriber and has no member id
// of its own (loop 2100D).
type Dependent struct {
	// LastName and FirstName are NM103/NM104.
	LastName, FirstName string
	// BirthDate is DMG02; required.
	BirthDate time.Time
	// Gender is DMG03: "M", "F" or "U"; optional.
	Gender string
	// Relationship is INS02 (e.g. "01" spouse, "19" child); optional.
	Relationship string
}

// InquiryRequest is everything a 270 eligibility inquiry carries.
type InquiryRequest struct {
	Envelope
	// TraceNumber is TRN02 (and BHT03): a deterministic id from the caller,
	// echoed by the payer in the 271's TRN, so retries are recognizable.
	TraceNumber string
	// TraceOriginator is TRN03, ten characters: "1" + EIN or "9" + an id the
	// submitter assigns. Empty means "9" + the provider NPI's last nine digits.
	TraceOriginator string
	// PayerName and PayerID identify the information source (loop 2100A,
	// NM103 and NM109 with qualifier PI).
	PayerName, PayerID string
	// Provider is the information receiver.
	Provider Provider
	// Subscriber holds the coverage.
	Subscriber Subscriber
	// Dependent is the patient when set; otherwise the subscriber is.
	Dependent *Dependent
	// ServiceTypes are the EQ01 codes asked about; empty means ["30"].
	ServiceTypes []string
	// ServiceDate is DTP*291 (the date the eligibility is asked for);
	// the zero value omits it and the payer assumes today.
	ServiceDate time.Time
}
