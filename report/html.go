package report

import (
	"bytes"
	"fmt"
	"html/template"
)

// HTMLContentType is the media type of the printable report.
const HTMLContentType = "text/html; charset=utf-8"

// The title is h1; a section of level 1 is h2 … of level 4 and below h5.

// HTML renders r as one self-contained, printable HTML page: the same title, headings,
// paragraphs and annex table as the Word document, styled for A4 with the same margins and the
// same fonts by name (with the fonts a computer without the GB2312 ones has as fallbacks). It
// loads nothing from elsewhere: no script, font, image or stylesheet. Every text is escaped by
// html/template.
func HTML(r *Report) ([]byte, error) {
	if r == nil {
		return nil, fmt.Errorf("html: no report")
	}
	var b bytes.Buffer
	if err := page.Execute(&b, printableReport(r)); err != nil {
		return nil, fmt.Errorf("html: %w", err)
	}
	return b.Bytes(), nil
}

var page = template.Must(template.New("report").Parse(`<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
@page { size: A4; margin: 37mm 26mm 35mm 28mm;
  @bottom-center { content: "— " counter(page) " —"; font-family: "宋体", SimSun, "Songti SC", serif; font-size: 14pt; } }
html { background: #f3f3f3; }
body { font-family: "Times New Roman", "仿宋_GB2312", "仿宋", FangSong, STFangsong, "FangSong_GB2312", serif;
  font-size: 16pt; line-height: 28pt; color: #000; background: #fff;
  max-width: 156mm; margin: 1em auto; padding: 37mm 26mm 35mm 28mm; box-sizing: content-box; }
h1 { font-family: "方正小标宋简体", "FZXiaoBiaoSong-B05S", "小标宋", "宋体", SimSun, "Songti SC", serif;
  font-size: 22pt; line-height: 35pt; font-weight: normal; text-align: center; margin: 0 0 14pt; }
.asof { font-family: "楷体_GB2312", "楷体", KaiTi, STKaiti, serif; text-align: center; margin: 0 0 14pt; }
h2, h3, h4, h5 { font-size: 16pt; line-height: 28pt; margin: 0; text-indent: 2em; font-weight: normal; break-after: avoid; page-break-after: avoid; }
h2 { font-family: "黑体", SimHei, "Heiti SC", sans-serif; }
h3 { font-family: "楷体_GB2312", "楷体", KaiTi, STKaiti, serif; }
h4 { font-weight: bold; }
p { margin: 0; text-indent: 2em; text-align: justify; white-space: pre-line; }
section.annex { break-before: page; page-break-before: always; }
.annex-label { font-family: "黑体", SimHei, "Heiti SC", sans-serif; text-indent: 0; }
.annex-title { font-family: "方正小标宋简体", "小标宋", "宋体", SimSun, serif; font-size: 18pt; line-height: 24pt; text-align: center; text-indent: 0; margin: 8pt 0; }
table { border-collapse: collapse; width: 100%; font-size: 10.5pt; line-height: 15pt; }
th, td { border: 0.5pt solid #000; padding: 2pt 4pt; text-align: center; vertical-align: middle; }
th { background: #e7e6e6; font-weight: bold; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
@media print {
  html, body { background: none; }
  body { max-width: none; margin: 0; padding: 0; }
}
</style>
</head>
<body>
<h1>{{.Title}}</h1>
{{with .AsOfText}}<p class="asof">{{.}}</p>{{end}}
{{template "sections" .Sections}}
{{with .Annex}}{{if .Columns}}<section class="annex">
<p class="annex-label">附表</p>
{{with .Title}}<p class="annex-title">{{.}}</p>{{end}}
<table>
<thead><tr>{{range .Columns}}<th scope="col">{{.}}</th>{{end}}</tr></thead>
<tbody>
{{range .Rows}}<tr>{{range .}}<td>{{.}}</td>{{end}}</tr>
{{end}}</tbody>
</table>
</section>{{end}}{{end}}
</body>
</html>
{{define "sections"}}{{range .}}<section data-key="{{.Key}}">
{{if le .Level 1}}<h2>{{.Number}}{{.Heading}}</h2>{{else if eq .Level 2}}<h3>{{.Number}}{{.Heading}}</h3>{{else if eq .Level 3}}<h4>{{.Number}}{{.Heading}}</h4>{{else}}<h5>{{.Number}}{{.Heading}}</h5>{{end}}
{{range .Paragraphs}}<p>{{.}}</p>
{{end}}{{template "sections" .Children}}</section>
{{end}}{{end}}`))
