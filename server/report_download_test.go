package server_test

// Issue 13, point 2: the evaluation report's downloads, end to end through the real handler
// with real tokens, the report built by a hand-made builder (Deps.BuildReport), so these tests
// hold the transport — auth, arguments, headers, errors — and leave the report's figures to the
// builder's tests.

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"mime"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/xuri/excelize/v2"

	"planapi/apperr"
	"planapi/auth"
	"planapi/msg"
	"planapi/report"
	"planapi/server"
	"planapi/store"
	"planapi/testenv"
)

func handMadeReport(region, asOf string) *report.Report {
	return &report.Report{
		RegionCode: region, RegionName: "XX市", AsOf: asOf, AsOfText: "截至2023年第一季度",
		Title: "XX市市场监管现代化“十四五”规划中期评估报告",
		Sections: []report.Section{
			{Key: "progress", Level: 1, Number: "一、", Heading: "规划实施总体进展情况", Children: []report.Section{
				{Key: "indicators", Level: 2, Number: "(一)", Heading: "主要指标进展情况",
					Paragraphs: []string{"2021年抽查重点工业产品538批次,不合格25批次,合格率95.3% < 96.5% & 需加快推进。"}},
			}},
			{Key: "problems", Level: 1, Number: "二、", Heading: "存在的问题", Paragraphs: []string{"数据采集不完整。"}},
			{Key: "nextSteps", Level: 1, Number: "三、", Heading: "下一步工作", Paragraphs: []string{"加快推进。"}},
		},
		Annex: report.Table{Title: "主要指标进展情况表", Columns: []string{"序号", "指标名称", "单位", "评估结论"},
			Rows: [][]string{{"2.10", "重点工业产品质量抽查合格率", "%", "需加快推进"}, {"2.11", "每百万人口药品不良反应报告数", "份/百万人口", "已完成既定目标"},
				{"3.3", "消费者满意度", "分", "已完成既定目标"}}},
	}
}

// builderCall is what the hand-made builder was asked for.
type builderCall struct {
	principal    auth.Principal
	region, asOf string
}

type fakeBuilder struct {
	mu    sync.Mutex
	calls []builderCall
	err   error
}

func (f *fakeBuilder) build(ctx context.Context, st *store.Store, p *auth.Principal, region, asOf string) (*report.Report, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, builderCall{principal: *p, region: region, asOf: asOf})
	if f.err != nil {
		return nil, f.err
	}
	return handMadeReport(region, asOf), nil
}

func (f *fakeBuilder) reset(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls, f.err = nil, err
}

func getReport(h http.Handler, method, target, token, lang string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, target, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if lang != "" {
		req.Header.Set("Accept-Language", lang)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

type reportError struct {
	Errors []struct {
		Message    string         `json:"message"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
}

func mustReportError(tb testing.TB, rec *httptest.ResponseRecorder, status int, code string) reportError {
	tb.Helper()
	if rec.Code != status {
		tb.Fatalf("status %d, want %d: %s", rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		tb.Errorf("Content-Type %q", ct)
	}
	var out reportError
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || len(out.Errors) != 1 {
		tb.Fatalf("not one coded error: %s", rec.Body.String())
	}
	if got := out.Errors[0].Extensions["code"]; got != code {
		tb.Errorf("code %v, want %s", got, code)
	}
	return out
}

func TestEvaluationReportDownloads(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	fake := &fakeBuilder{}
	h := testenv.HandlerWith(t, e.DB, e.Cache, func(d *server.Deps) { d.BuildReport = fake.build })
	analyst := e.Token(t, city, auth.RoleAnalyst)
	const query = "?region=419900&asOf=2023Q1"
	const chineseName = "XX市市场监管现代化“十四五”规划中期评估报告"

	for _, c := range []struct {
		name, path, contentType, disposition, ascii, filename string
		check                                                 func(t *testing.T, body []byte)
	}{
		{"Docx", "/reports/evaluation.docx", report.DOCXContentType, "attachment", "evaluation-419900-2023Q1.docx", chineseName + "_2023Q1.docx",
			func(t *testing.T, body []byte) {
				zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
				if err != nil {
					t.Fatalf("not a .docx: %v", err)
				}
				for _, f := range zr.File {
					if f.Name == "word/document.xml" {
						return
					}
				}
				t.Errorf("no word/document.xml")
			}},
		{"HTML", "/reports/evaluation.html", "text/html; charset=utf-8", "inline", "evaluation-419900-2023Q1.html", chineseName + "_2023Q1.html",
			func(t *testing.T, body []byte) {
				if !bytes.Contains(body, []byte("<h1>"+chineseName+"</h1>")) || !bytes.Contains(body, []byte("95.3% &lt; 96.5% &amp; 需加快推进")) {
					t.Errorf("the page lacks the title or the escaped paragraph")
				}
			}},
		{"XLSX", "/reports/evaluation.xlsx", report.XLSXContentType, "attachment", "evaluation-419900-2023Q1.xlsx", chineseName + "_附表_2023Q1.xlsx",
			func(t *testing.T, body []byte) {
				f, err := excelize.OpenReader(bytes.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				rows, err := f.GetRows(report.AnnexSheet)
				if err != nil || len(rows) != 5 || rows[1][1] != "指标名称" || rows[4][0] != "3.3" {
					t.Errorf("rows %q, %v", rows, err)
				}
			}},
	} {
		t.Run(c.name, func(t *testing.T) {
			fake.reset(nil)
			rec := getReport(h, http.MethodGet, c.path+query, analyst, "")
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body.String())
			}
			hd := rec.Header()
			if hd.Get("Content-Type") != c.contentType || hd.Get("Cache-Control") != "no-store" || hd.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers %v", hd)
			}
			cd := hd.Get("Content-Disposition")
			if !strings.HasPrefix(cd, c.disposition+`; filename="`+c.ascii+`"; filename*=UTF-8''`) {
				t.Errorf("Content-Disposition %q", cd)
			}
			// mime decodes RFC 2231/5987's filename* and prefers it, as a browser does.
			disp, params, err := mime.ParseMediaType(cd)
			if err != nil || disp != c.disposition || params["filename"] != c.filename {
				t.Errorf("Content-Disposition %q reads as %q %q (%v), want the file name %q", cd, disp, params, err, c.filename)
			}
			if c.name == "HTML" && !strings.Contains(hd.Get("Content-Security-Policy"), "default-src 'none'") {
				t.Errorf("the page has no Content-Security-Policy")
			}
			c.check(t, rec.Body.Bytes())
			if len(fake.calls) != 1 {
				t.Fatalf("builder called %d times", len(fake.calls))
			}
			got := fake.calls[0]
			if got.region != city || got.asOf != "2023Q1" || got.principal.Region != city || got.principal.Role != auth.RoleAnalyst {
				t.Errorf("builder called with %+v", got)
			}
		})
	}

	t.Run("NoToken", func(t *testing.T) {
		fake.reset(nil)
		rec := getReport(h, http.MethodGet, "/reports/evaluation.docx"+query, "", "")
		mustReportError(t, rec, http.StatusUnauthorized, "UNAUTHENTICATED")
		if rec.Header().Get("WWW-Authenticate") == "" {
			t.Errorf("no WWW-Authenticate")
		}
		if len(fake.calls) != 0 {
			t.Errorf("the builder ran without a principal")
		}
	})

	t.Run("BadToken", func(t *testing.T) {
		fake.reset(nil)
		rec := getReport(h, http.MethodGet, "/reports/evaluation.xlsx"+query, analyst+"x", "")
		mustReportError(t, rec, http.StatusUnauthorized, "UNAUTHENTICATED")
		if len(fake.calls) != 0 {
			t.Errorf("the builder ran with a forged token")
		}
	})

	t.Run("BuilderNotFound", func(t *testing.T) {
		fake.reset(apperr.New(apperr.NotFound, msg.RegionNotFound, "region", "419999"))
		zh := mustReportError(t, getReport(h, http.MethodGet, "/reports/evaluation.docx?region=419999&asOf=2023Q1", analyst, ""), http.StatusNotFound, "NOT_FOUND")
		if zh.Errors[0].Message != `未找到地区 "419999"` {
			t.Errorf("message %q", zh.Errors[0].Message)
		}
		en := mustReportError(t, getReport(h, http.MethodGet, "/reports/evaluation.html?region=419999&asOf=2023Q1", analyst, "en"), http.StatusNotFound, "NOT_FOUND")
		if en.Errors[0].Message != `region "419999" not found` {
			t.Errorf("message %q", en.Errors[0].Message)
		}
	})

	t.Run("BuilderForbidden", func(t *testing.T) {
		fake.reset(apperr.New(apperr.Forbidden, msg.AuthRequired))
		mustReportError(t, getReport(h, http.MethodGet, "/reports/evaluation.xlsx"+query, analyst, ""), http.StatusForbidden, "FORBIDDEN")
	})

	t.Run("BuilderFault", func(t *testing.T) {
		fake.reset(errors.New("relation \"report_sections\" does not exist"))
		out := mustReportError(t, getReport(h, http.MethodGet, "/reports/evaluation.docx"+query, analyst, ""), http.StatusInternalServerError, "INTERNAL")
		if strings.Contains(out.Errors[0].Message, "report_sections") {
			t.Errorf("an internal error's detail reached the caller: %q", out.Errors[0].Message)
		}
	})

	t.Run("ArgsRequired", func(t *testing.T) {
		fake.reset(nil)
		out := mustReportError(t, getReport(h, http.MethodGet, "/reports/evaluation.docx?region=419900", analyst, ""), http.StatusBadRequest, "BAD_USER_INPUT")
		if out.Errors[0].Extensions["field"] != "asOf" {
			t.Errorf("field %v", out.Errors[0].Extensions["field"])
		}
		if len(fake.calls) != 0 {
			t.Errorf("the builder ran without asOf")
		}
	})

	t.Run("MethodNotAllowed", func(t *testing.T) {
		rec := getReport(h, http.MethodPost, "/reports/evaluation.docx"+query, analyst, "")
		mustReportError(t, rec, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
		if rec.Header().Get("Allow") != http.MethodGet {
			t.Errorf("Allow %q", rec.Header().Get("Allow"))
		}
	})

	t.Run("NoSuchFormat", func(t *testing.T) {
		mustReportError(t, getReport(h, http.MethodGet, "/reports/evaluation.pdf"+query, analyst, ""), http.StatusNotFound, "NOT_FOUND")
	})
}

// docxText is the text of a .docx's body, its w:t runs in order, one line per paragraph.
func docxText(tb testing.TB, b []byte) string {
	tb.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		tb.Fatalf("not a zip: %v", err)
	}
	for _, f := range zr.File {
		if f.Name != "word/document.xml" {
			continue
		}
		rc, _ := f.Open()
		defer rc.Close()
		var out strings.Builder
		d := xml.NewDecoder(rc)
		inText := false
		for {
			tok, err := d.Token()
			if err != nil {
				break
			}
			switch t := tok.(type) {
			case xml.StartElement:
				inText = t.Name.Local == "t"
			case xml.EndElement:
				inText = false
				if t.Name.Local == "p" {
					out.WriteString("\n")
				}
			case xml.CharData:
				if inText {
					out.Write(t)
				}
			}
		}
		return out.String()
	}
	tb.Fatal("no word/document.xml")
	return ""
}

// TestEvaluationReportDownloadsBuilt: the downloads of the demo city's real report (the
// builder of evaluationReport, not a hand-made one) carry what the query answers: every
// heading, each indicator's paragraph and the annex.
func TestEvaluationReportDownloadsBuilt(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	reviewer := e.Token(t, city, auth.RoleReviewer)
	rep := mustReport(t, e, reviewer, city, "2023Q1")

	rec := getReport(e.Handler, http.MethodGet, "/reports/evaluation.docx?region="+city+"&asOf=2023Q1", reviewer, "")
	if rec.Code != http.StatusOK {
		t.Fatalf("docx: %d %s", rec.Code, rec.Body.String())
	}
	text := docxText(t, rec.Body.Bytes())
	want := []string{rep.Title, rep.AsOfText}
	for _, s := range rep.Sections {
		want = append(want, s.Number+s.Heading)
	}
	for _, code := range []string{"2.10", "2.11", "3.3"} {
		_, p := rep.indicator(code)
		want = append(want, p)
	}
	want = append(want, rep.Annex.Title)
	for _, row := range rep.Annex.Rows {
		want = append(want, row...)
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the .docx lacks %q", w)
		}
	}
	if !strings.Contains(text, "538批次") || !strings.Contains(text, "已完成既定目标") {
		t.Errorf("the .docx lacks the seed's figures or verdicts")
	}

	html := getReport(e.Handler, http.MethodGet, "/reports/evaluation.html?region="+city+"&asOf=2023Q1", reviewer, "")
	if _, p := rep.indicator("2.10"); html.Code != http.StatusOK || !strings.Contains(html.Body.String(), p) {
		t.Errorf("html: %d, want the 2.10 paragraph", html.Code)
	}
	x := getReport(e.Handler, http.MethodGet, "/reports/evaluation.xlsx?region="+city+"&asOf=2023Q1", reviewer, "")
	f, err := excelize.OpenReader(bytes.NewReader(x.Body.Bytes()))
	if err != nil {
		t.Fatalf("xlsx: %d %v", x.Code, err)
	}
	rows, _ := f.GetRows(f.GetSheetName(0))
	found := false
	for _, r := range rows {
		if len(r) > 0 && r[0] == "2.10" {
			found = true
		}
	}
	if !found {
		t.Errorf("the annex sheet has no row 2.10: %v", rows)
	}

	// Who may not read the report may not download it: a county, another city.
	if r := getReport(e.Handler, http.MethodGet, "/reports/evaluation.docx?region="+city+"&asOf=2023Q1", e.Token(t, countyA, auth.RoleReviewer), ""); r.Code != http.StatusForbidden {
		t.Errorf("a county's reviewer: %d, want 403", r.Code)
	}
	if r := getReport(e.Handler, http.MethodGet, "/reports/evaluation.docx?region="+city+"&asOf=2023Q1", e.Token(t, "419700", auth.RoleAdmin), ""); r.Code != http.StatusNotFound {
		t.Errorf("another city: %d, want 404", r.Code)
	}
}
