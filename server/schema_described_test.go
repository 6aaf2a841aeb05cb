package server_test

import (
	"slices"
	"strings"
	"testing"

	"planapi/testenv"
)

// schemaDescriptionQuery asks the served schema for the description of every type, field,
// argument, input field, enum value and directive, deprecated ones included.
const schemaDescriptionQuery = `{
  __schema {
    types {
      name kind description
      fields(includeDeprecated: true) { name description args { name description } }
      inputFields { name description }
      enumValues(includeDeprecated: true) { name description }
    }
    directives { name description args { name description } }
  }
}`

// builtinScalars and builtinDirectives are the GraphQL specification's own: they are
// described by the specification, not by schema.graphqls.
var (
	builtinScalars    = []string{"String", "Int", "Float", "Boolean", "ID"}
	builtinDirectives = []string{"skip", "include", "deprecated", "specifiedBy", "oneOf", "defer", "stream"}
)

// TestSchemaDescribed: every type, field, argument, input field, enum value and custom
// directive of the schema the server serves has a description, so that an analyst in the
// Playground can learn what anything means. It names every one that has none. The
// introspection types (__*) and the built-in scalars and directives are skipped.
func TestSchemaDescribed(t *testing.T) {
	t.Parallel()
	e := testenv.New(t)
	type named struct {
		Name        string `json:"name"`
		Description *string
	}
	type field struct {
		named
		Args []named `json:"args"`
	}
	var out struct {
		Schema struct {
			Types []struct {
				named
				Kind        string  `json:"kind"`
				Fields      []field `json:"fields"`
				InputFields []named `json:"inputFields"`
				EnumValues  []named `json:"enumValues"`
			} `json:"types"`
			Directives []field `json:"directives"`
		} `json:"__schema"`
	}
	// Introspection needs no token: the Playground reads the schema before one is entered.
	e.MustOK(t, "", schemaDescriptionQuery, nil, &out)
	if len(out.Schema.Types) == 0 {
		t.Fatal("introspection returned no types")
	}

	var missing []string
	blank := func(d *string) bool { return d == nil || strings.TrimSpace(*d) == "" }
	check := func(what, name string, d *string) {
		if blank(d) {
			missing = append(missing, what+" "+name)
		}
	}
	checked := 0
	for _, ty := range out.Schema.Types {
		if strings.HasPrefix(ty.Name, "__") || (ty.Kind == "SCALAR" && slices.Contains(builtinScalars, ty.Name)) {
			continue
		}
		checked++
		check("type", ty.Name, ty.Description)
		for _, f := range ty.Fields {
			check("field", ty.Name+"."+f.Name, f.Description)
			for _, a := range f.Args {
				check("argument", ty.Name+"."+f.Name+"("+a.Name+")", a.Description)
			}
		}
		for _, f := range ty.InputFields {
			check("input field", ty.Name+"."+f.Name, f.Description)
		}
		for _, v := range ty.EnumValues {
			check("enum value", ty.Name+"."+v.Name, v.Description)
		}
	}
	for _, d := range out.Schema.Directives {
		if slices.Contains(builtinDirectives, d.Name) {
			continue
		}
		check("directive", "@"+d.Name, d.Description)
		for _, a := range d.Args {
			check("argument", "@"+d.Name+"("+a.Name+")", a.Description)
		}
	}
	if checked < 30 {
		t.Fatalf("only %d schema types checked; the introspection answer looks truncated", checked)
	}
	if len(missing) > 0 {
		t.Errorf("%d schema elements have no description (write one in schema.graphqls, Chinese first where it names the domain):\n  %s",
			len(missing), strings.Join(missing, "\n  "))
	}
}
