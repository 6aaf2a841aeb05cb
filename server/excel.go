package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"planapi/apperr"
	"planapi/auth"
	"planapi/excel"
	"planapi/msg"
	"planapi/store"
)

// The Excel endpoints: the entry sheet (GET /excel/template), its import (POST /excel/import)
// and the dashboard matrix (GET /excel/dashboard). They sit behind the same CORS layer and the
// same bearer-token parsing as /graphql (authenticate), and call the same store methods as the
// GraphQL operations they mirror — entryForm, importWorkbook/saveDataValues, dashboard and
// Indicator.assessment — so every permission rule is auth's, applied by the store: no rule is
// written here.

type excelHandler struct {
	st     *store.Store
	log    *slog.Logger
	budget Budget
}

func (h excelHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), h.budget.RequestTimeout)
	defer cancel()
	r = r.WithContext(ctx)
	if r.ContentLength > h.budget.MaxBodyBytes {
		// An oversized upload is neither read nor logged.
		h.fail(w, r, apperr.New(apperr.PayloadTooLarge, msg.BodyTooLarge, "limit", h.budget.MaxBodyBytes))
		return
	}
	var method string
	switch r.URL.Path {
	case "/excel/template", "/excel/dashboard":
		method = http.MethodGet
	case "/excel/import":
		method = http.MethodPost
	default:
		h.fail(w, r, apperr.New(apperr.NotFound, msg.ExcelNoEndpoint))
		return
	}
	if r.Method != method {
		w.Header().Set("Allow", method)
		h.fail(w, r, apperr.New(apperr.MethodNotAllowed, msg.ExcelMethod, "method", r.Method, "path", r.URL.Path, "allowed", method))
		return
	}
	// SECURITY: no principal, no data, as requirePrincipal for /graphql; a bad token was already
	// refused with 401 by authenticate.
	p, ok := auth.FromContext(ctx)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="planapi"`)
		h.fail(w, r, apperr.New(apperr.Unauthenticated, msg.AuthRequired))
		return
	}
	switch r.URL.Path {
	case "/excel/template":
		h.template(w, r, p)
	case "/excel/dashboard":
		h.dashboard(w, r, p)
	case "/excel/import":
		h.importSheet(w, r, p)
	}
}

// args reads the region and period query parameters.
func args(r *http.Request) (region, period string, err error) {
	q := r.URL.Query()
	region, period = strings.TrimSpace(q.Get("region")), strings.TrimSpace(q.Get("period"))
	if region == "" || period == "" {
		return "", "", apperr.New(apperr.Invalid, msg.ExcelArgsRequired).With("field", "region")
	}
	return region, period, nil
}

// template answers the entry sheet: who may read the submission may download it (the store's
// EntryForm applies auth.ReadRaw).
func (h excelHandler) template(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	region, period, err := args(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	form, err := h.st.EntryForm(r.Context(), p, region, period)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := excel.Template(form)
	if err != nil {
		h.fail(w, r, fmt.Errorf("entry sheet %s %s: %w", region, period, err))
		return
	}
	writeXLSX(w, fmt.Sprintf("entry-%s-%s.xlsx", form.Region.Code, form.Period), b)
}

// dashboard answers the dashboard matrix: who may read those totals may download it (the
// store's Dashboard and IndicatorValues apply auth.Decide and the publication rules).
func (h excelHandler) dashboard(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	region, period, err := args(r)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	b, err := excel.Dashboard(r.Context(), h.st, p, region, period)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeXLSX(w, fmt.Sprintf("dashboard-%s-%s.xlsx", region, strings.ReplaceAll(period, "..", "-")), b)
}

// importSheet saves a filled entry sheet: multipart/form-data with the file in "file", and
// "region", "period" and optionally "expectedVersion" (default: the version in the sheet). Who
// may save the submission may import it (the store's Save applies auth.Edit).
func (h excelHandler) importSheet(w http.ResponseWriter, r *http.Request, p *auth.Principal) {
	r.Body = http.MaxBytesReader(w, r.Body, h.budget.MaxBodyBytes)
	if err := r.ParseMultipartForm(h.budget.MaxBodyBytes); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			h.fail(w, r, apperr.New(apperr.PayloadTooLarge, msg.BodyTooLarge, "limit", h.budget.MaxBodyBytes))
			return
		}
		h.fail(w, r, apperr.New(apperr.Invalid, msg.ExcelNotMultipart).With("field", "file"))
		return
	}
	defer r.MultipartForm.RemoveAll()
	// The form's fields only: r.FormValue would put the URL's query first, so that a link
	// (/excel/import?region=…) could redirect a clerk's upload.
	region, period := strings.TrimSpace(r.PostFormValue("region")), strings.TrimSpace(r.PostFormValue("period"))
	if region == "" || period == "" {
		h.fail(w, r, apperr.New(apperr.Invalid, msg.ExcelFormArgs).With("field", "region"))
		return
	}
	var expected *int
	if v := strings.TrimSpace(r.PostFormValue("expectedVersion")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			h.fail(w, r, apperr.New(apperr.Invalid, msg.ExcelVersionNotInt, "value", v).With("field", "expectedVersion"))
			return
		}
		expected = &n
	}
	file, _, err := r.FormFile("file")
	if err != nil {
		h.fail(w, r, apperr.New(apperr.Invalid, msg.ExcelNoFile).With("field", "file"))
		return
	}
	defer file.Close()
	snap, err := excel.Import(r.Context(), h.st, p, excel.ImportInput{File: file, MaxBytes: h.budget.MaxBodyBytes,
		RegionCode: region, Period: period, ExpectedVersion: expected})
	if err != nil {
		h.fail(w, r, err)
		return
	}
	sub := snap.Submission
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"data": map[string]any{"importWorkbook": map[string]any{
		"regionCode": sub.RegionCode, "period": sub.Period, "status": sub.Status, "version": sub.Version, "values": len(snap.Values)}}})
}

func writeXLSX(w http.ResponseWriter, name string, b []byte) {
	w.Header().Set("Content-Type", excel.ContentType)
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="%s"`, name))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// excelStatus is the HTTP status of a coded error on the Excel endpoints, which are plain HTTP
// and answer with their status as REST clients (curl, a browser's download) expect.
var excelStatus = map[apperr.Code]int{
	apperr.Invalid: http.StatusBadRequest, apperr.BadRequest: http.StatusBadRequest, apperr.NotFound: http.StatusNotFound,
	apperr.Forbidden: http.StatusForbidden, apperr.Conflict: http.StatusConflict, apperr.Unauthenticated: http.StatusUnauthorized,
	apperr.PayloadTooLarge: http.StatusRequestEntityTooLarge, apperr.MethodNotAllowed: http.StatusMethodNotAllowed,
	apperr.Timeout: http.StatusGatewayTimeout, apperr.Unavailable: http.StatusServiceUnavailable,
}

// fail answers an error as a GraphQL-style error list ({"errors": [{message, extensions}]}),
// with the code's HTTP status. Uncoded errors are faults (the database, a deadline) or internal,
// logged with detail and shown as "internal error" only, as the GraphQL error presenter does.
func (h excelHandler) fail(w http.ResponseWriter, r *http.Request, err error) {
	failHTTP(w, r, h.log, err)
}

// failHTTP is fail for any plain-HTTP endpoint (/excel/…, /reports/…).
func failHTTP(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	lang := requestLang(r)
	ext := map[string]any{}
	text := msg.T(msg.InternalError)
	code := apperr.Internal
	if e, ok := apperr.As(err); ok {
		code, text = e.Code, e.Message
		for k, v := range e.Details {
			ext[k] = rendered(v, lang)
		}
	} else if c, ok := fault(r.Context(), err); ok {
		if c == apperr.Canceled {
			return // nobody is listening
		}
		code, text = c, faultMessage(c)
		if c == apperr.Unavailable {
			w.Header().Set("Retry-After", strconv.Itoa(int(retryAfter/time.Second)))
		}
	} else {
		log.Error("internal error", "path", r.URL.Path, "err", err)
	}
	ext["code"] = string(code)
	status, ok := excelStatus[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": text.In(lang), "extensions": ext}}})
}
