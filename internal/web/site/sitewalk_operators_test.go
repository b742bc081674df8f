package site

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"

	"estateclub/internal/db"
	"estateclub/internal/demo"
)

func init() { siteChecks = append(siteChecks, siteCheck{"operators", checkOperators}) }

// checkOperators: every page names the people who did things as people
// read them (issue 12, item 1). A staff member is shown by name, the login
// only as the quiet part beside it (a ref's <small class="muted"> right
// after the name, templates/_ref.html); system actors are shown in words.
// So on every walked page, in both languages:
//   - no operator as "<login> <kind>" ("demo system", "sh.specialist
//     import") and no member as "member:123" or "member#123";
//   - every demo login in the page's text is a ref's quiet part next to
//     that staff member's name, or the login shown as a login (in <code>,
//     as the staff pages and the account page do), or typed in a form
//     (<textarea>; input values are no text). A one-word login that is
//     also an English word (admin, supervisor …) counts on an English page
//     only inside typed data (translate="no").
//
// The walk must have seen operators named this way on the pages that list
// them, so the check cannot pass on pages that show no operator at all.
func checkOperators(t *testing.T, s *demoSite) {
	names := staffNames(t, s)
	for _, l := range demo.Logins {
		if names[l.Login] != l.Name {
			t.Fatalf("staff %s is named %q, not %q", l.Login, names[l.Login], l.Name)
		}
	}
	found := wordFinding{}
	seen := map[string]int{} // route pattern → refs seen
	for _, w := range s.Walkers {
		for _, lang := range []string{"zh-CN", "en"} {
			for _, p := range w.Pages[lang] {
				if !p.HTML || p.Status != 200 {
					continue
				}
				where := fmt.Sprintf("%s %s (%s)", w.Login, p.Path, lang)
				refs, bad := operatorFindings(p.Body, lang, names)
				seen[p.Pattern] += refs
				for _, b := range bad {
					found.add(b+" ["+p.Pattern+"]", where)
				}
			}
		}
	}
	found.report(t, "an operator not named as people read it:")
	// Pages whose rows the demo fills with operators: each must have
	// shown at least one by name and login.
	for _, pattern := range operatorPages {
		if seen[pattern] == 0 {
			t.Errorf("the walk saw no operator named on %s; the check needs pages to look at", pattern)
		}
	}
}

// staffNames are the demo's staff (the 13 logins and the sales staff the
// demo adds), login → name.
func staffNames(t *testing.T, s *demoSite) map[string]string {
	t.Helper()
	names := map[string]string{}
	err := s.e.d.View(context.Background(), func(tx *db.Tx) error {
		rows, err := tx.Query(context.Background(), "SELECT login, name FROM staff")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var l, n string
			if err := rows.Scan(&l, &n); err != nil {
				return err
			}
			names[l] = n
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// operatorPages are route patterns where the demo's rows name staff.
var operatorPages = []string{
	"GET /audit",
	"GET /points/plans/{plan}",
	"GET /points/events",
	"GET /redeem/orders",
	"GET /leads/{lead}",
}

var (
	operatorAsKind = regexp.MustCompile(`(^|[^A-Za-z0-9._:-])([a-z][a-z0-9._:-]*) (system|import)\b`)
	memberColon    = regexp.MustCompile(`\bmember[:#]\d+`)
)

// operatorLike tells a stored operator from an English word before
// "system" or "import": a demo login, a system actor's login, or a word
// shaped like a login (sh.specialist, cli:admin).
func operatorLike(w string, names map[string]string) bool {
	_, login := names[w]
	return login || w == "demo" || w == "system" || w == "bench" || strings.ContainsAny(w, ".:")
}

// englishLogin: a one-word login that is an English word too.
func englishLogin(login string) bool { return !strings.ContainsAny(login, "._-0123456789") }

// operatorFindings reads one page: how many logins it shows as a ref's
// quiet part beside the name, and what it shows wrongly.
func operatorFindings(page, lang string, names map[string]string) (refs int, bad []string) {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return 0, []string{"unparsable page"}
	}
	var visit func(n *html.Node, typed bool)
	visit = func(n *html.Node, typed bool) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style", "head", "textarea", "code":
				return
			}
			typed = typed || typedElement(n)
			if blockish[n.Data] {
				text := strings.Join(strings.Fields(textOf(n)), " ")
				for _, m := range operatorAsKind.FindAllStringSubmatch(text, -1) {
					if operatorLike(m[2], names) {
						bad = append(bad, strings.TrimSpace(m[0]))
					}
				}
				bad = append(bad, memberColon.FindAllString(text, -1)...)
			}
		}
		if n.Type == html.TextNode {
			for _, tok := range loginTokens(n.Data) {
				name, ok := names[tok]
				if !ok || (lang == "en" && englishLogin(tok) && !typed) {
					continue
				}
				if quietBeside(n, name) {
					refs++
					continue
				}
				bad = append(bad, tok+" in "+strings.Join(strings.Fields(textOf(n.Parent)), " "))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c, typed)
		}
	}
	visit(doc, false)
	return refs, bad
}

// blockish elements hold one piece of a page: a cell, an item, a line.
var blockish = map[string]bool{"td": true, "th": true, "dd": true, "dt": true, "li": true, "p": true,
	"h1": true, "h2": true, "h3": true, "label": true, "option": true, "button": true, "a": true, "span": true, "small": true}

// loginTokens splits text into the words a login could be: runs of
// letters, digits and . _ - (a sentence's full stop is not part of one).
func loginTokens(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool {
		return !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-", r)))
	})
	for i := range f {
		f[i] = strings.TrimRight(f[i], ".")
	}
	return f
}

// quietBeside reports whether a text node is inside a <small
// class="muted"> whose previous element is the staff member's name.
func quietBeside(n *html.Node, name string) bool {
	for a := n.Parent; a != nil; a = a.Parent {
		if a.Type != html.ElementNode || a.Data != "small" {
			continue
		}
		if !strings.Contains(" "+attr(a, "class")+" ", " muted ") {
			return false
		}
		prev := a.PrevSibling
		for prev != nil && prev.Type == html.TextNode && strings.TrimSpace(prev.Data) == "" {
			prev = prev.PrevSibling
		}
		return prev != nil && prev.Type == html.ElementNode && strings.TrimSpace(textOf(prev)) == name
	}
	return false
}

// mustOperatorRef: a test page names the test staff member login (named
// "测试 <login>" by mustStaff) by name, the login quiet beside it.
func mustOperatorRef(t *testing.T, page, login string) {
	t.Helper()
	q := regexp.QuoteMeta(login)
	re := regexp.MustCompile(`<span translate="no">测试 ` + q + `</span>(</a>)? <small class="muted"><span translate="no">` + q + `</span></small>`)
	if !re.MatchString(page) {
		t.Errorf("the page does not name %s by name and login:\n%s", login, page)
	}
	if rest := re.ReplaceAllString(page, ""); strings.Contains(rest, `<span translate="no">`+login+`</span>`) {
		t.Errorf("the page shows %s as a bare login", login)
	}
}

func TestOperatorFindings(t *testing.T) {
	names := map[string]string{"sh.specialist": "刘洋", "admin": "系统管理员"}
	for _, c := range []struct {
		page, lang string
		refs, bad  int
	}{
		{`<td><span translate="no">刘洋</span> <small class="muted"><span translate="no">sh.specialist</span></small></td>`, "zh-CN", 1, 0},
		{`<td><a href="/staff/6"><span translate="no">刘洋</span></a> <small class="muted">sh.specialist</small></td>`, "en", 1, 0},
		{`<td><span translate="no">sh.specialist</span></td>`, "zh-CN", 0, 1},
		{`<td><span translate="no">王芳</span> <small class="muted">sh.specialist</small></td>`, "zh-CN", 0, 1},
		{`<td>刘洋 <small>sh.specialist</small></td>`, "zh-CN", 0, 1},
		{`<p>登录 sh.specialist。</p>`, "zh-CN", 0, 1},
		{`<td>demo system</td>`, "zh-CN", 0, 1},
		{`<td><span translate="no">sh.specialist</span> import</td>`, "en", 0, 2},
		{`<td>申请人 member:331</td>`, "zh-CN", 0, 1},
		{`<p>Calls in the system</p>`, "en", 0, 0},
		{`<p>Resolve these import conflicts</p>`, "en", 0, 0},
		{`<td>cli:admin import</td>`, "zh-CN", 0, 2},
		{`<p>Only an admin may do this</p>`, "en", 0, 0},
		{`<p><span translate="no">admin</span></p>`, "en", 0, 1},
		{`<h1>系统管理员 <code>admin</code></h1>`, "zh-CN", 0, 0},
		{`<textarea>sh.specialist</textarea><input value="sh.specialist">`, "zh-CN", 0, 0},
	} {
		page := c.page
		if strings.HasPrefix(page, "<td>") {
			page = "<table><tr>" + page + "</tr></table>"
		}
		refs, bad := operatorFindings(page, c.lang, names)
		if refs != c.refs || len(bad) != c.bad {
			t.Errorf("%s (%s): %d refs, findings %q; want %d refs, %d findings", c.page, c.lang, refs, bad, c.refs, c.bad)
		}
	}
}
