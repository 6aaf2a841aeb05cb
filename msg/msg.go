// Package msg holds every word a person reads from the service — validation refusals, errors,
// quality flags — in one catalogue keyed by stable codes, each in Chinese and in English.
// Code builds a Text (a key and its named arguments) where the error happens and renders it
// at the edge, in the language the request asked for (Accept-Language: en → English, anything
// else → Chinese). Keys and rule codes are stable English identifiers clients can match on;
// the words may change. No transport or storage imports.
package msg

import (
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Lang is a language the messages are written in.
type Lang string

const (
	Zh Lang = "zh" // the default: the service's users are Chinese officials
	En Lang = "en"
)

// Key names a message; it is stable, like extensions.code. Rule codes (NOT_INTEGER …) are keys
// of the messages that explain them.
type Key string

// Text is a message not yet rendered: its key and its arguments as name, value pairs
// ("name", "常住人口", "value", 415000.5). A Text renders in either language; String and JSON
// give the Chinese.
type Text struct {
	Key  Key
	Args []any
}

// Sentences are messages listed one after the other (separated by ";"), where a []Text is
// a list of names ("、", ", ").
type Sentences []Text

// T makes a Text. args are name, value pairs; a value may be a string, a number, another Text
// (rendered in the same language), a []Text or a []string (a list, in the language's way) or
// Sentences.
func T(key Key, args ...any) Text { return Text{Key: key, Args: args} }

// IsZero reports whether t is no message at all.
func (t Text) IsZero() bool { return t.Key == "" }

// String is the Chinese message.
func (t Text) String() string { return t.In(Zh) }

// MarshalJSON writes the Chinese message, for a Text that reaches JSON without passing
// through a renderer that knows the request's language.
func (t Text) MarshalJSON() ([]byte, error) { return json.Marshal(t.String()) }

// Arg returns the argument named name, if any.
func (t Text) Arg(name string) (any, bool) {
	for i := 0; i+1 < len(t.Args); i += 2 {
		if n, _ := t.Args[i].(string); n == name {
			return t.Args[i+1], true
		}
	}
	return nil, false
}

// In renders t in language l. An unknown key renders as itself, so nothing is ever lost; the
// package's tests keep every key used in the code in the catalogue.
func (t Text) In(l Lang) string {
	tmpl := string(t.Key)
	if m, ok := messages[t.Key]; ok {
		tmpl = m.zh
		if l == En {
			tmpl = m.en
		}
	}
	return placeholder.ReplaceAllStringFunc(tmpl, func(ph string) string {
		v, ok := t.Arg(ph[1 : len(ph)-1])
		if !ok {
			return ph
		}
		return format(v, l)
	})
}

var placeholder = regexp.MustCompile(`\{[a-zA-Z][a-zA-Z0-9]*\}`)

func format(v any, l Lang) string {
	switch x := v.(type) {
	case string:
		return x
	case Text:
		return x.In(l)
	case Sentences:
		parts := make([]string, len(x))
		for i, t := range x {
			parts[i] = t.In(l)
		}
		if l == En {
			return strings.Join(parts, "; ")
		}
		return strings.Join(parts, ";")
	case []Text:
		parts := make([]string, len(x))
		for i, t := range x {
			parts[i] = t.In(l)
		}
		return format(parts, l)
	case []string:
		if l == En {
			return strings.Join(x, ", ")
		}
		return strings.Join(x, "、")
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case *float64:
		if x == nil {
			return ""
		}
		return strconv.FormatFloat(*x, 'f', -1, 64)
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// Has reports whether key has a message in both languages.
func Has(key Key) bool {
	m, ok := messages[key]
	return ok && m.zh != "" && m.en != ""
}

// Keys lists every key of the catalogue, sorted.
func Keys() []Key {
	out := make([]Key, 0, len(messages))
	for k := range messages {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

// Templates returns key's Chinese and English templates.
func Templates(key Key) (zh, en string) {
	m := messages[key]
	return m.zh, m.en
}

// Placeholders lists the names a template uses, sorted and without repeats.
func Placeholders(tmpl string) []string {
	seen := map[string]bool{}
	var out []string
	for _, ph := range placeholder.FindAllString(tmpl, -1) {
		n := ph[1 : len(ph)-1]
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Parse reads an Accept-Language header: English when the range the caller prefers most
// (highest q, the first of equals) is English (en, en-US …), Chinese otherwise and when the
// header is absent or unreadable.
func Parse(header string) Lang {
	best, bestQ := Zh, -1.0
	for _, part := range strings.Split(header, ",") {
		tag, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(strings.TrimSpace(tag))
		if tag == "" {
			continue
		}
		q := 1.0
		if p := strings.TrimSpace(params); strings.HasPrefix(p, "q=") {
			f, err := strconv.ParseFloat(strings.TrimPrefix(p, "q="), 64)
			if err != nil {
				continue
			}
			q = f
		}
		if q <= 0 || q <= bestQ {
			continue
		}
		bestQ = q
		best = Zh
		if tag == "en" || strings.HasPrefix(tag, "en-") {
			best = En
		}
	}
	return best
}

type langKey struct{}

// WithLang returns ctx carrying the language a request's messages are rendered in.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, langKey{}, l)
}

// LangOf is the request's language: Chinese unless it asked for English.
func LangOf(ctx context.Context) Lang {
	if l, ok := ctx.Value(langKey{}).(Lang); ok {
		return l
	}
	return Zh
}

// Render renders t in the request's language.
func Render(ctx context.Context, t Text) string { return t.In(LangOf(ctx)) }
