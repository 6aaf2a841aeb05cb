package server

import (
	"mime"
	"net/http"
	"strconv"
	"strings"
)

// mediaType is what an answer of /graphql is written as, chosen from the request's Accept
// header as the GraphQL-over-HTTP specification says
// (https://graphql.github.io/graphql-over-http/draft/#sec-Accept).
type mediaType int

const (
	// mediaJSON, application/json: the legacy type, and what a request without Accept (or with
	// */*) gets. A request error (the document does not parse or validate, the variables do
	// not fit, the budget refuses it) answers 200: a client cannot tell another status from an
	// intermediary's.
	mediaJSON mediaType = iota
	// mediaGraphQLResponse, application/graphql-response+json: a request error answers 400 and
	// the body has no data entry, so the status alone says whether anything ran.
	mediaGraphQLResponse
)

func (m mediaType) contentType() string {
	if m == mediaGraphQLResponse {
		return "application/graphql-response+json; charset=utf-8"
	}
	return "application/json; charset=utf-8"
}

// negotiate chooses the answer's media type from an Accept header: the acceptable type with
// the highest q, the earlier one on a tie. ok is false when the header names neither type (nor
// a wildcard that covers one): the answer is 406.
func negotiate(accept string) (m mediaType, ok bool) {
	if strings.TrimSpace(accept) == "" {
		return mediaJSON, true
	}
	best := -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, has := params["q"]; has {
			if q, err = strconv.ParseFloat(v, 64); err != nil {
				continue
			}
		}
		var cand mediaType
		switch mt {
		case "application/graphql-response+json":
			cand = mediaGraphQLResponse
		case "application/json", "application/*", "*/*":
			cand = mediaJSON
		default:
			continue
		}
		if q > 0 && q > best {
			m, best, ok = cand, q, true
		}
	}
	return m, ok
}

// responseType is the media type negotiated for r; a request whose Accept names neither type
// has been refused with 406 before anything reads it (limits), so application/json stands in.
func responseType(r *http.Request) mediaType {
	m, _ := negotiate(r.Header.Get("Accept"))
	return m
}
