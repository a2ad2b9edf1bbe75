package twiliosim

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// OpList is the fault operation of GET .../Messages.json.
const OpList = "list"

// listMessages answers Twilio's Messages list: filtered by To and From, newest first, one page
// of PageSize (default 50, at most 1000), as Twilio pages it.
func (s *Sim) listMessages(r *http.Request, _ url.Values) (int, []byte, *apiError) {
	q := r.URL.Query()
	size := 50
	if v := q.Get("PageSize"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 1000 {
			return 0, nil, errParam(20001, "PageSize must be between 1 and 1000")
		}
		size = n
	}
	to, from := q.Get("To"), q.Get("From")
	s.mu.Lock()
	page := []json.RawMessage{}
	for i := len(s.order) - 1; i >= 0 && len(page) < size; i-- {
		m := s.messages[s.order[i]]
		if m.accountSID != s.accountSID || (to != "" && m.to != to) || (from != "" && m.from != from) {
			continue
		}
		page = append(page, m.render())
	}
	s.mu.Unlock()
	uri := r.URL.RequestURI()
	b, _ := json.Marshal(map[string]any{
		"messages": page, "page": 0, "page_size": size, "start": 0, "end": max(len(page)-1, 0),
		"uri": uri, "first_page_uri": uri, "next_page_uri": nil, "previous_page_uri": nil,
	})
	return http.StatusOK, b, nil
}
