package server

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"planapi/apperr"
	"planapi/msg"
)

// retryAfter is what an UNAVAILABLE answer tells the client to wait: about the time the
// private cluster takes to be restarted (see cmd/server).
const retryAfter = 5 * time.Second

// fault classifies an error that is not the caller's doing and carries no code of its own: the
// database unreachable, a deadline passed, the client gone. ok is false for anything else,
// which stays an internal error.
func fault(ctx context.Context, err error) (apperr.Code, bool) {
	// The request's own context says best why a query stopped: the deadline, or the client.
	switch ctx.Err() {
	case context.DeadlineExceeded:
		return apperr.Timeout, true
	case context.Canceled:
		return apperr.Canceled, true
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch {
		case pgErr.Code == "57014": // query_canceled: statement_timeout
			return apperr.Timeout, true
		case strings.HasPrefix(pgErr.Code, "22"):
			// data_exception: a value the caller sent that PostgreSQL cannot store (a NUL in
			// a text, 22021; a number or date out of its type's range). The checks before
			// the store let it through; it is still the caller's to correct.
			return apperr.Invalid, true
		case strings.HasPrefix(pgErr.Code, "08"), // connection exception
			pgErr.Code == "57P01", pgErr.Code == "57P02", pgErr.Code == "57P03", // shutting down, crashed, starting
			pgErr.Code == "53300": // too many connections
			return apperr.Unavailable, true
		}
		return "", false // the database answered: a real error
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err):
		return apperr.Timeout, true
	case errors.Is(err, context.Canceled):
		return apperr.Canceled, true
	}
	var connErr *pgconn.ConnectError
	var netErr net.Error
	if errors.As(err, &connErr) || errors.As(err, &netErr) ||
		errors.Is(err, driver.ErrBadConn) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) {
		return apperr.Unavailable, true
	}
	// pgx reports a connection that died under it with unexported error types.
	if s := err.Error(); strings.Contains(s, "conn closed") || strings.Contains(s, "conn busy") ||
		strings.Contains(s, "failed to connect") || strings.Contains(s, "connection reset") ||
		strings.Contains(s, "broken pipe") {
		return apperr.Unavailable, true
	}
	return "", false
}

// faultMessage is what the caller reads for a fault.
func faultMessage(code apperr.Code) msg.Text {
	switch code {
	case apperr.Timeout:
		return msg.T(msg.Timeout)
	case apperr.Unavailable:
		return msg.T(msg.Unavailable)
	case apperr.Invalid:
		return msg.T(msg.Unstorable)
	}
	return msg.T(msg.Canceled)
}

// httpStatus is where the GraphQL response of a request learns that the database was
// unavailable, so that the answer is HTTP 503 with Retry-After rather than 200: the error
// presenter cannot set a status, and the transport writes the body after it ran.
type httpStatus struct{ unavailable atomic.Bool }

type httpStatusKey struct{}

// markUnavailable notes, from inside the GraphQL execution, that the database was down.
func markUnavailable(ctx context.Context) {
	if s, ok := ctx.Value(httpStatusKey{}).(*httpStatus); ok {
		s.unavailable.Store(true)
	}
}

// unavailableResponses marks the request when its response carries an UNAVAILABLE error
// (presented errors carry their code by now).
func unavailableResponses(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil {
		for _, e := range resp.Errors {
			if e.Extensions != nil && e.Extensions["code"] == string(apperr.Unavailable) {
				markUnavailable(ctx)
				break
			}
		}
	}
	return resp
}

// statusWriter turns the 200 of a response marked unavailable into 503 with Retry-After.
type statusWriter struct {
	http.ResponseWriter
	status *httpStatus
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if code == http.StatusOK && w.status.unavailable.Load() {
		w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
		code = http.StatusServiceUnavailable
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController and http.MaxBytesReader reach the server's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// limits is the outermost layer of /graphql (inside CORS): the Accept header (406 when it names
// no type the service writes), the body limit, checked on Content-Length before
// a byte is read (a chunked body is cut by the transport's reader), the request deadline,
// and the 503 of an unavailable database.
func limits(b Budget, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodOptions && r.Header.Get("Upgrade") == "" {
			if _, ok := negotiate(r.Header.Get("Accept")); !ok {
				writeCoded(w, r, http.StatusNotAcceptable, apperr.NotAcceptable, msg.T(msg.NotAcceptable))
				return
			}
		}
		if r.ContentLength > b.MaxBodyBytes {
			// An oversized body is neither read nor logged.
			writeCoded(w, r, http.StatusRequestEntityTooLarge, apperr.PayloadTooLarge, msg.T(msg.BodyTooLarge, "limit", b.MaxBodyBytes))
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), b.RequestTimeout)
		defer cancel()
		st := &httpStatus{}
		ctx = context.WithValue(ctx, httpStatusKey{}, st)
		next.ServeHTTP(&statusWriter{ResponseWriter: w, status: st}, r.WithContext(ctx))
	})
}

// argumentError reports whether err is the failure to read one of the current field's
// arguments (a Time that is not RFC 3339, a year past 9999), and names the argument. gqlgen
// reports those from the field's context, with the argument's name after the field's path.
func argumentError(ctx context.Context, err error) (string, bool) {
	fc := graphql.GetFieldContext(ctx)
	var gq *gqlerror.Error
	if fc == nil || !errors.As(err, &gq) {
		return "", false
	}
	path := fc.Path()
	if len(gq.Path) <= len(path) {
		return "", false
	}
	name, ok := gq.Path[len(path)].(ast.PathName)
	if !ok || fc.Field.Field == nil || fc.Field.Arguments.ForName(string(name)) == nil {
		return "", false
	}
	return string(name), true
}
