package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"planapi/apperr"
	"planapi/msg"
)

// multipartForm is gqlgen's multipart transport (importWorkbook's upload) with its own refusals
// of a malformed request (a missing operations or map part, a part that does not decode),
// which gqlgen writes uncoded and in English, answered as every other transport's are: 400
// BAD_REQUEST in the request's language. Its answers are buffered (an upload's answer is
// small); any answer that carries codes passes unchanged.
type multipartForm struct{ transport.MultipartForm }

func (t multipartForm) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	buf := &bufferedResponse{header: http.Header{}, status: http.StatusOK}
	t.MultipartForm.Do(buf, r, exec)
	if buf.status >= 400 {
		var resp struct {
			Errors []struct {
				Message    string         `json:"message"`
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if json.Unmarshal(buf.body.Bytes(), &resp) == nil && len(resp.Errors) > 0 && resp.Errors[0].Extensions["code"] == nil {
			writeCoded(w, r, http.StatusBadRequest, apperr.BadRequest, msg.T(msg.BadMultipart, "err", shortErr(errors.New(resp.Errors[0].Message)).Error()))
			return
		}
	}
	for k, v := range buf.header {
		w.Header()[k] = v
	}
	w.WriteHeader(buf.status)
	w.Write(buf.body.Bytes())
}

// bufferedResponse holds an answer until it is known what to send.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header         { return b.header }
func (b *bufferedResponse) WriteHeader(status int)      { b.status = status }
func (b *bufferedResponse) Write(p []byte) (int, error) { return b.body.Write(p) }

// noTransport answers a request no other transport takes: a POST whose Content-Type is none
// of GraphQL's (415 Unsupported Media Type, as GraphQL over HTTP asks), or another method
// (405, Allow: GET, POST), with BAD_REQUEST or METHOD_NOT_ALLOWED. It must be added last.
type noTransport struct{}

var _ graphql.Transport = noTransport{}

func (noTransport) Supports(r *http.Request) bool { return r.Header.Get("Upgrade") == "" }

func (noTransport) Do(w http.ResponseWriter, r *http.Request, _ graphql.GraphExecutor) {
	// (The Content-Type is not repeated: it is the client's text, of any length.)
	method := r.Method // a token (net/http checks it), but of any length
	if len(method) > 16 {
		method = method[:16] + "…"
	}
	text := msg.T(msg.NoTransport, "method", method)
	if r.Method == http.MethodPost {
		writeCoded(w, r, http.StatusUnsupportedMediaType, apperr.BadRequest, text)
		return
	}
	w.Header().Set("Allow", "GET, POST")
	writeCoded(w, r, http.StatusMethodNotAllowed, apperr.MethodNotAllowed, text)
}

// postJSON is the POST transport (application/json). It replaces gqlgen's transport.POST,
// which reads a body of any size whole and, when it is not JSON, copies all of it into the
// error message — which the error presenter then logged: a 50 MB body became a 52-million
// character log line. This one reads through the body limit, never quotes the body, refuses
// a batch (a JSON array) with BAD_REQUEST, and codes every refusal.
type postJSON struct {
	maxBody int64
}

var _ graphql.Transport = postJSON{}

func (postJSON) Supports(r *http.Request) bool {
	if r.Header.Get("Upgrade") != "" || r.Method != http.MethodPost {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	return err == nil && mt == "application/json"
}

func (t postJSON) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	mt := responseType(r)
	w.Header().Set("Content-Type", mt.contentType())
	start := graphql.Now()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeCoded(w, r, http.StatusRequestEntityTooLarge, apperr.PayloadTooLarge, msg.T(msg.BodyTooLarge, "limit", t.maxBody))
			return
		}
		// The client went away or the read timed out: nobody to answer.
		writeCoded(w, r, http.StatusBadRequest, apperr.BadRequest, msg.T(msg.ReadBody))
		return
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		writeCoded(w, r, http.StatusBadRequest, apperr.BadRequest, msg.T(msg.EmptyBody))
		return
	case trimmed[0] == '[':
		writeCoded(w, r, http.StatusBadRequest, apperr.BadRequest, msg.T(msg.Batch))
		return
	}
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		writeCoded(w, r, http.StatusBadRequest, apperr.BadRequest, msg.T(msg.BadJSON, "err", shortErr(err).Error()))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	execute(w, r, exec, params, mt, false)
}

// getQuery is the GET transport: query, variables, operationName and extensions in the URL,
// queries only. It replaces gqlgen's transport.GET, which answers request errors 422 (or 200
// with a data entry) and a mutation 406, so that both transports follow the same status rules.
type getQuery struct{}

var _ graphql.Transport = getQuery{}

func (getQuery) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && r.Method == http.MethodGet
}

func (getQuery) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	mt := responseType(r)
	w.Header().Set("Content-Type", mt.contentType())
	start := graphql.Now()
	q, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		writeCoded(w, r, http.StatusBadRequest, apperr.BadRequest, msg.T(msg.BadQueryString))
		return
	}
	params := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName"), Headers: r.Header}
	for name, into := range map[string]any{"variables": &params.Variables, "extensions": &params.Extensions} {
		v := q.Get(name)
		if v == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(v))
		dec.UseNumber()
		if err := dec.Decode(into); err != nil {
			writeCoded(w, r, http.StatusBadRequest, apperr.BadRequest, msg.T(msg.BadParam, "name", name, "err", shortErr(err).Error()))
			return
		}
	}
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}
	execute(w, r, exec, params, mt, true)
}

// execute runs a well-formed request. A request error — the document does not parse or
// validate, the variables do not fit their types, the budget refuses it — runs nothing and
// answers without a data entry: 200 as application/json, 400 as
// application/graphql-response+json. A document that executes answers 200 either way, with
// its field errors beside the data (503 when the database was unavailable: statusWriter).
func execute(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor, params *graphql.RawParams, mt mediaType, get bool) {
	ctx := r.Context()
	// A persisted query's hash stands for its text (persistedQueries fills it in, or answers
	// PERSISTED_QUERY_NOT_FOUND).
	if strings.TrimSpace(params.Query) == "" && params.Extensions["persistedQuery"] == nil {
		writeCoded(w, r, http.StatusBadRequest, apperr.BadRequest, msg.T(msg.NoQuery))
		return
	}
	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs)
		if mt == mediaGraphQLResponse {
			w.WriteHeader(http.StatusBadRequest)
		}
		writeRequestError(w, resp)
		return
	}
	if oc.Operation.Operation == ast.Subscription {
		// A subscription is a stream: over HTTP it would hold the request to its deadline and
		// answer with an empty body.
		writeCoded(w, r, http.StatusBadRequest, apperr.BadRequest, msg.T(msg.SubscriptionOverHTTP))
		return
	}
	if get && oc.Operation.Operation != ast.Query {
		// A GET must not change anything: a link or a prefetch would otherwise run a mutation.
		w.Header().Set("Allow", "POST")
		writeCoded(w, r, http.StatusMethodNotAllowed, apperr.MethodNotAllowed, msg.T(msg.GetNotQuery))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeResponse(w, responses(ctx))
}

// writeRequestError writes the answer to a request error: its errors and extensions and no
// data entry, since nothing ran (GraphQL spec, "Response Format"; GraphQL over HTTP).
func writeRequestError(w io.Writer, resp *graphql.Response) {
	if resp == nil {
		return
	}
	b, err := json.Marshal(struct {
		Errors     gqlerror.List  `json:"errors"`
		Extensions map[string]any `json:"extensions,omitempty"`
	}{resp.Errors, resp.Extensions})
	if err != nil {
		b, _ = json.Marshal(map[string]any{"errors": gqlerror.List{codedGQL(apperr.Internal, msg.T(msg.InternalError).String())}})
	}
	w.Write(b)
}

func writeResponse(w io.Writer, resp *graphql.Response) {
	if resp == nil { // the client went away before the answer was made
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		b, _ = json.Marshal(&graphql.Response{Errors: gqlerror.List{codedGQL(apperr.Internal, msg.T(msg.InternalError).String())}})
	}
	w.Write(b)
}

// writeCoded answers a request refused before GraphQL saw it, in the negotiated media type
// and the language the request asked for, with no data entry: nothing ran.
func writeCoded(w http.ResponseWriter, r *http.Request, status int, code apperr.Code, text msg.Text) {
	message := text.In(requestLang(r))
	w.Header().Set("Content-Type", responseType(r).contentType())
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": string(code)}}},
	})
}

// shortErr keeps a decoder's message short: it names an offset or a type, never the body, but
// it is cut anyway so nothing a client sent can grow a log line or an answer.
func shortErr(err error) error {
	s := err.Error()
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return errors.New(s)
}

// persistedQueries is gqlgen's automatic persisted queries with every refusal coded: an
// unknown hash answers PERSISTED_QUERY_NOT_FOUND (the message PersistedQueryNotFound, which
// Apollo clients look for), a malformed extension or a hash that does not match its query
// BAD_REQUEST. It fills in the query before parsing, so the budget (shapeLimit, the
// complexity limit) applies to the document the hash stands for.
type persistedQueries struct {
	extension.AutomaticPersistedQuery
}

var _ interface {
	graphql.OperationParameterMutator
	graphql.HandlerExtension
} = persistedQueries{}

func (p persistedQueries) MutateOperationParameters(ctx context.Context, raw *graphql.RawParams) *gqlerror.Error {
	err := p.AutomaticPersistedQuery.MutateOperationParameters(ctx, raw)
	if err != nil && (err.Extensions == nil || err.Extensions["code"] == nil) {
		errcode.Set(err, string(apperr.BadRequest))
	}
	return err
}

// maxCachedQuery is the longest query text the document cache and the persisted queries keep
// (the service's own queries are a few hundred bytes). Both hold 1,000 entries: without a bound
// on each, a client could fill them with bodies of MAX_BODY_BYTES. A longer query still runs;
// it is parsed each time, and its hash alone answers PERSISTED_QUERY_NOT_FOUND.
const maxCachedQuery = 8 << 10

// shortOnly is a cache keyed by query text (the document cache) or holding it (persisted
// queries, keyed by hash) that keeps only texts of at most maxCachedQuery bytes.
type shortOnly[T any] struct {
	graphql.Cache[T]
}

func (c shortOnly[T]) Add(ctx context.Context, key string, value T) {
	if len(key) > maxCachedQuery {
		return
	}
	if s, ok := any(value).(string); ok && len(s) > maxCachedQuery {
		return
	}
	c.Cache.Add(ctx, key, value)
}
