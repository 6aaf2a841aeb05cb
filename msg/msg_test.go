package msg

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// keyConstants are the Key constants declared in this package, by name.
func keyConstants(tb testing.TB) map[string]Key {
	tb.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "catalogue.go", nil, 0)
	if err != nil {
		tb.Fatal(err)
	}
	out := map[string]Key{}
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			vs := s.(*ast.ValueSpec)
			if id, ok := vs.Type.(*ast.Ident); !ok || id.Name != "Key" {
				continue
			}
			for i, n := range vs.Names {
				v, _ := strconv.Unquote(vs.Values[i].(*ast.BasicLit).Value)
				out[n.Name] = Key(v)
			}
		}
	}
	return out
}

func hasHan(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// TestCatalogue: every key declared has a Chinese and an English message with the same
// placeholders, the Chinese is Chinese, and nothing in the catalogue lacks a key.
func TestCatalogue(t *testing.T) {
	consts := keyConstants(t)
	if len(consts) < 50 {
		t.Fatalf("found only %d key constants", len(consts))
	}
	declared := map[Key]bool{}
	for name, k := range consts {
		if declared[k] {
			t.Errorf("%s: key %s declared twice", name, k)
		}
		declared[k] = true
		zh, en := Templates(k)
		if !Has(k) {
			t.Errorf("%s (%s): zh %q, en %q: both are required", name, k, zh, en)
			continue
		}
		if a, b := Placeholders(zh), Placeholders(en); !slices.Equal(a, b) {
			t.Errorf("%s: placeholders differ: zh %v, en %v", k, a, b)
		}
		// A candidate "{code}({name})" and a field prefix "{field}:{period}" hold no words.
		if !hasHan(zh) && k != ElementCandidate && k != BadPeriod {
			t.Errorf("%s: the Chinese message %q is not Chinese", k, zh)
		}
		if hasHan(en) && !strings.Contains(en, "已完成") {
			t.Errorf("%s: the English message %q holds Chinese", k, en)
		}
	}
	for _, k := range Keys() {
		if !declared[k] {
			t.Errorf("catalogue entry %s has no Key constant", k)
		}
	}
}

// TestNoLiteralKeys: every message is built from a Key constant, never from a string literal
// (apperr.New(code, "region %q not found", …) would compile — a Key is a string — and render
// as the untranslated literal).
func TestNoLiteralKeys(t *testing.T) {
	fset := token.NewFileSet()
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "graph" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".")) && path != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			pkg, _ := sel.X.(*ast.Ident)
			if pkg == nil {
				return true
			}
			keyArg := -1
			switch pkg.Name + "." + sel.Sel.Name {
			case "apperr.New":
				keyArg = 1
			case "msg.T", "msg.Key":
				keyArg = 0
			}
			if keyArg < 0 || len(call.Args) <= keyArg {
				return true
			}
			if lit, ok := call.Args[keyArg].(*ast.BasicLit); ok {
				t.Errorf("%s: %s.%s with the literal %s: add a key to package msg", fset.Position(call.Pos()), pkg.Name, sel.Sel.Name, lit.Value)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, header string
		want         Lang
	}{
		{"Absent", "", Zh},
		{"English", "en", En},
		{"EnglishRegion", "en-US,en;q=0.9", En},
		{"EnglishUpperCase", "EN-GB", En},
		{"Chinese", "zh-CN,zh;q=0.9,en;q=0.8", Zh},
		{"EnglishPreferred", "zh;q=0.5, en;q=0.9", En},
		{"Other", "fr", Zh},
		{"Wildcard", "*", Zh},
		{"EnglishRefused", "en;q=0", Zh},
		{"Garbage", ";;,q=x", Zh},
		{"NotEnglishPrefix", "eng", Zh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Parse(tt.header); got != tt.want {
				t.Errorf("Parse(%q) = %s, want %s", tt.header, got, tt.want)
			}
		})
	}
}

func TestRender(t *testing.T) {
	v := T(NotInteger, "name", "常住人口", "code", "RESIDENT_POPULATION", "value", 415000.5)
	if got, want := v.String(), "常住人口 RESIDENT_POPULATION:415000.5 不是整数,该指标计数"; got != want {
		t.Errorf("zh = %q, want %q", got, want)
	}
	if got, want := v.In(En), "RESIDENT_POPULATION (常住人口): 415000.5 is not a whole number; it counts things"; got != want {
		t.Errorf("en = %q, want %q", got, want)
	}
	// Nested texts and lists render in the same language.
	two := T(Refused, "count", 2, "violations", Sentences{v, T(Negative, "name", "n", "code", "C", "value", -1.0)})
	if got := two.In(En); !strings.Contains(got, "it counts things; C (n): -1 is negative") {
		t.Errorf("en = %q", got)
	}
	if got := two.String(); !strings.Contains(got, "该指标计数;n C:-1 为负数") {
		t.Errorf("zh = %q", got)
	}
	cands := T(UnknownElementSuggest, "element", "X", "candidates", []Text{T(ElementCandidate, "code", "A", "name", "甲"), T(ElementCandidate, "code", "B", "name", "乙")})
	if got, want := cands.String(), `"X" 不是本规划的数据元素;您是否要找:A(甲)、B(乙)`; got != want {
		t.Errorf("zh = %q, want %q", got, want)
	}
	if got, want := cands.In(En), `"X" is not a data element of the plan; did you mean: A (甲), B (乙)`; got != want {
		t.Errorf("en = %q, want %q", got, want)
	}
	// A missing argument stays visible rather than vanishing.
	if got := T(RegionNotFound).String(); !strings.Contains(got, "{region}") {
		t.Errorf("missing argument: %q", got)
	}
	ctx := WithLang(context.Background(), En)
	if got := Render(ctx, T(RegionNotFound, "region", "1")); got != `region "1" not found` {
		t.Errorf("Render = %q", got)
	}
	if LangOf(context.Background()) != Zh {
		t.Error("the default language is not Chinese")
	}
}
