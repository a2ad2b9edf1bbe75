package ncpdp

import (
	"encoding/xml"
	"errors"
	"time"
)

// Version is the value of every version attribute of a SCRIPT 2017071
// message.
const Version = "20170715"

// Domain is the TransactionDomain attribute.
const Domain = "SCRIPT"

// Namespace is the SCRIPT XML namespace senders usually declare; decoding
// accepts messages with or without it.
const Namespace = "http://www.ncpdp.org/schema/SCRIPT"

// MessageType names a body element.
type MessageType string

// The message types this package models.
const (
	TypeNewRx             MessageType = "NewRx"
	TypeStatus            MessageType = "Status"
	TypeVerify            MessageType = "Verify"
	TypeError             MessageType = "Error"
	TypeCancelRx          MessageType = "CancelRx"
	TypeCancelRxResponse  MessageType = "CancelRxResponse"
	TypeRxChangeRequest   MessageType = "RxChangeRequest"
	TypeRxChangeResponse  MessageType = "RxChangeResponse"
	TypeRxRenewalRequest  MessageType = "RxRenewalRequest"
	TypeRxRenewalResponse MessageType = "RxRenewalResponse"
	TypeRxFill            MessageType = "RxFill"
)

// Message is the SCRIPT root element.
type Message struct {
	XMLName xml.Name `xml:"Message" json:"-"`
	// Xmlns is the default namespace declaration, normally Namespace.
	Xmlns              string `xml:"xmlns,attr,omitempty" json:"xmlns,omitempty"`
	DatatypesVersion   string `xml:"DatatypesVersion,attr" json:"datatypesVersion"`
	TransportVersion   string `xml:"TransportVersion,attr" json:"transportVersion"`
	TransactionDomain  string `xml:"TransactionDomain,attr" json:"transactionDomain"`
	TransactionVersion string `xml:"TransactionVersion,attr" json:"transactionVersion"`
	StructuresVersion  string `xml:"StructuresVersion,attr" json:"structuresVersion"`
	ECLVersion         string `xml:"ECLVersion,attr" json:"eclVersion"`
	Header             Header `xml:"Header" json:"header"`
	Body               Body   `xml:"Body" json:"body"`
}

// Party is a To or From header element: a mailbox id with its qualifier
// (P pharmacy, C clinic/prescriber system, M mailbox, ZZ mutually defined).
type Party struct {
	Qualifier string `xml:"Qualifier,attr" json:"qualifier"`
	ID        string `xml:",chardata" json:"id"`
}

// Header is the routing and identification part of a message.
type Header struct {
	To   Party `xml:"To" json:"to"`
	From Party `xml:"From" json:"from"`
	// MessageID is unique per message (1..35); the network deduplicates by it.
	MessageID string `xml:"MessageID" json:"messageId"`
	// RelatesToMessageID names the message this one answers.
	RelatesToMessageID string `xml:"RelatesToMessageID,omitempty" json:"relatesToMessageId,omitempty"`
	// SentTime is always written and read back in UTC.
	SentTime       UTCTime         `xml:"SentTime" json:"sentTime"`
	SenderSoftware *SenderSoftware `xml:"SenderSoftware,omitempty" json:"senderSoftware,omitempty"`
	// PrescriberOrderNumber is the prescriber system's order id (1..35).
	PrescriberOrderNumber string `xml:"PrescriberOrderNumber,omitempty" json:"prescriberOrderNumber,omitempty"`
	// RxReferenceNumber is the pharmacy's prescription number (1..35).
	RxReferenceNumber string `xml:"RxReferenceNumber,omitempty" json:"rxReferenceNumber,omitempty"`
}

// SenderSoftware identifies the sending application.
type SenderSoftware struct {
	Developer      string `xml:"SenderSoftwareDeveloper" json:"developer"`
	Product        string `xml:"SenderSoftwareProduct" json:"product"`
	VersionRelease string `xml:"SenderSoftwareVersionRelease" json:"versionRelease"`
}

// UTCTime is a date-time that must carry a time zone on input and is
// normalized to UTC.
type UTCTime struct{ time.Time }

// errSentTime is fixed text: the rejected value may not be echoed.
var errSentTime = errors.New("is not a date-time with a time zone")

// MarshalText writes the time in UTC, RFC 3339 with fractional seconds when
// present.
func (t UTCTime) MarshalText() ([]byte, error) {
	return []byte(t.UTC().Format(time.RFC3339Nano)), nil
}

// UnmarshalText reads an RFC 3339 date-time (offset required) into UTC.
func (t *UTCTime) UnmarshalText(b []byte) error {
	v, err := time.Parse(time.RFC3339Nano, string(b))
	if err != nil {
		return errSentTime
	}
	t.Time = v.UTC()
	return nil
}

// Body holds exactly one message body.
type Body struct {
	NewRx             *NewRx             `xml:"NewRx,omitempty" json:"newRx,omitempty"`
	Status            *Status            `xml:"Status,omitempty" json:"status,omitempty"`
	Verify            *Verify            `xml:"Verify,omitempty" json:"verify,omitempty"`
	Error             *Error             `xml:"Error,omitempty" json:"error,omitempty"`
	CancelRx          *CancelRx          `xml:"CancelRx,omitempty" json:"cancelRx,omitempty"`
	CancelRxResponse  *CancelRxResponse  `xml:"CancelRxResponse,omitempty" json:"cancelRxResponse,omitempty"`
	RxChangeRequest   *RxChangeRequest   `xml:"RxChangeRequest,omitempty" json:"rxChangeRequest,omitempty"`
	RxChangeResponse  *RxChangeResponse  `xml:"RxChangeResponse,omitempty" json:"rxChangeResponse,omitempty"`
	RxRenewalRequest  *RxRenewalRequest  `xml:"RxRenewalRequest,omitempty" json:"rxRenewalRequest,omitempty"`
	RxRenewalResponse *RxRenewalResponse `xml:"RxRenewalResponse,omitempty" json:"rxRenewalResponse,omitempty"`
	RxFill            *RxFill            `xml:"RxFill,omitempty" json:"rxFill,omitempty"`
	// other records body elements of message types not modelled here, so
	// they are reported instead of silently ignored.
	other []otherElement
}

// otherElement captures the name of an unmodelled body element.
type otherElement struct {
	XMLName xml.Name
}

// bodyXML is Body's wire form; the catch-all field stays unexported in Body
// so it never reaches JSON or Encode.
type bodyXML struct {
	NewRx             *NewRx             `xml:"NewRx,omitempty"`
	Status            *Status            `xml:"Status,omitempty"`
	Verify            *Verify            `xml:"Verify,omitempty"`
	Error             *Error             `xml:"Error,omitempty"`
	CancelRx          *CancelRx          `xml:"CancelRx,omitempty"`
	CancelRxResponse  *CancelRxResponse  `xml:"CancelRxResponse,omitempty"`
	RxChangeRequest   *RxChangeRequest   `xml:"RxChangeRequest,omitempty"`
	RxChangeResponse  *RxChangeResponse  `xml:"RxChangeResponse,omitempty"`
	RxRenewalRequest  *RxRenewalRequest  `xml:"RxRenewalRequest,omitempty"`
	RxRenewalResponse *RxRenewalResponse `xml:"RxRenewalResponse,omitempty"`
	RxFill            *RxFill            `xml:"RxFill,omitempty"`
	Other             []otherElement     `xml:",any"`
}

// UnmarshalXML decodes the body, remembering unmodelled elements.
func (b *Body) UnmarshalXML(d *xml.Decoder, start xml.StartElement) error {
	var w bodyXML
	if err := d.DecodeElement(&w, &start); err != nil {
		return err
	}
	*b = Body{
		NewRx: w.NewRx, Status: w.Status, Verify: w.Verify, Error: w.Error, CancelRx: w.CancelRx,
		CancelRxResponse: w.CancelRxResponse, RxChangeRequest: w.RxChangeRequest, RxChangeResponse: w.RxChangeResponse,
		RxRenewalRequest: w.RxRenewalRequest, RxRenewalResponse: w.RxRenewalResponse, RxFill: w.RxFill,
		other: w.Other,
	}
	return nil
}

// Type returns the message type of the body, or "" when it holds no
// modelled body or more than one.
func (m *Message) Type() MessageType {
	types := m.Body.types()
	if len(types) != 1 {
		return ""
	}
	return types[0]
}

// types lists the modelled bodies present.
func (b *Body) types() []MessageType {
	var out []MessageType
	add := func(present bool, t MessageType) {
		if present {
			out = append(out, t)
		}
	}
	add(b.NewRx != nil, TypeNewRx)
	add(b.Status != nil, TypeStatus)
	add(b.Verify != nil, TypeVerify)
	add(b.Error != nil, TypeError)
	add(b.CancelRx != nil, TypeCancelRx)
	add(b.CancelRxResponse != nil, TypeCancelRxResponse)
	add(b.RxChangeRequest != nil, TypeRxChangeRequest)
	add(b.RxChangeResponse != nil, TypeRxChangeResponse)
	add(b.RxRenewalRequest != nil, TypeRxRenewalRequest)
	add(b.RxRenewalResponse != nil, TypeRxRenewalResponse)
	add(b.RxFill != nil, TypeRxFill)
	return out
}
