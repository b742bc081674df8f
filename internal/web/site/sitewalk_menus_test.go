package site

import (
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func init() {
	siteChecks = append(siteChecks, siteCheck{"menus", checkMenus})
}

// roleMenus are the pages each demo account's duties need in its menu
// (DOMAIN.md, "Staff roles"); the link check makes sure that every entry
// it sees opens.
var roleMenus = map[string][]string{
	"admin":         {"/org", "/staff", "/settings", "/schedule"},
	"supervisor":    {"/members", "/members/review", "/points/adjustments", "/redeem/orders", "/tiers", "/requests", "/leads", "/audit", "/activities"},
	"specialist":    {"/members", "/points/plans", "/tiers", "/activities"},
	"auditor":       {"/members", "/requests", "/leads", "/audit", "/staff", "/activities"},
	"sh.supervisor": {"/members", "/members/review", "/redeem/orders", "/cards", "/requests", "/audit", "/activities"},
	"sh.specialist": {"/members", "/cards", "/redeem/orders", "/points/plans", "/activities"},
	"hz.specialist": {"/members", "/cards", "/redeem/orders", "/activities"},
	"sh.relations":  {"/requests", "/members"},
	"sh.merchant":   {"/cards/verify"},
	"pd.manager":    {"/leads", "/leads/manage", "/leads/reports"},
	"pd.consultant": {"/leads", "/leads/new"},
	"pd.admin":      {"/leads", "/leads/reconcile"},
	"pd.property":   {"/requests", "/members"},
}

// roleHome is what each account's home page must show first: the work
// waiting for it (待办), the card check, or the service's state.
var roleHome = map[string]string{
	"admin":         `id="system-status"`,
	"supervisor":    `id="todo-redeem.approve"`,
	"sh.supervisor": `id="todo-members.review"`,
	"sh.specialist": `id="todo-redeem.fulfil"`,
	"sh.relations":  `id="todo-requests.open"`,
	"sh.merchant":   `id="card-check"`,
	"pd.manager":    `id="todo-leads.unassigned"`,
	"pd.consultant": `id="todo-leads.overdue"`,
	"pd.admin":      `id="todo-leads.reconcile"`,
	"pd.property":   `id="todo-requests.open"`,
}

// checkMenus: every account's menu holds the pages of its duties, and its
// home page the work waiting for it (item 13 of issue 12).
func checkMenus(t *testing.T, s *demoSite) {
	for _, w := range s.Walkers {
		if w.Portal {
			continue
		}
		want, ok := roleMenus[w.Login]
		if !ok {
			t.Errorf("%s: no expected menu in roleMenus", w.Login)
			continue
		}
		for lang, pages := range w.Pages {
			home := pages[0]
			if home.Path != "/" || !home.HTML {
				t.Fatalf("%s: the walk did not start at the home page (%s)", w.Login, home.Path)
			}
			menu := navLinks(home.Body)
			for _, path := range want {
				if !slices.Contains(menu, path) {
					t.Errorf("%s (%s): the menu %v has no %s", w.Login, lang, menu, path)
				}
			}
			if mark := roleHome[w.Login]; mark != "" && !strings.Contains(home.Body, mark) {
				t.Errorf("%s (%s): the home page does not show %s", w.Login, lang, mark)
			}
		}
	}
}

// navLinks lists the links of the page's main menu (<nav id="nav">).
func navLinks(page string) []string {
	doc, err := html.Parse(strings.NewReader(page))
	if err != nil {
		return nil
	}
	var links []string
	var visit func(n *html.Node, inNav bool)
	visit = func(n *html.Node, inNav bool) {
		if n.Type == html.ElementNode {
			if n.Data == "nav" && htmlAttr(n, "id") == "nav" {
				inNav = true
			}
			if inNav && n.Data == "a" {
				links = append(links, htmlAttr(n, "href"))
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c, inNav)
		}
	}
	visit(doc, false)
	return links
}

func htmlAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}
