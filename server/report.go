package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"

	"planapi/apperr"
	"planapi/auth"
	"planapi/msg"
	"planapi/report"
	"planapi/store"
)

// The evaluation report's downloads: GET /reports/evaluation.docx, .html and .xlsx, each with
// ?region=…&asOf=…. They authenticate and answer errors as the Excel endpoints do, and call
// report.Build — the same builder as the evaluationReport query — so who may read the report is
// decided there (by the store and auth), never here.

// ReportBuilder builds the evaluation report of a region as of a period for a principal:
// report.Build's signature.
type ReportBuilder func(ctx context.Context, st *store.Store, p *auth.Principal, regionCode, asOf string) (*report.Report, error)

type reportHandler struct {
	st     *store.Store
	log    *slog.Logger
	budget Budget
	build  ReportBuilder
}

// reportFormat is one of the report's documents.
type reportFormat struct {
	ext, contentType string
	render           func(*report.Report) ([]byte, error)
	// inline: a browser shows it (the printable page) rather than saving it.
	inline bool
	// suffix is added to the Chinese file name ("附表" for the workbook, which holds only that).
	suffix string
}

var reportFormats = map[string]reportFormat{
	"/reports/evaluation.docx": {ext: "docx", contentType: report.DOCXContentType, render: report.DOCX},
	"/reports/evaluation.html": {ext: "html", contentType: report.HTMLContentType, render: report.HTML, inline: true},
	"/reports/evaluation.xlsx": {ext: "xlsx", contentType: report.XLSXContentType, render: report.XLSX, suffix: "附表"},
}

func (h reportHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), h.budget.RequestTimeout)
	defer cancel()
	r = r.WithContext(ctx)
	f, ok := reportFormats[r.URL.Path]
	if !ok {
		failHTTP(w, r, h.log, apperr.New(apperr.NotFound, msg.ReportNoEndpoint))
		return
	}
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		failHTTP(w, r, h.log, apperr.New(apperr.MethodNotAllowed, msg.ExcelMethod, "method", r.Method, "path", r.URL.Path, "allowed", http.MethodGet))
		return
	}
	// SECURITY: no principal, no report, as requirePrincipal for /graphql; a bad token was
	// already refused with 401 by authenticate.
	p, ok := auth.FromContext(ctx)
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="planapi"`)
		failHTTP(w, r, h.log, apperr.New(apperr.Unauthenticated, msg.AuthRequired))
		return
	}
	q := r.URL.Query()
	region, asOf := strings.TrimSpace(q.Get("region")), strings.TrimSpace(q.Get("asOf"))
	if region == "" || asOf == "" {
		field := "region"
		if region != "" {
			field = "asOf"
		}
		failHTTP(w, r, h.log, apperr.New(apperr.Invalid, msg.ReportArgsRequired).With("field", field))
		return
	}
	rep, err := h.build(ctx, h.st, p, region, asOf)
	if err != nil {
		failHTTP(w, r, h.log, err)
		return
	}
	b, err := f.render(rep)
	if err != nil {
		failHTTP(w, r, h.log, fmt.Errorf("evaluation report %s %s as %s: %w", region, asOf, f.ext, err))
		return
	}
	disposition := "attachment"
	if f.inline {
		disposition = "inline"
		// The page is the report's own words and its inline stylesheet, nothing else: no
		// script may run, nothing is fetched.
		w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'")
	}
	w.Header().Set("Content-Type", f.contentType)
	w.Header().Set("Content-Disposition", contentDisposition(disposition,
		fmt.Sprintf("evaluation-%s-%s.%s", asciiName(rep.RegionCode), asciiName(rep.AsOf), f.ext),
		reportFileName(rep, f)))
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.Write(b)
}

// reportFileName is the Chinese file name: the title, the annex's suffix, the as-of period
// ("XX市市场监管现代化“十四五”规划中期评估报告_2023Q1.docx").
func reportFileName(rep *report.Report, f reportFormat) string {
	name := rep.Title
	if name == "" {
		name = "中期评估报告"
	}
	if f.suffix != "" {
		name += "_" + f.suffix
	}
	if rep.AsOf != "" {
		name += "_" + rep.AsOf
	}
	// A file name holds no path separator, quote or control character.
	name = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || strings.ContainsRune(`/\:*?"<>|`, r) {
			return '_'
		}
		return r
	}, name)
	return name + "." + f.ext
}

// asciiName keeps letters, digits, '.', '-' and '_' of s and replaces anything else with '_':
// the part of a fallback file name taken from the request.
func asciiName(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x80 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return r
		}
		return '_'
	}, s)
}

// contentDisposition is a Content-Disposition header with an ASCII file name for old clients
// and the real one as RFC 6266's filename* (RFC 5987: UTF-8, percent-encoded), which every
// current browser prefers.
func contentDisposition(disposition, ascii, name string) string {
	return fmt.Sprintf(`%s; filename="%s"; filename*=UTF-8''%s`, disposition, ascii, rfc5987(name))
}

// rfc5987 percent-encodes s's UTF-8 bytes except RFC 5987's attr-char.
func rfc5987(s string) string {
	const attrChar = "!#$&+-.^_`|~"
	var b strings.Builder
	for _, c := range []byte(s) {
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(attrChar, c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}
