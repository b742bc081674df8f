package site

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/net/html"
)

// The words on the walked pages (issue 12, items 1 and 2): English pages
// are English, Chinese pages Chinese, and no page shows a stored code.
// Text that people typed (names, notes, org nodes, item names …) is what it
// is in either language: the templates mark it with translate="no" (the
// "typed" template function), and these checks skip marked elements.

func init() {
	siteChecks = append(siteChecks,
		siteCheck{"english", checkEnglish},
		siteCheck{"chinese", checkChinese},
		siteCheck{"codes", checkCodes},
	)
}

// pageText is one piece of visible text of a page outside typed data.
type pageText struct {
	Where string // the element (and attribute) holding it
	Text  string
}

// visibleText lists a page's visible text outside typed data: text nodes
// (options included) and the attributes a reader sees (title, placeholder,
// aria-label, alt, and the value of buttons). Elements in another
// language than the page's say so with their lang attribute and are left
// out too. The document's <title> cannot hold markup: the typed texts of
// the page are taken out of it (a member's page is titled by the name).
func visibleText(page string) []pageText {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil
	}
	pageLang := ""
	var typedTexts []string
	var collect func(n *html.Node)
	collect = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "html" {
			pageLang = attr(n, "lang")
		}
		if n.Type == html.ElementNode && typedElement(n) {
			if t := strings.TrimSpace(textOf(n)); t != "" {
				typedTexts = append(typedTexts, t)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			collect(c)
		}
	}
	collect(doc)
	sort.Slice(typedTexts, func(i, j int) bool { return len(typedTexts[i]) > len(typedTexts[j]) })
	var out []pageText
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "style":
				return
			case "head":
				for c := n.FirstChild; c != nil; c = c.NextSibling {
					if c.Type == html.ElementNode && c.Data == "title" && c.FirstChild != nil {
						title := c.FirstChild.Data
						for _, t := range typedTexts {
							title = strings.ReplaceAll(title, t, "")
						}
						out = append(out, pageText{"title", title})
					}
				}
				return
			}
			if typedElement(n) {
				return
			}
			if l := attr(n, "lang"); l != "" && l != pageLang {
				return
			}
			button := n.Data == "input" && (attr(n, "type") == "submit" || attr(n, "type") == "button")
			for _, a := range n.Attr {
				if a.Key == "title" || a.Key == "placeholder" || a.Key == "aria-label" || a.Key == "alt" || (button && a.Key == "value") {
					out = append(out, pageText{n.Data + "@" + a.Key, a.Val})
				}
			}
		}
		if n.Type == html.TextNode && strings.TrimSpace(n.Data) != "" {
			where := "text"
			if n.Parent != nil {
				where = n.Parent.Data
			}
			out = append(out, pageText{where, strings.TrimSpace(n.Data)})
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(doc)
	return out
}

// typedElement reports whether an element holds typed data.
func typedElement(n *html.Node) bool { return attr(n, "translate") == "no" }

// textOf is the text an element holds.
func textOf(n *html.Node) string {
	if n.Type == html.TextNode {
		return n.Data
	}
	var b strings.Builder
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		b.WriteString(textOf(c))
	}
	return b.String()
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// wordFinding collects one kind of finding across pages, reporting each
// distinct text once with the pages that show it.
type wordFinding map[string][]string

func (f wordFinding) add(text, where string) { f[text] = append(f[text], where) }

func (f wordFinding) report(t *testing.T, what string) {
	t.Helper()
	keys := make([]string, 0, len(f))
	for k := range f {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		where := f[k]
		more := ""
		if len(where) > 3 {
			more = fmt.Sprintf(" and %d more", len(where)-3)
			where = where[:3]
		}
		t.Errorf("%s %q on %s%s", what, k, strings.Join(where, ", "), more)
	}
}

// forEachText calls fn with every visible text of every walked page in
// lang, except the audit log's pages (issue 12 gives those to another
// change).
func forEachText(s *demoSite, lang string, fn func(w *walker, p walkedPage, x pageText)) {
	for _, w := range s.Walkers {
		for _, p := range w.Pages[lang] {
			if !p.HTML || strings.HasPrefix(p.Path, "/audit") {
				continue
			}
			for _, x := range visibleText(p.Body) {
				fn(w, p, x)
			}
		}
	}
}

func hasCJK(s string) bool {
	for _, r := range s {
		if unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
			(r >= 0x3000 && r <= 0x303f) || (r >= 0xff01 && r <= 0xff5e) {
			return true
		}
	}
	return false
}

// checkEnglish: no Chinese on an English page outside typed data.
func checkEnglish(t *testing.T, s *demoSite) {
	found := wordFinding{}
	forEachText(s, "en", func(w *walker, p walkedPage, x pageText) {
		if hasCJK(x.Text) {
			found.add(x.Text, fmt.Sprintf("%s %s <%s>", w.Login, p.Path, x.Where))
		}
	})
	found.report(t, "Chinese on an English page:")
}

// englishWord is a run of Latin letters.
var englishWord = regexp.MustCompile(`[A-Za-z]+`)

// latinAllowed are the Latin words a Chinese page may show: names of
// things Chinese staff call by their English name, units, and the letters
// of lead intent levels (A, B, C).
var latinAllowed = map[string]bool{
	"API": true, "Excel": true, "ID": true, "SMS": true, "QR": true, "CSV": true, "csv": true, "xlsx": true,
	"EDM": true, "VIP": true, "PDF": true, "URL": true, "WeChat": true, "Email": true, "email": true,
	"KB": true, "MB": true, "KiB": true, "MiB": true, "GB": true, "px": true,
	"OpenAPI": true, "JSON": true, "Prometheus": true, "estateclub": true, "EstateClub": true,
	"AM": true, "PM": true,
	"zs": true, // the member search's example of pinyin initials (张三)
}

// checkChinese: no English system words on a Chinese page outside typed
// data. A Latin word is English unless it is a single letter (intent
// levels A/B/C, units), in latinAllowed, part of a number or code the
// page shows as data (an e-mail address, a card number).
func checkChinese(t *testing.T, s *demoSite) {
	found := wordFinding{}
	forEachText(s, "zh-CN", func(w *walker, p walkedPage, x pageText) {
		for _, tok := range strings.Fields(x.Text) {
			if strings.ContainsAny(tok, "@/") || strings.ContainsAny(tok, "0123456789") {
				continue // an address, a path, a number or a code with digits
			}
			for _, word := range englishWord.FindAllString(tok, -1) {
				if len(word) > 1 && !latinAllowed[word] {
					found.add(x.Text, fmt.Sprintf("%s %s <%s>", w.Login, p.Path, x.Where))
					return
				}
			}
		}
	})
	found.report(t, "English on a Chinese page:")
}

// Raw codes: dotted identifiers (member.enrol), key:id pairs (member:331),
// a status arrow to a code (→ c), and bare snake-case or lowercase enum
// codes as a whole text (outbox, registered, no_intent).
var (
	dottedCode = regexp.MustCompile(`\b[a-z][a-z_]+\.[a-z][a-z_.]+\b`)
	keyIDCode  = regexp.MustCompile(`\b[a-z][a-z_]*:\d+\b`)
	arrowCode  = regexp.MustCompile(`→\s*[a-z][a-z_]*\s*(·|$)`)
	snakeCode  = regexp.MustCompile(`\b[a-z]+_[a-z_]+\b`)
	bareCode   = regexp.MustCompile(`^[a-z]+$`)
)

// bareWordsAllowed are whole texts in lowercase that are English words of
// a sentence, not codes.
var bareWordsAllowed = map[string]bool{"or": true, "and": true, "of": true, "to": true, "by": true, "in": true, "at": true, "csv": true, "xlsx": true}

// checkCodes: no raw codes on any page in either language. A bare
// lowercase word on an English page is a code when the Chinese page shows
// the same word (a label would have been translated: "unlimited" is 不限).
func checkCodes(t *testing.T, s *demoSite) {
	for _, lang := range []string{"zh-CN", "en"} {
		found := wordFinding{}
		for _, w := range s.Walkers {
			for i, p := range w.Pages[lang] {
				if !p.HTML || strings.HasPrefix(p.Path, "/audit") {
					continue
				}
				inChinese := map[string]bool{}
				if zh := w.Pages["zh-CN"]; lang == "en" && i < len(zh) && zh[i].Path == p.Path {
					for _, x := range visibleText(zh[i].Body) {
						inChinese[x.Text] = true
					}
				}
				for _, x := range visibleText(p.Body) {
					where := fmt.Sprintf("%s %s <%s>", w.Login, p.Path, x.Where)
					code := false
					for _, re := range []*regexp.Regexp{dottedCode, keyIDCode, arrowCode, snakeCode} {
						code = code || re.MatchString(x.Text)
					}
					if bareCode.MatchString(x.Text) && !bareWordsAllowed[x.Text] && (lang == "zh-CN" || inChinese[x.Text]) {
						code = true
					}
					if code {
						found.add(x.Text, where)
					}
				}
			}
		}
		found.report(t, "a raw code on a "+lang+" page:")
	}
}
