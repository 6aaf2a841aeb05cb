package report

import (
	"archive/zip"
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"time"
)

// The Word document is WordprocessingML written with archive/zip and encoding/xml. No Go DOCX
// library was both kept up and licence-compatible when this was written (gomutex/godocx is
// unmaintained since 2024, its forks are young v0.x, go-word is LGPL-3.0, unioffice is
// commercial), and none names East Asian fonts, the official margins and a PAGE field without
// reaching into its XML anyway; the parts below are the few a document needs.

// DOCXContentType is the media type of a .docx file.
const DOCXContentType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

// The fonts the document names, in the style of 党政机关公文格式 (GB/T 9704): the title in 方正小标宋简体,
// 一级标题 in 黑体, 二级标题 in 楷体_GB2312, the body in 仿宋_GB2312. word/fontTable.xml gives each the
// font Windows and WPS ship with as its altName, so a computer without the GB2312 fonts falls
// back to 宋体, 黑体, 楷体 and 仿宋 rather than to a Western font.
const (
	FontTitle   = "方正小标宋简体"
	FontHeading = "黑体"
	FontKai     = "楷体_GB2312"
	FontBody    = "仿宋_GB2312"
	fontLatin   = "Times New Roman"
)

// fallbacks are the altNames of fontTable.xml.
var fallbacks = []struct{ name, alt string }{
	{FontTitle, "宋体"}, {FontHeading, "SimHei"}, {FontKai, "楷体"}, {FontBody, "仿宋"}, {"宋体", "SimSun"},
}

// Page geometry in twentieths of a point (twips): A4, and the margins of GB/T 9704 (上37mm 下35mm
// 左28mm 右26mm).
const (
	pageW, pageH                             = 11906, 16838
	marginTop, marginBottom                  = 2098, 1984
	marginLeft, marginRight                  = 1587, 1474
	headerDist, footerDist                   = 851, 992
	bodyHalfPoints, titleHalfPoints          = 32, 44 // 三号 16pt, 二号 22pt
	tableHalfPoints                          = 21     // 五号 10.5pt
	bodyLineTwips                            = 560    // 28pt exactly: 22 lines a page
	firstLineChars, firstLineTwips           = 200, 640
	tableWidthPct                            = 5000 // 100 %, in fiftieths of a percent
	relStyles, relSettings, relFonts, relFtr = "rId1", "rId2", "rId3", "rId4"
)

// DOCX renders r as a Word document (.docx) that opens in Word, WPS and LibreOffice: the title,
// the as-of line, every section's heading (levels 1–4 as 标题 1–4, numbered as Section.Number
// gives) and paragraphs, and the annex table in a landscape section of its own.
func DOCX(r *Report) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("docx: no report")
	}
	var body bytes.Buffer
	para(&body, "Title", r.Title)
	if r.AsOfText != "" {
		para(&body, "Subtitle", r.AsOfText)
	}
	var walk func(ss []Section)
	walk = func(ss []Section) {
		for _, s := range ss {
			para(&body, headingStyle(s.Level), s.Number+s.Heading)
			for _, p := range s.Paragraphs {
				para(&body, "", p)
			}
			walk(s.Children)
		}
	}
	walk(r.Sections)
	portrait := sectPr(false)
	if len(r.Annex.Columns) > 0 {
		// The annex is a section of its own, on landscape pages: nine columns do not fit the
		// portrait text width at a readable size. The body's section ends with the paragraph
		// that carries its sectPr (a section break, next page).
		body.WriteString(`<w:p><w:pPr>` + portrait + `</w:pPr></w:p>`)
		para(&body, "AnnexLabel", "附表")
		if r.Annex.Title != "" {
			para(&body, "TableTitle", r.Annex.Title)
		}
		table(&body, r.Annex, pageH-marginTop-marginBottom)
		body.WriteString(sectPr(true))
	} else {
		body.WriteString(portrait)
	}

	parts := []struct {
		name, body string
	}{
		{"[Content_Types].xml", contentTypes},
		{"_rels/.rels", packageRels},
		{"docProps/core.xml", coreProps(r.Title, time.Now().UTC())},
		{"docProps/app.xml", appProps},
		{"word/document.xml", xmlHeader + `<w:document ` + nsW + ` ` + nsR + `><w:body>` + body.String() + `</w:body></w:document>`},
		{"word/styles.xml", styles()},
		{"word/settings.xml", settings},
		{"word/fontTable.xml", fontTable()},
		{"word/footer1.xml", footer},
		{"word/_rels/document.xml.rels", documentRels},
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, p := range parts {
		w, err := zw.Create(p.name)
		if err != nil {
			return nil, fmt.Errorf("docx: %s: %w", p.name, err)
		}
		if _, err := w.Write([]byte(p.body)); err != nil {
			return nil, fmt.Errorf("docx: %s: %w", p.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("docx: %w", err)
	}
	return out.Bytes(), nil
}

// sectPr is a section's page: A4 with the official margins, the footer with the page number.
// Landscape turns the page a quarter clockwise, margins and all, so the binding edge (left on a
// portrait page) is at the top.
func sectPr(landscape bool) string {
	w, h, orient := pageW, pageH, ""
	top, right, bottom, left := marginTop, marginRight, marginBottom, marginLeft
	if landscape {
		w, h, orient = pageH, pageW, ` w:orient="landscape"`
		top, right, bottom, left = marginLeft, marginTop, marginRight, marginBottom
	}
	return fmt.Sprintf(`<w:sectPr><w:footerReference w:type="default" r:id="%s"/>`+
		`<w:pgSz w:w="%d" w:h="%d"%s/><w:pgMar w:top="%d" w:right="%d" w:bottom="%d" w:left="%d" w:header="%d" w:footer="%d" w:gutter="0"/>`+
		`<w:pgNumType w:fmt="decimal"/><w:cols w:space="425"/></w:sectPr>`,
		relFtr, w, h, orient, top, right, bottom, left, headerDist, footerDist)
}

func headingStyle(level int) string {
	switch {
	case level <= 1:
		return "Heading1"
	case level >= 4:
		return "Heading4"
	}
	return fmt.Sprintf("Heading%d", level)
}

// para writes one paragraph of style (empty: Normal); a line break in text is a w:br.
func para(b *bytes.Buffer, style, text string) {
	b.WriteString(`<w:p>`)
	if style != "" {
		fmt.Fprintf(b, `<w:pPr><w:pStyle w:val="%s"/></w:pPr>`, style)
	}
	runs(b, text, "")
	b.WriteString(`</w:p>`)
}

// runs writes text as one run (rPr: its properties, may be empty).
func runs(b *bytes.Buffer, text, rPr string) {
	b.WriteString(`<w:r>`)
	b.WriteString(rPr)
	for i, line := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if i > 0 {
			b.WriteString(`<w:br/>`)
		}
		b.WriteString(`<w:t xml:space="preserve">`)
		b.WriteString(escape(line))
		b.WriteString(`</w:t>`)
	}
	b.WriteString(`</w:r>`)
}

// table writes t as a w:tbl: full width (width, in twips), single borders, the header row
// repeated on every page.
func table(b *bytes.Buffer, t Table, width int) {
	fmt.Fprintf(b, `<w:tbl><w:tblPr><w:tblStyle w:val="AnnexTable"/><w:tblW w:w="%d" w:type="pct"/><w:jc w:val="center"/><w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/></w:tblPr><w:tblGrid>`, tableWidthPct)
	n := len(t.Columns)
	for range n {
		fmt.Fprintf(b, `<w:gridCol w:w="%d"/>`, width/n)
	}
	b.WriteString(`</w:tblGrid>`)
	row := func(cells []string, header bool) {
		b.WriteString(`<w:tr>`)
		if header {
			b.WriteString(`<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>`)
		} else {
			b.WriteString(`<w:trPr><w:cantSplit/></w:trPr>`)
		}
		for i := range n {
			text := ""
			if i < len(cells) {
				text = cells[i]
			}
			b.WriteString(`<w:tc><w:tcPr><w:tcW w:w="0" w:type="auto"/>`)
			if header {
				b.WriteString(`<w:shd w:val="clear" w:color="auto" w:fill="E7E6E6"/>`)
			}
			b.WriteString(`<w:vAlign w:val="center"/></w:tcPr><w:p><w:pPr><w:pStyle w:val="TableText"/></w:pPr>`)
			rPr := ""
			if header {
				rPr = `<w:rPr><w:b/></w:rPr>`
			}
			runs(b, text, rPr)
			b.WriteString(`</w:p></w:tc>`)
		}
		b.WriteString(`</w:tr>`)
	}
	row(t.Columns, true)
	for _, r := range t.Rows {
		row(r, false)
	}
	b.WriteString(`</w:tbl>`)
	// A cell or the body must not end with a table: Word wants a paragraph after it.
	b.WriteString(`<w:p/>`)
}

// escape makes s safe as XML character data: printable, and the special characters escaped.
func escape(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(printable(s)))
	return b.String()
}

// Word refuses a part whose elements are out of the schema's sequence (LibreOffice does not):
// the order of the children of pPr, rPr, trPr, tcPr, tblPr, sectPr and settings below is the
// order ECMA-376 Part 1 gives.

const (
	xmlHeader = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>` + "\n"
	nsW       = `xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"`
	nsR       = `xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"`
)

const contentTypes = xmlHeader + `<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
	`<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>` +
	`<Default Extension="xml" ContentType="application/xml"/>` +
	`<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>` +
	`<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>` +
	`<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>` +
	`<Override PartName="/word/fontTable.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.fontTable+xml"/>` +
	`<Override PartName="/word/footer1.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"/>` +
	`<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>` +
	`<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>` +
	`</Types>`

const packageRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>` +
	`<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>` +
	`<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>` +
	`</Relationships>`

const documentRels = xmlHeader + `<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">` +
	`<Relationship Id="` + relStyles + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>` +
	`<Relationship Id="` + relSettings + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>` +
	`<Relationship Id="` + relFonts + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/fontTable" Target="fontTable.xml"/>` +
	`<Relationship Id="` + relFtr + `" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer" Target="footer1.xml"/>` +
	`</Relationships>`

const appProps = xmlHeader + `<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>planapi</Application></Properties>`

func coreProps(title string, now time.Time) string {
	return xmlHeader + `<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">` +
		`<dc:title>` + escape(title) + `</dc:title><dc:creator>planapi</dc:creator><dc:language>zh-CN</dc:language>` +
		`<dcterms:created xsi:type="dcterms:W3CDTF">` + now.Format(time.RFC3339) + `</dcterms:created>` +
		`</cp:coreProperties>`
}

const settings = xmlHeader + `<w:settings ` + nsW + `><w:zoom w:percent="100"/><w:defaultTabStop w:val="420"/>` +
	`<w:characterSpacingControl w:val="compressPunctuation"/>` +
	`<w:compat><w:compatSetting w:name="compatibilityMode" w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>` +
	`<w:themeFontLang w:val="en-US" w:eastAsia="zh-CN"/></w:settings>`

// footer is the page number, centered, as GB/T 9704 prints it: "— 1 —" in 宋体 四号.
const footer = xmlHeader + `<w:ftr ` + nsW + ` ` + nsR + `><w:p><w:pPr><w:jc w:val="center"/></w:pPr>` +
	`<w:r><w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体"/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve">— </w:t></w:r>` +
	`<w:r><w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体"/><w:sz w:val="28"/></w:rPr><w:fldChar w:fldCharType="begin"/></w:r>` +
	`<w:r><w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体"/><w:sz w:val="28"/></w:rPr><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>` +
	`<w:r><w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体"/><w:sz w:val="28"/></w:rPr><w:fldChar w:fldCharType="separate"/></w:r>` +
	`<w:r><w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体"/><w:sz w:val="28"/></w:rPr><w:t>1</w:t></w:r>` +
	`<w:r><w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体"/><w:sz w:val="28"/></w:rPr><w:fldChar w:fldCharType="end"/></w:r>` +
	`<w:r><w:rPr><w:rFonts w:ascii="宋体" w:hAnsi="宋体" w:eastAsia="宋体"/><w:sz w:val="28"/></w:rPr><w:t xml:space="preserve"> —</w:t></w:r>` +
	`</w:p></w:ftr>`

func fontTable() string {
	var b strings.Builder
	b.WriteString(xmlHeader + `<w:fonts ` + nsW + `>`)
	for _, f := range fallbacks {
		// charset 86 is GB2312; family and pitch as Windows describes its Chinese fonts.
		fmt.Fprintf(&b, `<w:font w:name="%s"><w:altName w:val="%s"/><w:charset w:val="86"/><w:family w:val="modern"/><w:pitch w:val="fixed"/></w:font>`, f.name, f.alt)
	}
	fmt.Fprintf(&b, `<w:font w:name="%s"><w:charset w:val="00"/><w:family w:val="roman"/><w:pitch w:val="variable"/></w:font>`, fontLatin)
	b.WriteString(`</w:fonts>`)
	return b.String()
}

// fonts is an rFonts element: Latin text in Times New Roman, Chinese in eastAsia.
func fonts(eastAsia string) string {
	return fmt.Sprintf(`<w:rFonts w:ascii="%s" w:hAnsi="%s" w:eastAsia="%s" w:cs="%s"/>`, fontLatin, fontLatin, eastAsia, fontLatin)
}

func styles() string {
	var b strings.Builder
	b.WriteString(xmlHeader + `<w:styles ` + nsW + `>`)
	fmt.Fprintf(&b, `<w:docDefaults><w:rPrDefault><w:rPr>%s<w:kern w:val="2"/><w:sz w:val="%d"/><w:szCs w:val="%d"/><w:lang w:val="en-US" w:eastAsia="zh-CN"/></w:rPr></w:rPrDefault>`+
		`<w:pPrDefault><w:pPr><w:spacing w:line="%d" w:lineRule="exact"/></w:pPr></w:pPrDefault></w:docDefaults>`,
		fonts(FontBody), bodyHalfPoints, bodyHalfPoints, bodyLineTwips)
	// 正文: 仿宋 三号, justified, the first line indented by two characters.
	fmt.Fprintf(&b, `<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/>`+
		`<w:pPr><w:widowControl w:val="0"/><w:ind w:firstLineChars="%d" w:firstLine="%d"/><w:jc w:val="both"/></w:pPr>`+
		`<w:rPr>%s<w:sz w:val="%d"/><w:szCs w:val="%d"/></w:rPr></w:style>`,
		firstLineChars, firstLineTwips, fonts(FontBody), bodyHalfPoints, bodyHalfPoints)
	centered := func(id, name, font string, size int, bold bool, spacing string) {
		bb := ""
		if bold {
			bb = `<w:b/><w:bCs/>`
		}
		fmt.Fprintf(&b, `<w:style w:type="paragraph" w:styleId="%s"><w:name w:val="%s"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/>`+
			`<w:pPr><w:keepNext/>%s<w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/></w:pPr>`+
			`<w:rPr>%s%s<w:sz w:val="%d"/><w:szCs w:val="%d"/></w:rPr></w:style>`, id, name, spacing, fonts(font), bb, size, size)
	}
	centered("Title", "Title", FontTitle, titleHalfPoints, false, `<w:spacing w:before="0" w:after="312" w:line="700" w:lineRule="exact"/>`)
	centered("Subtitle", "Subtitle", FontKai, bodyHalfPoints, false, `<w:spacing w:after="312"/>`)
	centered("AnnexLabel", "附表标签", FontHeading, bodyHalfPoints, false, ``)
	centered("TableTitle", "表题", FontTitle, 36, false, `<w:spacing w:before="156" w:after="156" w:line="480" w:lineRule="exact"/>`)
	// 一级标题 黑体, 二级标题 楷体, 三级 仿宋 加粗, 四级 仿宋: all 三号, indented as the body is, so
	// "一、" lines up with a paragraph's first character, as official documents print them.
	for i, h := range []struct {
		font string
		bold bool
	}{{FontHeading, false}, {FontKai, false}, {FontBody, true}, {FontBody, false}} {
		bb := ""
		if h.bold {
			bb = `<w:b/><w:bCs/>`
		}
		fmt.Fprintf(&b, `<w:style w:type="paragraph" w:styleId="Heading%d"><w:name w:val="heading %d"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:uiPriority w:val="9"/><w:qFormat/>`+
			`<w:pPr><w:keepNext/><w:keepLines/><w:outlineLvl w:val="%d"/></w:pPr>`+
			`<w:rPr>%s%s<w:sz w:val="%d"/><w:szCs w:val="%d"/></w:rPr></w:style>`,
			i+1, i+1, i, fonts(h.font), bb, bodyHalfPoints, bodyHalfPoints)
	}
	fmt.Fprintf(&b, `<w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="表格文字"/><w:basedOn w:val="Normal"/><w:qFormat/>`+
		`<w:pPr><w:spacing w:line="300" w:lineRule="atLeast"/><w:ind w:firstLineChars="0" w:firstLine="0"/><w:jc w:val="center"/></w:pPr>`+
		`<w:rPr>%s<w:sz w:val="%d"/><w:szCs w:val="%d"/></w:rPr></w:style>`, fonts(FontBody), tableHalfPoints, tableHalfPoints)
	b.WriteString(`<w:style w:type="table" w:default="1" w:styleId="TableNormal"><w:name w:val="Normal Table"/><w:uiPriority w:val="99"/><w:semiHidden/>` +
		`<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar><w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/><w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>`)
	b.WriteString(`<w:style w:type="table" w:styleId="AnnexTable"><w:name w:val="Table Grid"/><w:basedOn w:val="TableNormal"/><w:uiPriority w:val="59"/>` +
		`<w:tblPr><w:tblBorders>`)
	for _, side := range []string{"top", "left", "bottom", "right", "insideH", "insideV"} {
		fmt.Fprintf(&b, `<w:%s w:val="single" w:sz="4" w:space="0" w:color="000000"/>`, side)
	}
	b.WriteString(`</w:tblBorders><w:tblCellMar><w:left w:w="85" w:type="dxa"/><w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>`)
	b.WriteString(`</w:styles>`)
	return b.String()
}
