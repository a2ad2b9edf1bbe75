package stripesim

import (
	"regexp"
	"sort"
	"strings"
)

// listWire is Stripe's list envelope; searchWire its search envelope.
type listWire struct {
	Object  string `json:"object"`
	Data    []any  `json:"data"`
	HasMore bool   `json:"has_more"`
	URL     string `json:"url"`
}

type searchWire struct {
	Object   string  `json:"object"`
	Data     []any   `json:"data"`
	HasMore  bool    `json:"has_more"`
	NextPage *string `json:"next_page"`
	URL      string  `json:"url"`
}

// metadataClause matches one clause of Stripe's search query language that the
// simulator supports: metadata['key']:'value'.
var metadataClause = regexp.MustCompile(`^metadata\['([^'\\]+)'\]:'([^'\\]*)'$`)

// searchIntents handles GET /v1/payment_intents/search for queries made of
// metadata clauses joined by AND, newest first as Stripe orders them. Stripe's
// search index lags writes by up to a minute; the simulator's does not.
func (s *Sim) searchIntents(c *call) (any, *apiError) {
	q, _ := formString(c.form, "query")
	want := map[string]string{}
	for _, clause := range strings.Split(q, " AND ") {
		m := metadataClause.FindStringSubmatch(strings.TrimSpace(clause))
		if m == nil {
			return nil, newInvalid("", "query", "The simulator supports only metadata['key']:'value' clauses joined by AND.")
		}
		want[m[1]] = m[2]
	}
	var found []*paymentIntent
	for _, pi := range s.intents {
		ok := true
		for k, v := range want {
			if pi.metadata[k] != v {
				ok = false
				break
			}
		}
		if ok {
			found = append(found, pi)
		}
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].created != found[j].created {
			return found[i].created > found[j].created
		}
		return found[i].id > found[j].id
	})
	out := searchWire{Object: "search_result", Data: []any{}, URL: "/v1/payment_intents/search"}
	for _, pi := range found {
		out.Data = append(out.Data, s.wirePI(pi, false))
	}
	return out, nil
}

// listRefunds handles GET /v1/refunds, optionally filtered by payment_intent,
// newest first; the simulator returns every match on one page.
func (s *Sim) listRefunds(c *call) (any, *apiError) {
	piID, _ := formString(c.form, "payment_intent")
	var found []*refund
	for _, re := range s.refunds {
		if piID == "" || re.paymentIntent == piID {
			found = append(found, re)
		}
	}
	sort.Slice(found, func(i, j int) bool {
		if found[i].created != found[j].created {
			return found[i].created > found[j].created
		}
		return found[i].id > found[j].id
	})
	out := listWire{Object: "list", Data: []any{}, URL: "/v1/refunds"}
	for _, re := range found {
		out.Data = append(out.Data, wireRefund(re))
	}
	return out, nil
}
