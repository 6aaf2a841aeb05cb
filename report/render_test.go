package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/net/html"
)

// sampleReport is shaped like the builder's report as of 2023Q1: the title, 一、 with (一) by
// category and indicator and (二) by task, 二、 and 三、 with the city's text, and the annex table.
// Its words carry XML's and HTML's special characters and a control character.
func sampleReport() *Report {
	return &Report{
		RegionCode: "419900", RegionName: "XX市", AsOf: "2023Q1", AsOfText: "截至2023年第一季度",
		Title: "XX市市场监管现代化“十四五”规划中期评估报告",
		Sections: []Section{
			{Key: "progress", Level: 1, Number: "一、", Heading: "规划实施总体进展情况", Children: []Section{
				{Key: "indicators", Level: 2, Number: "(一)", Heading: "主要指标进展情况", Children: []Section{
					{Key: "category:2", Level: 3, Number: "2.", Heading: "市场秩序指标", Children: []Section{
						{Key: "indicator:2.10", Level: 4, Number: "(10)", Heading: "2025年重点工业产品质量抽查合格率达到96.5%以上",
							Paragraphs: []string{
								"2021年抽查重点工业产品538批次,不合格25批次,合格率95.3%;2022年抽查501批次,不合格22批次,合格率95.6%。",
								"合格率 < 目标 & 差距 > 0.9个百分点:预计到2025年可达到既定目标。\x01",
							}},
						{Key: "indicator:2.11", Level: 4, Number: "(11)", Heading: "2025年每百万人口药品不良反应报告数达到1600份",
							Paragraphs: []string{"2021年1483份/百万人口,2022年1585份/百万人口,截至2023年第一季度466份/百万人口。已完成既定目标。"}},
					}},
				}},
				{Key: "tasks", Level: 2, Number: "(二)", Heading: "重点任务举措进展", Children: []Section{
					{Key: "task:1", Level: 3, Number: "1.", Heading: "深化商事制度改革",
						Paragraphs: []string{"2021年以来累计查办案件28起,罚没款233.77万元;完成该举措的县区占100%。"}},
				}},
			}},
			{Key: "problems", Level: 1, Number: "二、", Heading: "存在的问题",
				Paragraphs: []string{"一是部分指标数据采集不完整(3/5个县区);二是\"<script>alert(1)</script>\"不应被执行。"}},
			{Key: "nextSteps", Level: 1, Number: "三、", Heading: "下一步工作",
				Paragraphs: []string{"加快推进药品不良反应监测工作,\n确保2025年目标如期实现。"}},
		},
		Annex: Table{
			Title:   "XX市市场监管现代化“十四五”规划主要指标进展情况表",
			Columns: []string{"序号", "指标名称", "单位", "2025年目标", "2021年", "2022年", "截至2023年第一季度", "评估结论"},
			Rows: [][]string{
				{"2.10", "重点工业产品质量抽查合格率", "%", "≥96.5", "95.35", "95.61", "—", "预计到2025年可达到"},
				{"2.11", "每百万人口药品不良反应报告数", "份/百万人口", "1600", "1483", "1585", "466", "已完成既定目标"},
				{"1.2", "商标有效注册量", "件", "XX(目标未公开)", "8412", "9015", "9120", "已完成既定目标"},
				{"3.3", "消费者满意度", "分", "> 80 & < 100", "84.39", "—", "—", "暂无数据,无法评估"},
			},
		},
	}
}

// textOf is what a reader sees of s: without the characters the renderers drop.
func textOf(s string) string { return strings.ReplaceAll(s, "\x01", "") }

// expected lists, in reading order, the title, the as-of line, every heading and every
// paragraph (a line break within one as a newline).
func expected(r *Report) []string {
	out := []string{r.Title, r.AsOfText}
	var walk func([]Section)
	walk = func(ss []Section) {
		for _, s := range ss {
			out = append(out, s.Number+s.Heading)
			for _, p := range s.Paragraphs {
				out = append(out, textOf(p))
			}
			walk(s.Children)
		}
	}
	walk(r.Sections)
	return out
}

type ctDefault struct {
	Extension   string `xml:",attr"`
	ContentType string `xml:",attr"`
}

type ctOverride struct {
	PartName    string `xml:",attr"`
	ContentType string `xml:",attr"`
}

const wNS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

// docxParagraph is a paragraph of word/document.xml outside a table: its style and its text
// (w:t runs in order, a w:br as a newline).
type docxParagraph struct{ style, text string }

// readDocument reads word/document.xml's body: its paragraphs and its tables' cells.
func readDocument(tb testing.TB, b []byte) (paras []docxParagraph, tables [][][]string, sects []map[string]string) {
	tb.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	var (
		p                 *docxParagraph
		inT, inTbl        bool
		cell              strings.Builder
		inCell            bool
		row               []string
		table             [][]string
		paragraphInTblNum int
	)
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			tb.Fatalf("document.xml: %v", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != wNS {
				continue
			}
			switch t.Name.Local {
			case "tbl":
				inTbl, table = true, nil
			case "tr":
				row = nil
			case "tc":
				inCell = true
				cell.Reset()
				paragraphInTblNum = 0
			case "p":
				if inCell {
					if paragraphInTblNum > 0 {
						cell.WriteString("\n")
					}
					paragraphInTblNum++
				} else {
					p = &docxParagraph{}
				}
			case "pStyle":
				if p != nil && !inTbl {
					p.style = attr(t, "val")
				}
			case "t":
				inT = true
			case "br":
				if attr(t, "type") == "page" {
					continue
				}
				if inCell {
					cell.WriteString("\n")
				} else if p != nil {
					p.text += "\n"
				}
			case "sectPr":
				sects = append(sects, map[string]string{})
			case "pgSz", "pgMar":
				for _, a := range t.Attr {
					sects[len(sects)-1][t.Name.Local+"."+a.Name.Local] = a.Value
				}
			}
		case xml.CharData:
			if inT {
				if inCell {
					cell.Write(t)
				} else if p != nil {
					p.text += string(t)
				}
			}
		case xml.EndElement:
			if t.Name.Space != wNS {
				continue
			}
			switch t.Name.Local {
			case "t":
				inT = false
			case "tc":
				inCell = false
				row = append(row, cell.String())
			case "tr":
				table = append(table, row)
			case "tbl":
				inTbl = false
				tables = append(tables, table)
			case "p":
				if !inCell && p != nil {
					paras = append(paras, *p)
					p = nil
				}
			}
		}
	}
	return paras, tables, sects
}

func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// mustWellFormed parses b as XML to the end.
func mustWellFormed(tb testing.TB, name string, b []byte) {
	tb.Helper()
	d := xml.NewDecoder(bytes.NewReader(b))
	for {
		_, err := d.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			tb.Fatalf("%s is not well-formed XML: %v", name, err)
		}
	}
}

func TestEvaluationDocx(t *testing.T) {
	r := sampleReport()
	b, err := DOCX(r)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	parts := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		parts[f.Name] = data
	}

	t.Run("ValidPackage", func(t *testing.T) {
		for _, name := range []string{"[Content_Types].xml", "_rels/.rels", "word/document.xml", "word/styles.xml", "word/settings.xml",
			"word/_rels/document.xml.rels", "word/footer1.xml", "word/fontTable.xml", "docProps/core.xml", "docProps/app.xml"} {
			if parts[name] == nil {
				t.Errorf("missing part %s", name)
			}
		}
		for name, data := range parts {
			mustWellFormed(t, name, data)
		}
		// Every part has a content type: an Override by name or a Default by extension.
		var ct struct {
			Defaults  []ctDefault  `xml:"Default"`
			Overrides []ctOverride `xml:"Override"`
		}
		if err := xml.Unmarshal(parts["[Content_Types].xml"], &ct); err != nil {
			t.Fatal(err)
		}
		for name := range parts {
			if name == "[Content_Types].xml" {
				continue
			}
			found := slices.ContainsFunc(ct.Overrides, func(o ctOverride) bool { return o.PartName == "/"+name })
			found = found || slices.ContainsFunc(ct.Defaults, func(d ctDefault) bool {
				return strings.EqualFold(d.Extension, strings.TrimPrefix(path.Ext(name), "."))
			})
			if !found {
				t.Errorf("part %s has no content type", name)
			}
		}
		for _, o := range ct.Overrides {
			if parts[strings.TrimPrefix(o.PartName, "/")] == nil {
				t.Errorf("content type for the missing part %s", o.PartName)
			}
		}
		if !slices.ContainsFunc(ct.Overrides, func(o ctOverride) bool {
			return o.PartName == "/word/document.xml" && strings.HasSuffix(o.ContentType, "wordprocessingml.document.main+xml")
		}) {
			t.Errorf("document.xml is not typed as the main document: %+v", ct.Overrides)
		}
		// Every relationship resolves to a part of the package.
		for _, rels := range []string{"_rels/.rels", "word/_rels/document.xml.rels"} {
			var rs struct {
				Rel []struct {
					ID         string `xml:"Id,attr"`
					Target     string `xml:",attr"`
					TargetMode string `xml:",attr"`
				} `xml:"Relationship"`
			}
			if err := xml.Unmarshal(parts[rels], &rs); err != nil {
				t.Fatal(err)
			}
			base := path.Dir(path.Dir(rels)) // the source part's folder
			if base == "." {
				base = ""
			}
			for _, rel := range rs.Rel {
				if rel.TargetMode == "External" {
					continue
				}
				target := path.Join(base, rel.Target)
				if parts[target] == nil {
					t.Errorf("%s: %s → %s: no such part", rels, rel.ID, target)
				}
			}
		}
		// The main document is related from the package, its footer from the document.
		if !bytes.Contains(parts["_rels/.rels"], []byte(`Target="word/document.xml"`)) {
			t.Errorf("the package does not relate its main document")
		}
		if !bytes.Contains(parts["word/footer1.xml"], []byte(`<w:instrText xml:space="preserve"> PAGE </w:instrText>`)) {
			t.Errorf("the footer has no PAGE field: %s", parts["word/footer1.xml"])
		}
	})

	paras, tables, sects := readDocument(t, parts["word/document.xml"])

	t.Run("EveryHeadingAndParagraphInOrder", func(t *testing.T) {
		var texts []string
		for _, p := range paras {
			if p.text != "" {
				texts = append(texts, p.text)
			}
		}
		want := append(expected(r), "附表", r.Annex.Title)
		if !slices.Equal(texts, want) {
			t.Errorf("paragraphs:\n got %q\nwant %q", texts, want)
		}
	})

	t.Run("HeadingStyles", func(t *testing.T) {
		style := map[string]string{}
		for _, p := range paras {
			style[p.text] = p.style
		}
		if style[r.Title] != "Title" {
			t.Errorf("title style %q", style[r.Title])
		}
		for text, want := range map[string]string{
			"一、规划实施总体进展情况": "Heading1", "二、存在的问题": "Heading1", "三、下一步工作": "Heading1",
			"(一)主要指标进展情况": "Heading2", "(二)重点任务举措进展": "Heading2", "2.市场秩序指标": "Heading3", "1.深化商事制度改革": "Heading3",
			"(10)2025年重点工业产品质量抽查合格率达到96.5%以上": "Heading4",
		} {
			if style[text] != want {
				t.Errorf("%s: style %q, want %q", text, style[text], want)
			}
		}
		if p := r.Sections[0].Children[0].Children[0].Children[0].Paragraphs[0]; style[p] != "" {
			t.Errorf("a body paragraph has style %q", style[p])
		}
	})

	t.Run("SpecialCharacters", func(t *testing.T) {
		doc := string(parts["word/document.xml"])
		if !strings.Contains(doc, "合格率 &lt; 目标 &amp; 差距 &gt; 0.9") {
			t.Errorf("< & > not escaped as expected")
		}
		if strings.Contains(doc, "\x01") {
			t.Errorf("a control character reached document.xml")
		}
	})

	t.Run("AnnexTable", func(t *testing.T) {
		if len(tables) != 1 {
			t.Fatalf("%d tables, want 1", len(tables))
		}
		tbl := tables[0]
		if len(tbl) != len(r.Annex.Rows)+1 {
			t.Fatalf("%d rows, want %d", len(tbl), len(r.Annex.Rows)+1)
		}
		for i, row := range tbl {
			want := r.Annex.Columns
			if i > 0 {
				want = r.Annex.Rows[i-1]
			}
			if !slices.Equal(row, want) {
				t.Errorf("row %d: %q, want %q", i, row, want)
			}
		}
		doc := string(parts["word/document.xml"])
		if strings.Count(doc, "<w:tblHeader/>") != 1 || !strings.Contains(doc, `<w:tblStyle w:val="AnnexTable"/>`) {
			t.Errorf("the header row is not marked, or the table has no style")
		}
		st := string(parts["word/styles.xml"])
		for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
			if !strings.Contains(st, `<w:`+side+` w:val="single"`) {
				t.Errorf("the table style has no %s border", side)
			}
		}
	})

	t.Run("OfficialStyle", func(t *testing.T) {
		st := string(parts["word/styles.xml"])
		for _, font := range []string{FontTitle, FontHeading, FontKai, FontBody} {
			if !strings.Contains(st, `w:eastAsia="`+font+`"`) {
				t.Errorf("styles.xml names no %s", font)
			}
		}
		for _, want := range []string{`w:firstLineChars="200"`, `<w:sz w:val="32"/>`, `<w:sz w:val="44"/>`, `w:styleId="Heading4"`, `<w:outlineLvl w:val="3"/>`} {
			if !strings.Contains(st, want) {
				t.Errorf("styles.xml has no %s", want)
			}
		}
		ft := string(parts["word/fontTable.xml"])
		for _, want := range []string{`<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>`, `<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>`} {
			if !strings.Contains(ft, want) {
				t.Errorf("fontTable.xml has no %s", want)
			}
		}
		// The body on A4, 上37mm 下35mm 左28mm 右26mm, in twips (1 mm = 1440/25.4); the annex on
		// A4 landscape, the same margins turned with the page.
		if len(sects) != 2 {
			t.Fatalf("%d sections, want the body's and the annex's", len(sects))
		}
		for i, want := range []map[string]string{
			{"pgSz.w": "11906", "pgSz.h": "16838", "pgSz.orient": "", "pgMar.top": "2098", "pgMar.bottom": "1984", "pgMar.left": "1587", "pgMar.right": "1474"},
			{"pgSz.w": "16838", "pgSz.h": "11906", "pgSz.orient": "landscape", "pgMar.top": "1587", "pgMar.bottom": "1474", "pgMar.left": "1984", "pgMar.right": "2098"},
		} {
			for k, v := range want {
				if sects[i][k] != v {
					t.Errorf("section %d: %s = %q, want %q", i+1, k, sects[i][k], v)
				}
			}
		}
	})

	t.Run("EmptyReport", func(t *testing.T) {
		b, err := DOCX(&Report{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := zip.NewReader(bytes.NewReader(b), int64(len(b))); err != nil {
			t.Fatal(err)
		}
	})
}

func TestEscape(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"Plain", "合格率95.3%", "合格率95.3%"},
		{"Special", `a<b & c>"d"`, "a&lt;b &amp; c&gt;&#34;d&#34;"},
		{"Control", "a\x00b\x07c\x1fd", "abcd"},
		{"Tab", "a\tb", "a b"},
		{"NotACharacter", "a\uFFFEb\uFFFFc", "abc"},
		{"InvalidUTF8", "a\xffb", "ab"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := escape(c.in); got != c.want {
				t.Errorf("escape(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

// htmlText is n's text, as a browser lays it out (white-space: pre-line keeps newlines).
func htmlText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func TestEvaluationHTML(t *testing.T) {
	r := sampleReport()
	b, err := HTML(r)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	var cells [][]string
	heading := map[string]string{}
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "link", "img", "iframe", "object":
				t.Errorf("the page holds a <%s>", n.Data)
			case "h1", "h2", "h3", "h4", "h5", "p":
				texts = append(texts, htmlText(n))
				heading[htmlText(n)] = n.Data
				return
			case "tr":
				var row []string
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.ElementNode && (c.Data == "td" || c.Data == "th") {
						row = append(row, htmlText(c))
					}
				}
				cells = append(cells, row)
				return
			}
			for _, a := range n.Attr {
				if a.Key == "src" || a.Key == "href" {
					t.Errorf("<%s %s=%q>: an external asset", n.Data, a.Key, a.Val)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	want := append(expected(r), "附表", r.Annex.Title)
	if !slices.Equal(texts, want) {
		t.Errorf("texts:\n got %q\nwant %q", texts, want)
	}
	for text, tag := range map[string]string{r.Title: "h1", "一、规划实施总体进展情况": "h2", "(一)主要指标进展情况": "h3", "2.市场秩序指标": "h4", "(11)2025年每百万人口药品不良反应报告数达到1600份": "h5"} {
		if heading[text] != tag {
			t.Errorf("%s in <%s>, want <%s>", text, heading[text], tag)
		}
	}
	if len(cells) != len(r.Annex.Rows)+1 || !slices.Equal(cells[0], r.Annex.Columns) {
		t.Fatalf("table %q", cells)
	}
	for i, row := range r.Annex.Rows {
		if !slices.Equal(cells[i+1], row) {
			t.Errorf("row %d: %q, want %q", i+1, cells[i+1], row)
		}
	}
	s := string(b)
	if strings.Contains(s, "<script>alert") || !strings.Contains(s, "&lt;script&gt;alert(1)&lt;/script&gt;") {
		t.Errorf("text not escaped")
	}
	for _, want := range []string{"size: A4", "margin: 37mm 26mm 35mm 28mm", FontTitle, FontHeading, FontKai, FontBody, "仿宋", "text-indent: 2em"} {
		if !strings.Contains(s, want) {
			t.Errorf("the stylesheet has no %q", want)
		}
	}
}

func TestEvaluationXLSX(t *testing.T) {
	r := sampleReport()
	b, err := XLSX(r)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{AnnexSheet}) {
		t.Fatalf("sheets %q", got)
	}
	rows, err := f.GetRows(AnnexSheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(r.Annex.Rows)+2 {
		t.Fatalf("%d rows, want %d", len(rows), len(r.Annex.Rows)+2)
	}
	if rows[0][0] != r.Annex.Title {
		t.Errorf("A1 %q", rows[0][0])
	}
	if !slices.Equal(rows[1], r.Annex.Columns) {
		t.Errorf("header %q", rows[1])
	}
	for i, row := range r.Annex.Rows {
		if !slices.Equal(rows[i+2], row) {
			t.Errorf("row %d: %q, want %q", i+3, rows[i+2], row)
		}
	}
	// "2.10" stays text, not the number 2.1.
	if typ, _ := f.GetCellType(AnnexSheet, "A3"); typ == excelize.CellTypeNumber {
		t.Errorf("the code cell is a number")
	}
	panes, err := f.GetPanes(AnnexSheet)
	if err != nil || !panes.Freeze || panes.YSplit != 2 {
		t.Errorf("panes %+v, %v: the header is not frozen", panes, err)
	}
	merged, _ := f.GetMergeCells(AnnexSheet)
	if len(merged) != 1 || merged[0].GetStartAxis() != "A1" || merged[0].GetEndAxis() != "H1" {
		t.Errorf("title not merged across the columns: %v", merged)
	}
	st, _ := f.GetCellStyle(AnnexSheet, "B2")
	style, err := f.GetStyle(st)
	if err != nil || style.Font == nil || !style.Font.Bold || len(style.Border) != 4 {
		t.Errorf("header style %+v, %v", style, err)
	}
	if w, _ := f.GetColWidth(AnnexSheet, "B"); w < 20 {
		t.Errorf("the name column is %v wide", w)
	}
}
