package report

import "strings"

// printable is s without what neither XML 1.0 nor HTML allows in text: control characters
// (but a newline; a tab becomes a space), U+FFFE, U+FFFF and invalid UTF-8. One of them in a
// county's narrative would make Word refuse the whole document.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\t':
			return ' '
		case r == '\n':
			return r
		case r < 0x20, r >= 0x7f && r < 0xa0, r == 0xFFFE, r == 0xFFFF:
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, ""))
}

// printableReport is a copy of r with every text printable.
func printableReport(r *Report) *Report {
	c := *r
	for _, p := range []*string{&c.RegionCode, &c.RegionName, &c.AsOf, &c.AsOfText, &c.Title} {
		*p = printable(*p)
	}
	c.Sections = printableSections(r.Sections)
	c.Annex = Table{Title: printable(r.Annex.Title), Columns: printableAll(r.Annex.Columns)}
	for _, row := range r.Annex.Rows {
		c.Annex.Rows = append(c.Annex.Rows, printableAll(row))
	}
	return &c
}

func printableSections(ss []Section) []Section {
	var out []Section
	for _, s := range ss {
		s.Number, s.Heading = printable(s.Number), printable(s.Heading)
		s.Paragraphs = printableAll(s.Paragraphs)
		s.Children = printableSections(s.Children)
		out = append(out, s)
	}
	return out
}

func printableAll(ss []string) []string {
	if ss == nil {
		return nil
	}
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = printable(s)
	}
	return out
}
