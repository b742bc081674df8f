package audit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// TestActionsListsEveryRecordedAction reads the code (internal/ and cmd/)
// for every audit.Change{Action: …} and works out the actions it can
// record: literals, constants, local variables and parameters (through the
// literals the callers pass), joined with "+". Every one must be in
// Actions, and every entry of Actions must be recorded somewhere, so that
// the list (and the words the pages show for it) stays complete.
func TestActionsListsEveryRecordedAction(t *testing.T) {
	recorded := recordedActions(t, filepath.Join("..", ".."))
	if len(recorded) < 60 {
		t.Fatalf("found only %d recorded actions; the scan is broken", len(recorded))
	}
	for a, where := range recorded {
		if !Known(a) {
			t.Errorf("%s records %q, which is not in audit.Actions", where, a)
		}
	}
	for _, a := range Actions {
		if _, ok := recorded[a]; !ok {
			t.Errorf("audit.Actions lists %q, which no code records", a)
		}
	}
	if !slices.IsSorted(Actions) {
		t.Error("audit.Actions is not sorted")
	}
}

func TestKnownAndArea(t *testing.T) {
	if !Known("member.enrol") || Known("member.enrol.x") || Known("member") {
		t.Error("Known answers wrongly")
	}
	if Area("points.plan.change.approved") != "points" || Area("x") != "x" {
		t.Error("Area answers wrongly")
	}
}

// pkgFiles are the parsed non-test files of one directory.
type pkgFiles struct {
	fset  *token.FileSet
	files []*ast.File
}

func recordedActions(t *testing.T, root string) map[string]string {
	t.Helper()
	pkgs := map[string]*pkgFiles{}
	for _, top := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			dir := filepath.Dir(path)
			p := pkgs[dir]
			if p == nil {
				p = &pkgFiles{fset: token.NewFileSet()}
				pkgs[dir] = p
			}
			f, err := parser.ParseFile(p.fset, path, nil, 0)
			if err != nil {
				return err
			}
			p.files = append(p.files, f)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	out := map[string]string{}
	dirs := make([]string, 0, len(pkgs))
	for d := range pkgs {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, dir := range dirs {
		p := pkgs[dir]
		for _, f := range p.files {
			for _, decl := range f.Decls {
				fn, ok := decl.(*ast.FuncDecl)
				if !ok || fn.Body == nil {
					continue
				}
				ast.Inspect(fn.Body, func(n ast.Node) bool {
					lit, ok := n.(*ast.CompositeLit)
					if !ok || !isChangeType(lit.Type) {
						return true
					}
					for _, el := range lit.Elts {
						kv, ok := el.(*ast.KeyValueExpr)
						if k, _ := kv.Key.(*ast.Ident); !ok || k == nil || k.Name != "Action" {
							continue
						}
						where := p.fset.Position(kv.Pos()).String()
						vals, ok := p.resolve(kv.Value, fn, 0)
						if !ok {
							t.Errorf("%s: cannot tell which actions %s records; spell it out or list it in audit.Families",
								where, exprString(kv.Value))
						}
						for _, v := range vals {
							out[v] = where
						}
					}
					return true
				})
			}
		}
	}
	return out
}

func isChangeType(e ast.Expr) bool {
	switch x := e.(type) {
	case *ast.SelectorExpr:
		id, ok := x.X.(*ast.Ident)
		return ok && id.Name == "audit" && x.Sel.Name == "Change"
	case *ast.Ident:
		return x.Name == "Change"
	}
	return false
}

// resolve lists the strings e can be inside fn.
func (p *pkgFiles) resolve(e ast.Expr, fn *ast.FuncDecl, depth int) ([]string, bool) {
	if depth > 6 {
		return nil, false
	}
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return nil, false
		}
		s, err := strconv.Unquote(x.Value)
		return []string{s}, err == nil
	case *ast.ParenExpr:
		return p.resolve(x.X, fn, depth+1)
	case *ast.CallExpr: // string(status)
		if id, ok := x.Fun.(*ast.Ident); ok && id.Name == "string" && len(x.Args) == 1 {
			return p.resolve(x.Args[0], fn, depth+1)
		}
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return nil, false
		}
		left, ok := p.resolve(x.X, fn, depth+1)
		if !ok {
			return nil, false
		}
		right, ok := p.resolve(x.Y, fn, depth+1)
		if !ok && len(left) == 1 {
			right, ok = Families[left[0]]
		}
		if !ok {
			return nil, false
		}
		var out []string
		for _, l := range left {
			for _, r := range right {
				out = append(out, l+r)
			}
		}
		return out, true
	case *ast.Ident:
		if vals, ok := p.local(x.Name, fn, depth); ok {
			return vals, true
		}
		if vals, ok := p.param(x.Name, fn, depth); ok {
			return vals, true
		}
		return p.constant(x.Name, depth)
	}
	return nil, false
}

// local resolves a variable of fn from every assignment to it.
func (p *pkgFiles) local(name string, fn *ast.FuncDecl, depth int) ([]string, bool) {
	if fn == nil {
		return nil, false
	}
	var out []string
	found, ok := false, true
	ast.Inspect(fn.Body, func(n ast.Node) bool {
		as, isAssign := n.(*ast.AssignStmt)
		if !isAssign || len(as.Lhs) != len(as.Rhs) {
			return true
		}
		for i, l := range as.Lhs {
			if id, isID := l.(*ast.Ident); isID && id.Name == name {
				found = true
				vals, good := p.resolve(as.Rhs[i], fn, depth+1)
				ok = ok && good
				out = append(out, vals...)
			}
		}
		return true
	})
	return out, found && ok
}

// param resolves a parameter of fn from what its callers in the package pass.
func (p *pkgFiles) param(name string, fn *ast.FuncDecl, depth int) ([]string, bool) {
	if fn == nil {
		return nil, false
	}
	idx, i := -1, 0
	for _, field := range fn.Type.Params.List {
		for _, n := range field.Names {
			if n.Name == name {
				idx = i
			}
			i++
		}
	}
	if idx < 0 {
		return nil, false
	}
	var out []string
	calls, ok := 0, true
	for _, f := range p.files {
		for _, decl := range f.Decls {
			caller, isFn := decl.(*ast.FuncDecl)
			if !isFn || caller.Body == nil {
				continue
			}
			ast.Inspect(caller.Body, func(n ast.Node) bool {
				call, isCall := n.(*ast.CallExpr)
				if !isCall || calleeName(call.Fun) != fn.Name.Name || len(call.Args) <= idx {
					return true
				}
				calls++
				vals, good := p.resolve(call.Args[idx], caller, depth+1)
				ok = ok && good
				out = append(out, vals...)
				return true
			})
		}
	}
	return out, calls > 0 && ok
}

// constant resolves a package-level constant.
func (p *pkgFiles) constant(name string, depth int) ([]string, bool) {
	for _, f := range p.files {
		for _, decl := range f.Decls {
			g, ok := decl.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, n := range vs.Names {
					if n.Name == name && i < len(vs.Values) {
						return p.resolve(vs.Values[i], nil, depth+1)
					}
				}
			}
		}
	}
	return nil, false
}

func calleeName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		return x.Sel.Name
	}
	return ""
}

func exprString(e ast.Expr) string {
	var b strings.Builder
	ast.Inspect(e, func(n ast.Node) bool {
		switch x := n.(type) {
		case *ast.Ident:
			b.WriteString(x.Name + " ")
		case *ast.BasicLit:
			b.WriteString(x.Value + " ")
		}
		return true
	})
	return strings.TrimSpace(b.String())
}

// TestObjectTypesListsEveryRecordedType reads the code (internal/ and cmd/,
// tests left out) for every literal ObjectType of an audit.Change: each must
// be in ObjectTypes, so that the log's filter offers it, and each entry of
// ObjectTypes must be recorded somewhere.
func TestObjectTypesListsEveryRecordedType(t *testing.T) {
	literal := regexp.MustCompile(`ObjectType:\s*"([^"]*)"`)
	recorded := map[string]string{}
	for _, top := range []string{"internal", "cmd"} {
		err := filepath.WalkDir(filepath.Join("..", "..", top), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
				return err
			}
			src, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for _, m := range literal.FindAllStringSubmatch(string(src), -1) {
				recorded[m[1]] = path
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(recorded) < 20 {
		t.Fatalf("found only %d object types; the scan is broken", len(recorded))
	}
	for typ, where := range recorded {
		if !slices.Contains(ObjectTypes, typ) {
			t.Errorf("%s records the object type %q, which is not in audit.ObjectTypes", where, typ)
		}
	}
	for _, typ := range ObjectTypes {
		if _, ok := recorded[typ]; !ok {
			t.Errorf("audit.ObjectTypes lists %q, which no code records", typ)
		}
	}
	if !slices.IsSorted(ObjectTypes) {
		t.Error("audit.ObjectTypes is not sorted")
	}
}
