// Command gqlgen is gqlgen's generate (`go generate ./...` runs it) with two changes to the
// executor it writes, both for speed (issue 14), neither to what it answers:
//   - a list whose elements cannot wait on anything for the fields the query selects is
//     marshalled in the request's own goroutine, element after element, instead of in one
//     goroutine per element;
//   - an object whose selection defers nothing (@defer) does not build a deferred group: gqlgen
//     builds one for every object it marshals, with the object's path, a field set and a map,
//     8 % of a nested list's CPU for the thousand values that never use it.
//
// gqlgen marshals every list of objects with graphql.MarshalSliceConcurrently, which starts a
// goroutine for each element so that elements whose fields wait (on a batch loader, on the
// database) wait together. When the fields selected under the list compute from what is in
// memory the goroutines buy nothing and cost a great deal: in a city's nested submissions list
// (50 submissions, about 1,000 values) they, their stack growth and their scheduling were about
// a quarter of the request's CPU, and a sixth of the dashboard's Go side (issue 14).
//
// How a list is marshalled (graph/generated_marshal.go, written by this command):
//   - a list of enums or scalars: inline;
//   - a list of objects: inline unless the query selects, anywhere under the list, a field
//     that may wait (mayWait) and that the list does not excuse (waitFree); then gqlgen's
//     concurrent marshalling, as before.
//
// A field may wait when gqlgen calls Go code for it that takes a context: a resolver whose
// method in package resolvers, or any function of that package it calls, touches the
// store (Resolver.Store), the event hub (Resolver.Events) or the request's loaders
// (loadersFrom); or a model method with a context. It is decided here, from the resolvers'
// source and types, every time the code is generated, so a resolver that starts reading the
// database is marshalled concurrently again without anyone remembering this list. When the
// resolvers do not type-check (a schema change not implemented yet) every resolver counts as
// waiting.
package main

import (
	"bytes"
	"errors"
	"fmt"
	"go/ast"
	"go/format"
	"go/types"
	"io"
	"log"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/99designs/gqlgen/api"
	"github.com/99designs/gqlgen/codegen"
	"github.com/99designs/gqlgen/codegen/config"
	gqlast "github.com/vektah/gqlparser/v2/ast"
	"golang.org/x/tools/go/packages"
)

// resolversPkg holds the hand-written resolvers.
const resolversPkg = "planapi/resolvers"

// waitFree are fields that do wait, but never one element of the list for another: every
// element asks for the same key, or for keys the list's own resolver has already handed to the
// loaders in one batch, so the first element's wait is every element's. Keyed by the list's
// element type ("*": any list), then by "Type.field", with the reason, which must stay true of
// package resolvers.
var waitFree = map[string]map[string]string{
	"*": {
		// The only list of DataValue is Submission.values: one submission's values.
		"DataValue.history": "loads by the value's SubmissionID, which every value of a list shares",
		"DataValue.flags":   "loads by the value's SubmissionID, which every value of a list shares",
	},
	"SubmissionEdge": {
		// Query.submissions (prefetch in resolvers/submission.resolvers.go) primes the values and
		// starts every other loader its selection asks for with all the page's keys before gqlgen
		// marshals the edges.
		"Submission.values":         "primed with the page (prefetch)",
		"Submission.taskProgress":   "the page's keys loaded in one batch (prefetch)",
		"Submission.history":        "the page's keys loaded in one batch (prefetch)",
		"Submission.returnReason":   "reads the history loader, the page's keys in one batch (prefetch)",
		"Submission.missingFigures": "the page's keys loaded in one batch (prefetch)",
	},
}

// plugin keeps gqlgen's model of the schema, which it hands to plugins before writing the
// executor.
type plugin struct{ data *codegen.Data }

func (*plugin) Name() string                            { return "lists" }
func (p *plugin) GenerateCode(data *codegen.Data) error { p.data = data; return nil }

// list is one list marshal function of the executor and how it is rewritten.
type list struct {
	fn   string // the marshal function
	elem string // the element's GraphQL type
	kind gqlast.DefinitionKind
}

// lists are the executor's list marshal functions of objects, enums and scalars.
func lists(data *codegen.Data) []list {
	var out []list
	for _, ref := range data.ReferencedTypes {
		if !ref.IsSlice() || ref.Definition == nil {
			continue
		}
		switch ref.Definition.Kind {
		case gqlast.Object, gqlast.Enum, gqlast.Scalar:
			out = append(out, list{fn: ref.MarshalFunc(), elem: ref.Definition.Name, kind: ref.Definition.Kind})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].fn < out[j].fn })
	return out
}

// mayWait lists the fields that may wait ("Type.field"), sorted. waits reports whether a
// resolver method may; nil means every resolver may.
func mayWait(data *codegen.Data, waits func(object, method string) bool) []string {
	var out []string
	for _, o := range data.Objects {
		for _, f := range o.Fields {
			switch {
			case f.IsBatch(), f.MethodHasContext && !f.IsResolver:
			case f.IsResolver:
				if waits != nil && !waits(o.Name, f.GoFieldName) {
					continue
				}
			default:
				continue
			}
			out = append(out, o.Name+"."+f.Name)
		}
	}
	sort.Strings(out)
	return out
}

// analysis decides which resolver methods may wait, from package resolvers' source.
type analysis struct {
	pkg   *packages.Package
	graph *types.Package
	decls map[*types.Func]*ast.FuncDecl
	memo  map[*types.Func]bool
}

func analyse(dir string) (*analysis, error) {
	pkgs, err := packages.Load(&packages.Config{Dir: dir,
		Mode: packages.NeedName | packages.NeedTypes | packages.NeedSyntax | packages.NeedTypesInfo | packages.NeedImports | packages.NeedDeps},
		resolversPkg)
	if err != nil {
		return nil, err
	}
	if len(pkgs) != 1 {
		return nil, fmt.Errorf("%s: %d packages", resolversPkg, len(pkgs))
	}
	pkg := pkgs[0]
	if len(pkg.Errors) > 0 {
		return nil, fmt.Errorf("%s does not type-check: %v", resolversPkg, pkg.Errors[0])
	}
	a := &analysis{pkg: pkg, decls: map[*types.Func]*ast.FuncDecl{}, memo: map[*types.Func]bool{}}
	for _, imp := range pkg.Types.Imports() {
		if imp.Name() == "graph" {
			a.graph = imp
		}
	}
	if a.graph == nil {
		return nil, errors.New("package resolvers does not import the executor's package")
	}
	for _, file := range pkg.Syntax {
		for _, d := range file.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				if fn, ok := pkg.TypesInfo.Defs[fd.Name].(*types.Func); ok {
					a.decls[fn] = fd
				}
			}
		}
	}
	return a, nil
}

// method finds the resolver method gqlgen calls for a field of object: the method of that
// name on the type of package resolvers that implements graph.<Object>Resolver.
func (a *analysis) method(object, name string) *types.Func {
	iface, _ := a.graph.Scope().Lookup(strings.ToUpper(object[:1]) + object[1:] + "Resolver").(*types.TypeName)
	if iface == nil {
		return nil
	}
	it, ok := iface.Type().Underlying().(*types.Interface)
	if !ok {
		return nil
	}
	scope := a.pkg.Types.Scope()
	for _, n := range scope.Names() {
		tn, ok := scope.Lookup(n).(*types.TypeName)
		if !ok || tn.IsAlias() {
			continue
		}
		ptr := types.NewPointer(tn.Type())
		if !types.Implements(ptr, it) {
			continue
		}
		if sel := types.NewMethodSet(ptr).Lookup(a.pkg.Types, name); sel != nil {
			if fn, ok := sel.Obj().(*types.Func); ok {
				return fn
			}
		}
	}
	return nil
}

// waits: the resolver of object's field, by its Go method name, may wait. A method not found
// may.
func (a *analysis) waits(object, name string) bool {
	fn := a.method(object, name)
	return fn == nil || a.funcWaits(fn)
}

// funcWaits: fn, or a function of package resolvers it refers to, touches Resolver.Store,
// Resolver.Events or loadersFrom.
func (a *analysis) funcWaits(fn *types.Func) bool {
	if w, ok := a.memo[fn]; ok {
		return w
	}
	a.memo[fn] = false // a recursive call adds nothing
	decl := a.decls[fn.Origin()]
	if decl == nil || decl.Body == nil {
		a.memo[fn] = fn.Pkg() == a.pkg.Types // declared here but not found: assume it waits
		return a.memo[fn]
	}
	info := a.pkg.TypesInfo
	w := false
	ast.Inspect(decl.Body, func(n ast.Node) bool {
		if w {
			return false
		}
		id, ok := n.(*ast.Ident)
		if !ok {
			return true
		}
		switch obj := info.Uses[id].(type) {
		case *types.Var:
			if obj.IsField() && obj.Pkg() == a.pkg.Types && (obj.Name() == "Store" || obj.Name() == "Events") {
				w = true
			}
		case *types.Func:
			if obj.Pkg() == a.pkg.Types {
				if obj.Name() == "loadersFrom" || a.funcWaits(obj) {
					w = true
				}
			}
		}
		return true
	})
	a.memo[fn] = w
	return w
}

const (
	concurrent = "graphql.MarshalSliceConcurrently(ctx, len(v), "
	deferGroup = "deferred := graphql.NewDeferredGroup(ctx)\n"
	lazyGroup  = "deferred := newDeferredGroup(ctx, fields)\n"
)

// rewrite replaces gqlgen's concurrent marshalling in the executor's list functions.
func rewrite(src []byte, ls []list) ([]byte, error) {
	out := src
	for _, l := range ls {
		head := []byte("func (ec *executionContext) " + l.fn + "(")
		start := bytes.Index(out, head)
		if start < 0 {
			return nil, fmt.Errorf("the executor has no function %s", l.fn)
		}
		end := bytes.Index(out[start:], []byte("\n}\n"))
		if end < 0 {
			return nil, fmt.Errorf("the end of %s was not found", l.fn)
		}
		body := out[start : start+end]
		if n := bytes.Count(body, []byte(concurrent)); n != 1 {
			if n == 0 && l.kind == gqlast.Scalar {
				continue // gqlgen marshals most lists of scalars with a plain loop already
			}
			return nil, fmt.Errorf("%s: %d concurrent marshals, expected 1", l.fn, n)
		}
		with := "marshalListInline(ctx, len(v), "
		if l.kind == gqlast.Object {
			with = fmt.Sprintf("marshalList(ctx, sel, %q, len(v), ", l.elem)
		}
		body = bytes.Replace(body, []byte(concurrent), []byte(with), 1)
		out = append(append(append([]byte{}, out[:start]...), body...), out[start+end:]...)
	}
	// Every object's marshal function collects its fields into fields before it makes its
	// deferred group; the compiler checks that fields is in scope wherever this replaces.
	out = bytes.ReplaceAll(out, []byte(deferGroup), []byte(lazyGroup))
	return format.Source(out)
}

func run() error {
	log.SetOutput(io.Discard) // gqlgen logs its binding decisions; its own command hides them too
	cfg, err := config.LoadConfigFromDefaultLocations()
	if err != nil {
		return err
	}
	p := &plugin{}
	if err := api.Generate(cfg, api.AddPlugin(p)); err != nil {
		return err
	}
	if p.data == nil {
		return errors.New("gqlgen did not hand the plugin its model of the schema")
	}
	for elem, fields := range waitFree {
		if elem != "*" && p.data.Objects.ByName(elem) == nil {
			return fmt.Errorf("waitFree names %s, which is not an object of the schema", elem)
		}
		for f := range fields {
			o, name, _ := strings.Cut(f, ".")
			if obj := p.data.Objects.ByName(o); obj == nil || !obj.HasField(name) {
				return fmt.Errorf("waitFree names %s, which is not a field of the schema", f)
			}
		}
	}
	var waits func(string, string) bool
	if a, err := analyse(filepath.Dir(cfg.Exec.Filename)); err != nil {
		fmt.Fprintf(os.Stderr, "gqlgen: every resolver counts as waiting (the resolvers were not analysed: %v); run go generate again once they compile\n", err)
	} else {
		waits = a.waits
	}
	exec := cfg.Exec.Filename
	src, err := os.ReadFile(exec)
	if err != nil {
		return err
	}
	ls := lists(p.data)
	out, err := rewrite(src, ls)
	if err != nil {
		return err
	}
	if err := os.WriteFile(exec, out, 0o644); err != nil {
		return err
	}
	h, err := helper(cfg.Exec.Package, mayWait(p.data, waits))
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(filepath.Dir(exec), "generated_marshal.go"), h, 0o644)
}

func helper(pkg string, waiting []string) ([]byte, error) {
	var b bytes.Buffer
	fmt.Fprintf(&b, listsHead, pkg)
	b.WriteString("var mayWait = map[string]bool{\n")
	for _, f := range waiting {
		fmt.Fprintf(&b, "\t%q: true,\n", f)
	}
	b.WriteString("}\n\n")
	b.WriteString("// waitFree are the fields of mayWait that do not make one element of a list wait for another\n// (\"*\": in any list), with why (cmd/gqlgen).\n")
	b.WriteString("var waitFree = map[string]map[string]string{\n")
	elems := make([]string, 0, len(waitFree))
	for e := range waitFree {
		elems = append(elems, e)
	}
	sort.Strings(elems)
	for _, e := range elems {
		fmt.Fprintf(&b, "\t%q: {\n", e)
		fields := make([]string, 0, len(waitFree[e]))
		for f := range waitFree[e] {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		for _, f := range fields {
			fmt.Fprintf(&b, "\t\t%q: %q,\n", f, waitFree[e][f])
		}
		b.WriteString("\t},\n")
	}
	b.WriteString("}\n")
	return format.Source(b.Bytes())
}

const listsHead = `// Code generated by cmd/gqlgen (this project's gqlgen generate), DO NOT EDIT.

package %s

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// marshalList marshals a list of objects: inline, in the caller's goroutine, unless the query
// selects under it a field that may wait (ListMayWait); then concurrently, one goroutine per
// element, as gqlgen does.
func marshalList(ctx context.Context, sel ast.SelectionSet, elem string, length int, workerLimit int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	if length > 1 && ListMayWait(elem, sel) {
		return graphql.MarshalSliceConcurrently(ctx, length, workerLimit, omitPanicHandler, marshalElement)
	}
	return marshalListInline(ctx, length, workerLimit, omitPanicHandler, marshalElement)
}

// marshalListInline marshals a list's elements one after the other in the caller's goroutine,
// as graphql.MarshalSliceConcurrently does a list of one: each element has its own field
// context (its index), and a panic marshalling one is that element's error and null.
func marshalListInline(ctx context.Context, length int, _ int64, omitPanicHandler bool,
	marshalElement func(ctx context.Context, i int) graphql.Marshaler) graphql.Array {
	ret := make(graphql.Array, length)
	for i := range length {
		childCtx := graphql.WithFieldContext(ctx, &graphql.FieldContext{Index: &i})
		if omitPanicHandler {
			ret[i] = marshalElement(childCtx, i)
			continue
		}
		func() {
			defer func() {
				if r := recover(); r != nil {
					graphql.AddError(childCtx, graphql.Recover(childCtx, r))
					ret[i] = graphql.Null
				}
			}()
			ret[i] = marshalElement(childCtx, i)
		}()
	}
	return ret
}

// newDeferredGroup is graphql.NewDeferredGroup(ctx) when a field of the object is deferred
// (@defer), and otherwise an empty group, which gqlgen's field sets never touch (they use the
// group only for deferred fields, and process it only when it has Defers).
func newDeferredGroup(ctx context.Context, fields []graphql.CollectedField) graphql.DeferredGroup {
	for _, f := range fields {
		if f.IsDeferred() {
			return graphql.NewDeferredGroup(ctx)
		}
	}
	return graphql.DeferredGroup{}
}

// ListMayWait reports whether marshalling a list of elem with the selection sel may wait: a
// field selected anywhere under it is in mayWait and not excused by waitFree for elem.
func ListMayWait(elem string, sel ast.SelectionSet) bool {
	for _, s := range sel {
		var under ast.SelectionSet
		switch s := s.(type) {
		case *ast.Field:
			if s.ObjectDefinition != nil && s.Definition != nil {
				f := s.ObjectDefinition.Name + "." + s.Name
				if mayWait[f] && waitFree["*"][f] == "" && waitFree[elem][f] == "" {
					return true
				}
			}
			under = s.SelectionSet
		case *ast.InlineFragment:
			under = s.SelectionSet
		case *ast.FragmentSpread:
			if s.Definition == nil {
				return true
			}
			under = s.Definition.SelectionSet
		}
		if ListMayWait(elem, under) {
			return true
		}
	}
	return false
}

// mayWait are the fields for which gqlgen calls Go code that may wait: a resolver that touches
// the store, the event hub or the loaders, or a model method with a context (cmd/gqlgen).
`

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gqlgen:", err)
		os.Exit(1)
	}
}
