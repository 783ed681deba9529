// Command tekton-api reads the Go source of a tektoncd/pipeline checkout and writes the facts
// `tkn artifacts validate` checks against: the field tree of every Tekton kind per API version
// (JSON names, types, enum constants), the fields behind enable-api-fields and per-feature flags,
// the fields the webhook disallows, and where the validation code reports a missing field.
//
// Facts come from Tekton's source; the checking code is ours (src/validate/tekton). Usage:
//
//	go run ./scripts/tekton-api -src /path/to/pipeline -release v1.15.0 -commit <sha> \
//	    -out src/validate/tekton/api-data.ts
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/printer"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// Field is one JSON field of a struct, as encoding/json sees it.
type Field struct {
	Name string `json:"name"`
	Go   string `json:"go"`
	// Type: string|bool|int|float|any, []T, map[string]T, pkg.Type (a Tekton type in Types),
	// ext:pkg.Type (a Kubernetes type this data does not expand).
	Type string `json:"type"`
	// Inline: an embedded struct whose fields are this struct's.
	Inline bool `json:"inline,omitempty"`
}

type Struct struct {
	Fields []Field `json:"fields"`
	File   string  `json:"file"`
}

type Named struct {
	// Underlying type, as Field.Type.
	Type string `json:"type"`
	// Constants declared with this type, in source order.
	Values []string `json:"values,omitempty"`
	// The type decodes itself (UnmarshalJSON).
	Custom bool   `json:"custom,omitempty"`
	File   string `json:"file"`
}

type Gate struct {
	Version string `json:"version"`
	// Go type whose field is gated, e.g. PipelineTask; "" when it could not be told.
	Owner string `json:"owner"`
	// JSON name of the gated field, "" when it could not be told.
	Field string `json:"field"`
	// alpha|beta (enable-api-fields), flag (a per-feature flag), disallowed (rejected on create).
	Kind string `json:"kind"`
	// The feature name Tekton's message uses, or the per-feature flag key.
	Feature   string `json:"feature"`
	Condition string `json:"condition"`
	// The Go function the check is in.
	Function string `json:"function"`
	// Every if condition around the check, outermost first (a flag test such as
	// DisableInlineSpec may sit around the field test).
	Enclosing []string `json:"enclosing"`
	Source    string   `json:"source"`
}

type FeatureFlag struct {
	Key        string `json:"key"`
	Stability  string `json:"stability"`
	Default    bool   `json:"default"`
	Deprecated bool   `json:"deprecated,omitempty"`
	Source     string `json:"source"`
}

type Missing struct {
	Version  string `json:"version"`
	Function string `json:"function"`
	Field    string `json:"field"`
	Source   string `json:"source"`
}

type Output struct {
	Release          string                       `json:"release"`
	Commit           string                       `json:"commit"`
	Generator        string                       `json:"generator"`
	Roots            map[string]map[string]string `json:"roots"`
	Structs          map[string]map[string]Struct `json:"structs"`
	Named            map[string]map[string]Named  `json:"named"`
	Gates            []Gate                       `json:"gates"`
	FeatureFlags     []FeatureFlag                `json:"featureFlags"`
	Missing          []Missing                    `json:"missing"`
	Disallowed       []Gate                       `json:"disallowed"`
	APIFieldsDefault string                       `json:"apiFieldsDefault"`
	// The k8s.io/api module core/v1 types were read from (k8s.io/api@v0.35.7), if any.
	K8sAPI string `json:"k8sApi,omitempty"`
}

var primitives = map[string]string{
	"string": "string", "bool": "bool",
	"int": "int", "int8": "int", "int16": "int", "int32": "int", "int64": "int",
	"uint": "int", "uint8": "int", "uint16": "int", "uint32": "int", "uint64": "int",
	"float32": "float", "float64": "float",
}

type pkg struct {
	name  string // v1, v1beta1, pod
	dir   string
	files map[string]*ast.File
	// import alias -> our package name, per file
}

var (
	k8sDir string
	src    string
	fset   = token.NewFileSet()
	known  = map[string]string{ // import path suffix -> our package name
		"pkg/apis/pipeline/v1":      "v1",
		"pkg/apis/pipeline/v1beta1": "v1beta1",
		"pkg/apis/pipeline/pod":     "pod",
	}
)

func main() {
	flag.StringVar(&src, "src", "", "tektoncd/pipeline checkout")
	release := flag.String("release", "", "release tag of the checkout")
	commit := flag.String("commit", "", "commit of the checkout")
	out := flag.String("out", "", "TypeScript module to write")
	k8s := flag.String("k8s-api", "", "k8s.io/api module directory (the version tektoncd/pipeline's go.mod requires), to expand core/v1 types")
	flag.Parse()
	if src == "" || *release == "" || *commit == "" || *out == "" {
		fmt.Fprintln(os.Stderr, "usage: tekton-api -src DIR -release TAG -commit SHA -out FILE")
		os.Exit(2)
	}
	o := Output{
		Release: *release, Commit: *commit, Generator: "scripts/tekton-api",
		Roots:   map[string]map[string]string{},
		Structs: map[string]map[string]Struct{}, Named: map[string]map[string]Named{},
	}
	if *k8s != "" {
		k8sDir = *k8s
		pk := loadAbs(filepath.Join(*k8s, "core", "v1"), "corev1")
		o.Structs["corev1"], o.Named["corev1"] = types(pk)
		o.K8sAPI = filepath.Base(*k8s)
	}
	for _, p := range []string{"v1", "v1beta1", "pod"} {
		pk := load(filepath.Join("pkg/apis/pipeline", p), p)
		o.Structs[p], o.Named[p] = types(pk)
		if p != "pod" {
			o.Gates = append(o.Gates, gates(pk, o.Structs[p], o.Named[p])...)
			o.Missing = append(o.Missing, missing(pk)...)
		}
	}
	o.Disallowed = []Gate{}
	kept := []Gate{}
	for _, g := range o.Gates {
		if g.Kind == "disallowed" {
			o.Disallowed = append(o.Disallowed, g)
		} else {
			kept = append(kept, g)
		}
	}
	o.Gates = kept
	kinds := []string{"Task", "ClusterTask", "Pipeline", "TaskRun", "PipelineRun", "StepAction", "CustomRun"}
	for _, v := range []string{"v1", "v1beta1"} {
		o.Roots[v] = map[string]string{}
		for _, k := range kinds {
			o.Roots[v][k] = k
		}
	}
	for v, roots := range o.Roots {
		for k, t := range roots {
			if _, ok := o.Structs[v][t]; !ok {
				delete(roots, k)
			}
		}
	}
	o.FeatureFlags, o.APIFieldsDefault = featureFlags()
	data, err := json.MarshalIndent(o, "", " ")
	check(err)
	var b bytes.Buffer
	fmt.Fprintf(&b, "// Generated by scripts/tekton-api from tektoncd/pipeline %s (commit %s). Do not edit:\n", *release, *commit)
	fmt.Fprintf(&b, "// run scripts/generate-tekton-api.sh PIPELINE_GIT_DIR %s instead (docs/validate.md).\n", *release)
	b.WriteString("import type { TektonApiData } from './api-types.js';\n\n")
	b.WriteString("export const TEKTON_API: TektonApiData = ")
	b.Write(data)
	b.WriteString(";\n")
	check(os.WriteFile(*out, b.Bytes(), 0o644))
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func rel(pos token.Pos) string {
	p := fset.Position(pos)
	base := src
	if k8sDir != "" && strings.HasPrefix(p.Filename, k8sDir) {
		base = filepath.Dir(k8sDir)
	}
	r, _ := filepath.Rel(base, p.Filename)
	return fmt.Sprintf("%s:%d", filepath.ToSlash(r), p.Line)
}

func load(dir, name string) *pkg {
	return loadAbs(filepath.Join(src, dir), name)
}

func loadAbs(dir, name string) *pkg {
	pk := &pkg{name: name, dir: dir, files: map[string]*ast.File{}}
	entries, err := os.ReadDir(dir)
	check(err)
	for _, e := range entries {
		n := e.Name()
		if !strings.HasSuffix(n, ".go") || strings.HasSuffix(n, "_test.go") || strings.HasPrefix(n, "zz_") || n == "openapi_generated.go" || strings.HasSuffix(n, ".pb.go") {
			continue
		}
		f, err := parser.ParseFile(fset, filepath.Join(dir, n), nil, parser.ParseComments)
		check(err)
		pk.files[n] = f
	}
	return pk
}

// imports maps a file's import aliases to our package names ("" for packages we do not expand).
func imports(f *ast.File) map[string]string {
	m := map[string]string{}
	for _, imp := range f.Imports {
		path, _ := strconv.Unquote(imp.Path.Value)
		alias := path[strings.LastIndex(path, "/")+1:]
		if imp.Name != nil {
			alias = imp.Name.Name
		}
		m[alias] = ""
		for suffix, ours := range known {
			if strings.HasSuffix(path, "tektoncd/pipeline/"+suffix) {
				m[alias] = ours
			}
		}
		if path == "k8s.io/api/core/v1" && k8sDir != "" {
			m[alias] = "corev1"
		}
		if m[alias] == "" {
			m[alias] = "ext:" + alias
		}
	}
	return m
}

func typeString(e ast.Expr, self string, imps map[string]string) string {
	switch t := e.(type) {
	case *ast.Ident:
		if p, ok := primitives[t.Name]; ok {
			return p
		}
		if t.Name == "any" {
			return "any"
		}
		return self + "." + t.Name
	case *ast.StarExpr:
		return typeString(t.X, self, imps)
	case *ast.ArrayType:
		if id, ok := t.Elt.(*ast.Ident); ok && id.Name == "byte" {
			return "string" // []byte is base64 text in JSON
		}
		return "[]" + typeString(t.Elt, self, imps)
	case *ast.MapType:
		return "map[string]" + typeString(t.Value, self, imps)
	case *ast.InterfaceType:
		return "any"
	case *ast.SelectorExpr:
		x, _ := t.X.(*ast.Ident)
		p := imps[x.Name]
		if strings.HasPrefix(p, "ext:") {
			return p + "." + t.Sel.Name
		}
		return p + "." + t.Sel.Name
	}
	return "any"
}

func types(pk *pkg) (map[string]Struct, map[string]Named) {
	structs := map[string]Struct{}
	named := map[string]Named{}
	custom := map[string]bool{}
	consts := map[string][]string{}
	names := sortedKeys(pk.files)
	for _, n := range names {
		f := pk.files[n]
		imps := imports(f)
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && d.Name.Name == "UnmarshalJSON" {
					custom[recvType(d)] = true
				}
			case *ast.GenDecl:
				switch d.Tok {
				case token.TYPE:
					for _, s := range d.Specs {
						ts := s.(*ast.TypeSpec)
						if st, ok := ts.Type.(*ast.StructType); ok {
							structs[ts.Name.Name] = Struct{Fields: fields(st, pk.name, imps), File: rel(ts.Pos())}
						} else {
							named[ts.Name.Name] = Named{Type: typeString(ts.Type, pk.name, imps), File: rel(ts.Pos())}
						}
					}
				case token.CONST:
					var typ string
					for _, s := range d.Specs {
						vs := s.(*ast.ValueSpec)
						if vs.Type != nil {
							if id, ok := vs.Type.(*ast.Ident); ok {
								typ = id.Name
							} else {
								typ = ""
							}
						} else if len(vs.Values) > 0 {
							typ = ""
						}
						if typ == "" {
							continue
						}
						for _, v := range vs.Values {
							if bl, ok := v.(*ast.BasicLit); ok && bl.Kind == token.STRING {
								s, _ := strconv.Unquote(bl.Value)
								consts[typ] = append(consts[typ], s)
							}
						}
					}
				}
			}
		}
	}
	for t := range custom {
		if n, ok := named[t]; ok {
			n.Custom = true
			named[t] = n
		} else if s, ok := structs[t]; ok {
			// A struct that decodes itself: record it as a named custom type too.
			named[t] = Named{Type: "custom", Custom: true, File: s.File}
		}
	}
	for t, vs := range consts {
		if n, ok := named[t]; ok {
			n.Values = vs
			named[t] = n
		}
	}
	return structs, named
}

func recvType(d *ast.FuncDecl) string {
	t := d.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}

func fields(st *ast.StructType, self string, imps map[string]string) []Field {
	out := []Field{}
	for _, f := range st.Fields.List {
		tag := ""
		if f.Tag != nil {
			raw, _ := strconv.Unquote(f.Tag.Value)
			tag = reflectTag(raw, "json")
		}
		name := strings.Split(tag, ",")[0]
		if name == "-" {
			continue
		}
		typ := typeString(f.Type, self, imps)
		if len(f.Names) == 0 {
			if name == "" {
				out = append(out, Field{Name: "", Go: typ, Type: typ, Inline: true})
				continue
			}
			goName := typ[strings.LastIndex(typ, ".")+1:]
			out = append(out, Field{Name: name, Go: goName, Type: typ})
			continue
		}
		for _, n := range f.Names {
			if !n.IsExported() {
				continue
			}
			jn := name
			if jn == "" {
				jn = n.Name
			}
			out = append(out, Field{Name: jn, Go: n.Name, Type: typ})
		}
	}
	return out
}

// reflectTag is reflect.StructTag.Get without importing reflect's parsing rules by hand.
func reflectTag(tag, key string) string {
	for tag != "" {
		i := 0
		for i < len(tag) && tag[i] == ' ' {
			i++
		}
		tag = tag[i:]
		i = 0
		for i < len(tag) && tag[i] > ' ' && tag[i] != ':' && tag[i] != '"' {
			i++
		}
		if i == 0 || i+1 >= len(tag) || tag[i] != ':' || tag[i+1] != '"' {
			return ""
		}
		name := tag[:i]
		tag = tag[i+1:]
		i = 1
		for i < len(tag) && tag[i] != '"' {
			if tag[i] == '\\' {
				i++
			}
			i++
		}
		if i >= len(tag) {
			return ""
		}
		q := tag[:i+1]
		tag = tag[i+1:]
		if name == key {
			v, _ := strconv.Unquote(q)
			return v
		}
	}
	return ""
}

func sortedKeys[V any](m map[string]V) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}

func exprText(e ast.Node) string {
	var b bytes.Buffer
	printer.Fprint(&b, fset, e)
	return strings.Join(strings.Fields(b.String()), " ")
}

// scope resolves identifiers to the Tekton struct they hold, within one function.
type scope struct {
	vars    map[string]string
	structs map[string]Struct
	named   map[string]Named
}

// elem is the struct a range over a value of type t yields: a struct slice field, or a named
// slice type (ParamSpecs).
func (s *scope) elem(t string) string {
	if n, ok := s.named[t]; ok && strings.HasPrefix(n.Type, "[]") {
		return bare(n.Type)
	}
	return t
}

func (s *scope) fieldType(owner, goField string) string {
	st, ok := s.structs[owner]
	if !ok {
		return ""
	}
	for _, f := range st.Fields {
		if f.Inline {
			if t := s.fieldType(strings.TrimPrefix(f.Type, f.Type[:strings.Index(f.Type, ".")+1]), goField); t != "" {
				return t
			}
			continue
		}
		if f.Go == goField {
			return f.Type
		}
	}
	return ""
}

func (s *scope) jsonName(owner, goField string) string {
	st, ok := s.structs[owner]
	if !ok {
		return ""
	}
	for _, f := range st.Fields {
		if f.Inline {
			if n := s.jsonName(strings.TrimPrefix(f.Type, f.Type[:strings.Index(f.Type, ".")+1]), goField); n != "" {
				return n
			}
			continue
		}
		if f.Go == goField {
			return f.Name
		}
	}
	return ""
}

func bare(t string) string {
	t = strings.TrimPrefix(t, "[]")
	if i := strings.Index(t, "."); i >= 0 {
		return t[i+1:]
	}
	return t
}

// typeOf resolves x, x.A, x.A.B to the struct type it denotes.
func (s *scope) typeOf(e ast.Expr) string {
	switch t := e.(type) {
	case *ast.Ident:
		return s.vars[t.Name]
	case *ast.CallExpr:
		// x.IsMatrixed(): the method's receiver stands for the field it tests.
		return ""
	case *ast.SelectorExpr:
		owner := s.typeOf(t.X)
		if owner == "" {
			return ""
		}
		return bare(s.fieldType(owner, t.Sel.Name))
	case *ast.ParenExpr:
		return s.typeOf(t.X)
	case *ast.StarExpr:
		return s.typeOf(t.X)
	case *ast.IndexExpr:
		return s.typeOf(t.X)
	}
	return ""
}

func paramVars(fl *ast.FieldList, vars map[string]string) {
	if fl == nil {
		return
	}
	for _, f := range fl.List {
		t := f.Type
		if st, ok := t.(*ast.StarExpr); ok {
			t = st.X
		}
		if at, ok := t.(*ast.ArrayType); ok {
			t = at.Elt
		}
		id, ok := t.(*ast.Ident)
		if !ok {
			continue
		}
		for _, n := range f.Names {
			vars[n.Name] = id.Name
		}
	}
}

// subject finds, in a condition, the selector x.Field that the condition tests.
func subject(cond ast.Expr, s *scope) (owner, goField string) {
	ast.Inspect(cond, func(n ast.Node) bool {
		if owner != "" {
			return false
		}
		if sel, ok := n.(*ast.SelectorExpr); ok {
			o := s.typeOf(sel.X)
			if o != "" && s.fieldType(o, sel.Sel.Name) != "" {
				owner, goField = o, sel.Sel.Name
				return false
			}
		}
		return true
	})
	return
}

func gates(pk *pkg, structs map[string]Struct, named map[string]Named) []Gate {
	var out []Gate
	for _, n := range sortedKeys(pk.files) {
		f := pk.files[n]
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			s := &scope{vars: map[string]string{}, structs: structs, named: named}
			paramVars(fd.Recv, s.vars)
			paramVars(fd.Type.Params, s.vars)
			var stack []ast.Node
			ast.Inspect(fd.Body, func(node ast.Node) bool {
				if node == nil {
					stack = stack[:len(stack)-1]
					return true
				}
				stack = append(stack, node)
				if rs, ok := node.(*ast.RangeStmt); ok {
					if v, ok := rs.Value.(*ast.Ident); ok {
						if t := s.typeOf(rs.X); t != "" {
							s.vars[v.Name] = s.elem(t)
						}
					}
				}
				if as, ok := node.(*ast.AssignStmt); ok && len(as.Lhs) == len(as.Rhs) {
					for i, l := range as.Lhs {
						if id, ok := l.(*ast.Ident); ok {
							if t := s.typeOf(as.Rhs[i]); t != "" {
								s.vars[id.Name] = t
							}
						}
					}
				}
				call, ok := node.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				var g *Gate
				switch {
				case sel.Sel.Name == "ValidateEnabledAPIFields" && len(call.Args) == 3:
					level := exprText(call.Args[2])
					kind := map[string]string{"config.AlphaAPIFields": "alpha", "config.BetaAPIFields": "beta"}[level]
					if kind == "" {
						return true
					}
					g = &Gate{Kind: kind, Feature: literal(call.Args[1])}
				case sel.Sel.Name == "ErrDisallowedFields" && len(call.Args) == 1:
					g = &Gate{Kind: "disallowed", Feature: literal(call.Args[0])}
				default:
					return true
				}
				g.Version = pk.name
				g.Source = rel(call.Pos())
				g.Function = funcName(fd)
				g.Enclosing = []string{}
				for _, n := range stack {
					if ifs, ok := n.(*ast.IfStmt); ok {
						g.Enclosing = append(g.Enclosing, exprText(ifs.Cond))
					}
				}
				// The innermost enclosing if whose condition names a field of a Tekton type.
				for i := len(stack) - 1; i >= 0; i-- {
					ifs, ok := stack[i].(*ast.IfStmt)
					if !ok {
						continue
					}
					owner, goField := subject(ifs.Cond, s)
					if owner == "" {
						continue
					}
					g.Owner, g.Field, g.Condition = owner, s.jsonName(owner, goField), exprText(ifs.Cond)
					break
				}
				if g.Owner == "" {
					fallback(g, fd, call.Pos(), s)
				}
				out = append(out, *g)
				return true
			})
		}
	}
	// Per-feature flags: `if !…FeatureFlags.EnableX {` guarding an error, tied to the field tested
	// by the enclosing condition.
	for _, n := range sortedKeys(pk.files) {
		f := pk.files[n]
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			s := &scope{vars: map[string]string{}, structs: structs, named: named}
			paramVars(fd.Recv, s.vars)
			paramVars(fd.Type.Params, s.vars)
			var stack []ast.Node
			ast.Inspect(fd.Body, func(node ast.Node) bool {
				if node == nil {
					stack = stack[:len(stack)-1]
					return true
				}
				stack = append(stack, node)
				if rs, ok := node.(*ast.RangeStmt); ok {
					if v, ok := rs.Value.(*ast.Ident); ok {
						if t := s.typeOf(rs.X); t != "" {
							s.vars[v.Name] = s.elem(t)
						}
					}
				}
				ifs, ok := node.(*ast.IfStmt)
				if !ok {
					return true
				}
				un, ok := ifs.Cond.(*ast.UnaryExpr)
				if !ok || un.Op != token.NOT {
					return true
				}
				sel, ok := un.X.(*ast.SelectorExpr)
				if !ok || !strings.Contains(exprText(sel.X), "FeatureFlags") {
					return true
				}
				g := Gate{Version: pk.name, Kind: "flag", Feature: sel.Sel.Name, Source: rel(ifs.Pos()), Function: funcName(fd), Enclosing: []string{}}
				for _, n := range stack[:len(stack)-1] {
					if outer, ok := n.(*ast.IfStmt); ok {
						g.Enclosing = append(g.Enclosing, exprText(outer.Cond))
					}
				}
				for i := len(stack) - 2; i >= 0; i-- {
					outer, ok := stack[i].(*ast.IfStmt)
					if !ok {
						continue
					}
					owner, goField := subject(outer.Cond, s)
					if owner == "" {
						continue
					}
					g.Owner, g.Field, g.Condition = owner, s.jsonName(owner, goField), exprText(outer.Cond)
					break
				}
				if g.Owner == "" {
					fallback(&g, fd, ifs.Pos(), s)
				}
				out = append(out, g)
				return true
			})
		}
	}
	return out
}

func funcName(fd *ast.FuncDecl) string {
	if fd.Recv != nil {
		return recvType(fd) + "." + fd.Name.Name
	}
	return fd.Name.Name
}

// fallback ties a gate with no enclosing field test to a field: the last if before it in the
// function that tests one (`if len(p.Enum) == 0 { continue }`), or, for a feature named like a
// field of the receiver (`if pt.IsMatrixed()` gating "matrix"), that field.
func fallback(g *Gate, fd *ast.FuncDecl, at token.Pos, s *scope) {
	if fd.Recv != nil {
		owner := recvType(fd)
		for _, f := range s.structs[owner].Fields {
			if f.Name == g.Feature {
				g.Owner, g.Field, g.Condition = owner, f.Name, "receiver "+owner+" field "+f.Name
				return
			}
		}
	}
	if fd.Recv == nil && isWord(g.Feature) {
		// A helper shared by several types (validateRef: TaskRef, PipelineRef, Ref): every
		// type with a field of that name.
		for _, st := range s.structs {
			for _, f := range st.Fields {
				if f.Name == g.Feature {
					g.Owner, g.Field, g.Condition = "*", f.Name, "any type with field "+f.Name
					return
				}
			}
		}
	}
	ast.Inspect(fd.Body, func(n ast.Node) bool {
		ifs, ok := n.(*ast.IfStmt)
		if !ok || ifs.Pos() >= at {
			return true
		}
		if owner, goField := subject(ifs.Cond, s); owner != "" {
			g.Owner, g.Field, g.Condition = owner, s.jsonName(owner, goField), exprText(ifs.Cond)
		}
		return true
	})
}

func isWord(s string) bool {
	if s == "" || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func literal(e ast.Expr) string {
	if bl, ok := e.(*ast.BasicLit); ok && bl.Kind == token.STRING {
		s, _ := strconv.Unquote(bl.Value)
		return s
	}
	return exprText(e)
}

func missing(pk *pkg) []Missing {
	var out []Missing
	for _, n := range sortedKeys(pk.files) {
		if !strings.HasSuffix(n, "_validation.go") && !strings.HasSuffix(n, "_types.go") {
			continue
		}
		f := pk.files[n]
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			fn := fd.Name.Name
			if fd.Recv != nil {
				fn = recvType(fd) + "." + fn
			}
			ast.Inspect(fd.Body, func(node ast.Node) bool {
				call, ok := node.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || sel.Sel.Name != "ErrMissingField" {
					return true
				}
				for _, a := range call.Args {
					out = append(out, Missing{Version: pk.name, Function: fn, Field: literal(a), Source: rel(call.Pos())})
				}
				return true
			})
		}
	}
	return out
}

// featureFlags reads the PerFeatureFlag defaults and the flag keys of pkg/apis/config.
func featureFlags() ([]FeatureFlag, string) {
	pk := load("pkg/apis/config", "config")
	keys := map[string]string{}
	stringConsts := map[string]string{}
	boolConsts := map[string]bool{}
	var flags []FeatureFlag
	apiDefault := ""
	for _, n := range sortedKeys(pk.files) {
		f := pk.files[n]
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok {
				continue
			}
			for _, s := range gd.Specs {
				vs, ok := s.(*ast.ValueSpec)
				if !ok {
					continue
				}
				for i, name := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					switch v := vs.Values[i].(type) {
					case *ast.BasicLit:
						if v.Kind == token.STRING {
							stringConsts[name.Name] = literal(v)
						}
					case *ast.Ident:
						if v.Name == "true" || v.Name == "false" {
							boolConsts[name.Name] = v.Name == "true"
						} else {
							keys[name.Name] = v.Name
						}
					}
				}
			}
		}
	}
	resolve := func(id string) string {
		for i := 0; i < 4; i++ {
			if s, ok := stringConsts[id]; ok {
				return s
			}
			id = keys[id]
		}
		return ""
	}
	apiDefault = resolve("DefaultEnableAPIFields")
	for _, n := range sortedKeys(pk.files) {
		f := pk.files[n]
		ast.Inspect(f, func(node ast.Node) bool {
			cl, ok := node.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if id, ok := cl.Type.(*ast.Ident); !ok || id.Name != "PerFeatureFlag" {
				return true
			}
			ff := FeatureFlag{Source: rel(cl.Pos())}
			for _, e := range cl.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				k := kv.Key.(*ast.Ident).Name
				v := exprText(kv.Value)
				switch k {
				case "Name":
					ff.Key = resolve(v)
					if ff.Key == "" {
						ff.Key = literal(kv.Value)
					}
				case "Stability":
					ff.Stability = resolve(v)
				case "Enabled":
					ff.Default = boolConsts[v] || v == "true"
				case "Deprecated":
					ff.Deprecated = v == "true"
				}
			}
			if ff.Key != "" {
				flags = append(flags, ff)
			}
			return true
		})
	}
	return flags, apiDefault
}
