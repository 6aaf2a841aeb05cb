package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"planapi/apperr"
)

func init() {
	// The budget's refusals are protocol errors, as gqlgen's complexity limit is: HTTP 422,
	// nothing executed.
	for _, c := range []apperr.Code{apperr.TooDeep, apperr.TooManyAliases, apperr.TooComplex} {
		errcode.RegisterErrorType(string(c), errcode.KindProtocol)
	}
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
	ctx := r.Context()
	w.Header().Set("Content-Type", "application/json")
	start := graphql.Now()
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, t.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeCoded(w, http.StatusRequestEntityTooLarge, apperr.PayloadTooLarge, msgBodyTooLarge(t.maxBody))
			return
		}
		// The client went away or the read timed out: nobody to answer.
		writeCoded(w, http.StatusBadRequest, apperr.BadRequest, msgReadBody)
		return
	}
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	switch {
	case len(trimmed) == 0:
		writeCoded(w, http.StatusBadRequest, apperr.BadRequest, msgEmptyBody)
		return
	case trimmed[0] == '[':
		writeCoded(w, http.StatusBadRequest, apperr.BadRequest, msgBatch)
		return
	}
	params := &graphql.RawParams{}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(params); err != nil {
		writeCoded(w, http.StatusBadRequest, apperr.BadRequest, msgBadJSON(shortErr(err)))
		return
	}
	params.Headers = r.Header
	params.ReadTime = graphql.TraceTiming{Start: start, End: graphql.Now()}

	oc, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		if errcode.GetErrorKind(errs) == errcode.KindProtocol {
			w.WriteHeader(http.StatusUnprocessableEntity)
		}
		writeResponse(w, exec.DispatchError(graphql.WithOperationContext(ctx, oc), errs))
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, oc)
	writeResponse(w, responses(ctx))
}

func writeResponse(w io.Writer, resp *graphql.Response) {
	if resp == nil { // the client went away before the answer was made
		return
	}
	b, err := json.Marshal(resp)
	if err != nil {
		b, _ = json.Marshal(&graphql.Response{Errors: gqlerror.List{codedGQL(apperr.Internal, "internal error")}})
	}
	w.Write(b)
}

// writeCoded answers a request refused before GraphQL saw it.
func writeCoded(w http.ResponseWriter, status int, code apperr.Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": string(code)}}},
		"data":   nil,
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
