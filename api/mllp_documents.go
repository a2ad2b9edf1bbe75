package api

import (
	"context"
	"strconv"

	"github.com/careflow/engine/codecs/hl7"
	"github.com/careflow/engine/internal/audit"
)

// documentRefsKey carries the references of the documents the inbound wrapper stored.
type documentRefsKey struct{}

// documentKey locates an ED document: order group, observation and OBX-5 repetition (0-based).
type documentKey struct{ order, observation, repetition int }

// DocumentRef returns the reference ("audit:<record id>") of the encrypted copy of the ED
// document at ORU.Orders[order].Observations[observation], OBX-5 repetition rep (0 for the
// first value), stored by the inbound wrapper before the ingest handler ran. The ingest puts
// it in the signal instead of the document, which never enters workflow history.
func DocumentRef(ctx context.Context, order, observation, rep int) (string, bool) {
	refs, _ := ctx.Value(documentRefsKey{}).(map[documentKey]string)
	r, ok := refs[documentKey{order, observation, rep}]
	return r, ok
}

// storeDocuments keeps every embedded (ED) document of an ORU encrypted in the audit trail and
// returns ctx carrying their references. ok is false when one could not be kept: the message
// must then not be acknowledged, so the sender resends it.
func (h *inbound) storeDocuments(ctx context.Context, u hl7.ORU, peer string) (context.Context, bool) {
	refs := map[documentKey]string{}
	_, err := u.DetachDocuments(func(d hl7.DetachedDocument) (string, error) {
		if d.Document.Kind != hl7.TypeEncapsulatedData || d.Document.Data == "" {
			return "", nil
		}
		data, derr := d.Document.Bytes()
		if derr != nil {
			// Undecodable data is kept as sent rather than lost.
			data = []byte(d.Document.Data)
		}
		if h.s.d.Records == nil {
			return "", errNoStore
		}
		rec, err := h.s.d.Records.Append(ctx, audit.Record{Actor: "mllp:" + peer, Action: "mllp.document", Vendor: "lis",
			Exchange: u.Header.ControlID, Outcome: audit.OutcomeOK, Code: d.Document.TypeOfData + "/" + d.Document.Subtype, Payload: data})
		if err != nil {
			return "", err
		}
		ref := "audit:" + strconv.FormatInt(rec.ID, 10)
		refs[documentKey{d.Order, d.Observation, d.Repetition}] = ref
		return ref, nil
	})
	if err != nil {
		h.s.log.Warn("mllp: an embedded document could not be kept; no ACK sent", "peer", peer)
		return ctx, false
	}
	if len(refs) == 0 {
		return ctx, true
	}
	return context.WithValue(ctx, documentRefsKey{}, refs), true
}
