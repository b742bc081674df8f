package site

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/member"
	"estateclub/internal/web"
)

// The members of these tests. 张三 (SH-PD) and 赵四 (HZ-XH) share the
// pinyin initials "zs" and the last four digits of their mobiles, so a
// search that leaked across cities would show.
const (
	zhangMobile = "13812345678" // 张三
	zhangMasked = "138****5678"
	zhaoMobile  = "13912345678" // 赵四, HZ-XH
	liMobile    = "13700001111" // 李四
	validID     = "11010519491231002X"
	validIDMask = "110***********002X"
	badCheckID  = "110105194912310021" // validID with a wrong check digit
)

// --- helpers ---

// mustSeeOther checks that a form was accepted: a 303 to a location
// starting with prefix, which it returns.
func mustSeeOther(t *testing.T, res *http.Response, prefix string) string {
	t.Helper()
	body := readBody(res)
	loc := res.Header.Get("Location")
	if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, prefix) {
		t.Fatalf("%s %s: status %d → %q, want 303 to %s…\n%.800s", res.Request.Method, res.Request.URL.Path,
			res.StatusCode, loc, prefix, body)
	}
	return loc
}

var memberLocation = regexp.MustCompile(`^/members/([0-9]+)\?flash=([a-z_.]+)$`)

// mustEnrolForm submits the console's enrolment form and returns the id of
// the member the answer leads to and the flash message id it carries.
func mustEnrolForm(t *testing.T, c *client, form url.Values) (id int64, loc, flash string) {
	t.Helper()
	loc = mustSeeOther(t, c.postForm("/members", form), "/members/")
	m := memberLocation.FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("enrolment redirected to %q, want /members/{id}?flash=…", loc)
	}
	id, _ = strconv.ParseInt(m[1], 10, 64)
	return id, loc, m[2]
}

// mustFlash opens loc and checks the page shows the flash message want.
func mustFlash(t *testing.T, c *client, loc, want string) string {
	t.Helper()
	body := mustStatus(t, c.get(loc), http.StatusOK)
	if !strings.Contains(body, `<p class="flash" role="status">`+html.EscapeString(want)+`</p>`) {
		t.Errorf("%s does not show the flash %q:\n%.1500s", loc, want, body)
	}
	return body
}

type enrolAnswer struct {
	Outcome member.Outcome `json:"outcome"`
	Member  member.Member  `json:"member"`
}

// mustApply submits an application through the API as a new member.
func mustApply(t *testing.T, c *client, a member.Application) member.Member {
	t.Helper()
	got := mustJSON[enrolAnswer](t, c.json(http.MethodPost, "/api/v1/members", a, nil), http.StatusCreated)
	if got.Outcome != member.Created || got.Member.Status != member.Pending {
		t.Fatalf("application %s: outcome %q, status %q; want a new member awaiting review", a.Name, got.Outcome, got.Member.Status)
	}
	return got.Member
}

// mustApproveAPI approves an application through the API.
func mustApproveAPI(t *testing.T, c *client, id int64) member.Member {
	t.Helper()
	m := mustJSON[member.Member](t, c.json(http.MethodPost, memberAPIPath(id)+"/review", map[string]any{"approve": true}, nil), http.StatusOK)
	if m.Status != member.Active {
		t.Fatalf("approved member %d is %q", id, m.Status)
	}
	return m
}

func memberPath(id int64) string { return "/members/" + strconv.FormatInt(id, 10) }

func memberAPIPath(id int64) string { return "/api/v1/members/" + strconv.FormatInt(id, 10) }

func mustMember(t *testing.T, c *client, id int64) member.Member {
	t.Helper()
	return mustJSON[member.Member](t, c.get(memberAPIPath(id)), http.StatusOK)
}

func mustSearch(t *testing.T, c *client, q string) web.List[member.Member] {
	t.Helper()
	return mustJSON[web.List[member.Member]](t, c.get("/api/v1/members?q="+url.QueryEscape(q)), http.StatusOK)
}

func memberNames(list []member.Member) []string {
	var names []string
	for _, m := range list {
		names = append(names, m.Name)
	}
	return names
}

var formErrorRe = regexp.MustCompile(`<p class="error" role="alert" id="form-error">([^<]*)</p>`)

// formErrorText is the error a console page shows above its content.
func formErrorText(body string) string {
	m := formErrorRe.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return html.UnescapeString(m[1])
}

// inputValue is the value of the first input named name on a page.
func inputValue(body, name string) (string, bool) {
	m := regexp.MustCompile(`<input name="` + regexp.QuoteMeta(name) + `"[^>]*?value="([^"]*)"`).FindStringSubmatch(body)
	if m == nil {
		return "", false
	}
	return html.UnescapeString(m[1]), true
}

var (
	rowRe  = regexp.MustCompile(`(?s)<tr[^>]*>(.*?)</tr>`)
	cellRe = regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`)
	tagRe  = regexp.MustCompile(`<[^>]+>`)
)

// tableRows returns the text of the body cells of the table with id, one
// slice per row.
func tableRows(t *testing.T, body, id string) [][]string {
	t.Helper()
	table := tableHTML(t, body, id)
	var rows [][]string
	for _, r := range rowRe.FindAllStringSubmatch(table, -1) {
		var cells []string
		for _, c := range cellRe.FindAllStringSubmatch(r[1], -1) {
			text := html.UnescapeString(tagRe.ReplaceAllString(c[1], " "))
			cells = append(cells, strings.Join(strings.Fields(text), " "))
		}
		if cells != nil {
			rows = append(rows, cells)
		}
	}
	return rows
}

// tableHTML is the table with id on a page.
func tableHTML(t *testing.T, body, id string) string {
	t.Helper()
	start := strings.Index(body, `<table class="list" id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no table %q on the page:\n%s", id, body)
	}
	table := body[start:]
	return table[:strings.Index(table, "</table>")]
}

var memberLink = regexp.MustCompile(`href="/members/([0-9]+)"`)

// linkedMembers lists the ids of the members a console page links to.
func linkedMembers(body string) []int64 {
	var ids []int64
	for _, m := range memberLink.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

// mustRevealEntries lists every member.reveal entry of the audit log,
// whoever may read it.
func mustRevealEntries(t *testing.T, e *testEnv) []audit.Entry {
	t.Helper()
	list, _, err := audit.List(context.Background(), e.d, audit.Filter{Action: "member.reveal", Unscoped: true, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return list
}

// mustEnglish switches a console user's language to English.
func mustEnglish(t *testing.T, c *client) {
	t.Helper()
	mustSeeOther(t, c.postForm("/account/locale", url.Values{"lang": {"en"}, "next": {"/members/new"}}), "/members/new")
	if page := mustStatus(t, c.get("/members/new"), http.StatusOK); !strings.Contains(page, `<html lang="en">`) {
		t.Fatalf("the enrolment page is not in English after switching:\n%.400s", page)
	}
}

// --- 1. enrolment ---

func TestMemberEnrolment(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		specStaff := e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		e.mustStaff(t, "sh-spec-en", auth.CitySpecialist, "SH")
		spec, specAPI := e.mustLogin(t, "sh-spec"), e.mustToken(t, "sh-spec")
		en := e.mustLogin(t, "sh-spec-en")
		mustEnglish(t, en)

		// The form offers the city company and its projects, nothing of HZ.
		page := mustStatus(t, spec.get("/members/new"), http.StatusOK)
		if !strings.Contains(page, `<option value="SH"`) || !strings.Contains(page, `<option value="SH-PD"`) ||
			strings.Contains(page, `value="HZ`) {
			t.Errorf("the enrolment form offers the wrong places:\n%s", page)
		}

		form := url.Values{"kind": {"application"}, "org": {"SH-PD"}, "channel": {"sales_site"}, "name": {"张三"},
			"mobile": {zhangMobile}, "occupation": {"教师"}, "consent_sms": {"on"}}
		id, loc, flash := mustEnrolForm(t, spec, form)
		if flash != "flash.member_created" {
			t.Errorf("new member: flash %q, want flash.member_created", flash)
		}
		mustFlash(t, spec, loc, "会员已登记")
		m := mustMember(t, specAPI, id)
		if m.Status != member.Pending || m.Name != "张三" || m.NodeCode != "SH-PD" || m.Occupation != "教师" ||
			!m.Consent.SMS || m.RecruiterID == nil || *m.RecruiterID != specStaff.ID {
			t.Errorf("new member: %+v", m)
		}

		t.Run("same mobile merges", func(t *testing.T) {
			for _, mobile := range []string{"+86 138 1234 5678", "138 1234 5678", "１３８１２３４５６７８", "＋８６ １３８ １２３４ ５６７８"} {
				t.Run(mobile, func(t *testing.T) {
					c := spec.in(t)
					again := url.Values{"kind": {"application"}, "org": {"SH-PD"}, "channel": {"sales_site"}, "name": {"张三"}, "mobile": {mobile}}
					got, loc, flash := mustEnrolForm(t, c, again)
					if got != id || flash != "flash.member_merged" {
						t.Errorf("%q: member %d with %s, want member %d with flash.member_merged", mobile, got, flash, id)
					}
					mustFlash(t, c, loc, "该手机号已是会员，资料已合并到原会员")
				})
			}
			for _, q := range []string{zhangMobile, "+86 138 1234 5678", "5678"} {
				if l := mustSearch(t, specAPI.in(t), q); l.Total != 1 || len(l.Items) != 1 || l.Items[0].ID != id {
					t.Errorf("q=%s finds %v (total %d), want only member %d", q, memberNames(l.Items), l.Total, id)
				}
			}
			if l := mustJSON[web.List[member.Member]](t, specAPI.in(t).get("/api/v1/members"), http.StatusOK); l.Total != 1 {
				t.Errorf("%d members after merging, want 1: %v", l.Total, memberNames(l.Items))
			}
		})

		t.Run("default member with only a mobile", func(t *testing.T) {
			c := spec.in(t)
			id2, loc, flash := mustEnrolForm(t, c, url.Values{"kind": {"default"}, "org": {"SH"}, "mobile": {"150 0000 2222"}})
			if flash != "flash.member_created" || id2 == id {
				t.Errorf("default member: id %d, flash %q", id2, flash)
			}
			mustFlash(t, c, loc, "会员已登记")
			d := mustMember(t, specAPI.in(t), id2)
			if d.Status != member.Default || d.Name != "" || d.Mobile != "150****2222" || d.NodeCode != "SH" {
				t.Errorf("default member: %+v", d)
			}
			// The same caller again is the same default member.
			if got, _, flash := mustEnrolForm(t, c, url.Values{"kind": {"default"}, "org": {"SH"}, "mobile": {"15000002222"}}); got != id2 || flash != "flash.member_merged" {
				t.Errorf("default member again: member %d with %s, want %d merged", got, flash, id2)
			}
		})

		t.Run("bad input", func(t *testing.T) {
			before := mustJSON[web.List[member.Member]](t, specAPI.in(t).get("/api/v1/members"), http.StatusOK).Total
			for _, tc := range []struct {
				name, field, value string
				zh, en             string
			}{
				{"short mobile", "mobile", "12345", "手机号码应为 11 位", "a mobile number has 11 digits"},
				{"ID check digit", "id_number", badCheckID, "身份证号校验位不正确，请核对号码", "the ID number's check digit is wrong; please check the number"},
				{"no such day", "birthday", "1985-02-30", "日期不存在：1985 年 2 月只有 28 天", "1985-02-30 is not a real date: February 1985 has 28 days"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					for _, who := range []struct {
						c    *client
						want string
					}{{spec.in(t), tc.zh}, {en.in(t), tc.en}} {
						form := url.Values{"kind": {"application"}, "org": {"SH-PD"}, "channel": {"purchase"}, "name": {"王小明"},
							"mobile": {"18600003333"}, "occupation": {"医生"}, "consent_sms": {"on"}}
						form.Set(tc.field, tc.value)
						body := mustStatus(t, who.c.postForm("/members", form), http.StatusBadRequest)
						if got := formErrorText(body); got != who.want {
							t.Errorf("error %q, want %q", got, who.want)
						}
						for _, f := range []string{"name", "mobile", "occupation", tc.field} {
							if v, ok := inputValue(body, f); !ok || v != form.Get(f) {
								t.Errorf("the form lost %s: %q, typed %q", f, v, form.Get(f))
							}
						}
						if !strings.Contains(body, `<option value="SH-PD" selected>`) || !strings.Contains(body, `<option value="purchase" selected>`) ||
							!strings.Contains(body, `name="consent_sms" checked`) {
							t.Errorf("the form lost the chosen place, channel or consent:\n%s", body)
						}
					}
					if l := mustSearch(t, specAPI.in(t), "18600003333"); l.Total != 0 {
						t.Errorf("a refused form saved %v", memberNames(l.Items))
					}
				})
			}
			if after := mustJSON[web.List[member.Member]](t, specAPI.in(t).get("/api/v1/members"), http.StatusOK).Total; after != before {
				t.Errorf("%d members after refused forms, want %d", after, before)
			}
		})
	})
}

// --- 2. search and scope ---

func TestMemberSearchAndScope(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		e.mustStaff(t, "hz-spec", auth.CitySpecialist, "HZ")
		spec, specAPI, hzAPI := e.mustLogin(t, "sh-spec"), e.mustToken(t, "sh-spec"), e.mustToken(t, "hz-spec")
		zhang := mustApply(t, specAPI, member.Application{NodeCode: "SH-PD", Name: "张三", Mobile: zhangMobile})
		li := mustApply(t, specAPI, member.Application{NodeCode: "SH", Name: "李四", Mobile: liMobile})
		zhao := mustApply(t, hzAPI, member.Application{NodeCode: "HZ-XH", Name: "赵四", Mobile: zhaoMobile})

		for _, tc := range []struct {
			q    string
			want []member.Member
		}{
			{"zs", []member.Member{zhang}},
			{"ZS", []member.Member{zhang}},
			{"zhangsan", []member.Member{zhang}},
			{"张", []member.Member{zhang}},
			{"5678", []member.Member{zhang}},
			{zhangMobile, []member.Member{zhang}},
			{"138-1234-5678", []member.Member{zhang}},
			{"四", []member.Member{li}},
			{"", []member.Member{li, zhang}}, // newest first
			{zhaoMobile, nil},
			{"赵四", nil},
			{"zhaosi", nil},
		} {
			t.Run("q="+tc.q, func(t *testing.T) {
				want := memberNames(tc.want)
				list := mustSearch(t, specAPI.in(t), tc.q)
				if got := memberNames(list.Items); !slices.Equal(got, want) || list.Total != len(want) {
					t.Errorf("API finds %v (total %d), want %v", got, list.Total, want)
				}
				page := mustStatus(t, spec.in(t).get("/members?q="+url.QueryEscape(tc.q)), http.StatusOK)
				var wantIDs []int64
				for _, m := range tc.want {
					wantIDs = append(wantIDs, m.ID)
				}
				if got := linkedMembers(page); !slices.Equal(got, wantIDs) {
					t.Errorf("console lists members %v, want %v", got, wantIDs)
				}
				// (The search box echoes the query; the table must not show 赵四.)
				if table := tableHTML(t, page, "member-table"); strings.Contains(table, "赵四") || strings.Contains(table, "云栖里") {
					t.Errorf("console search shows the HZ-XH member:\n%s", table)
				}
			})
		}
		// The HZ specialist, for contrast, finds 赵四 by the same initials.
		if got := memberNames(mustSearch(t, hzAPI, "zs").Items); !slices.Equal(got, []string{"赵四"}) {
			t.Errorf("HZ specialist searching zs finds %v, want 赵四", got)
		}

		t.Run("the HZ-XH member does not exist for SH", func(t *testing.T) {
			c, api := spec.in(t), specAPI.in(t)
			mustStatus(t, c.get(memberPath(zhao.ID)), http.StatusNotFound)
			mustAPIError(t, api.get(memberAPIPath(zhao.ID)), http.StatusNotFound, apperr.NotFound)
			mustAPIError(t, api.get(memberAPIPath(zhao.ID)+"/history"), http.StatusNotFound, apperr.NotFound)
			change := map[string]any{"occupation": "被改"}
			mustAPIError(t, api.json(http.MethodPatch, memberAPIPath(zhao.ID), change, nil), http.StatusNotFound, apperr.NotFound)
			mustAPIError(t, c.json(http.MethodPatch, memberAPIPath(zhao.ID), change, nil), http.StatusNotFound, apperr.NotFound)
			mustStatus(t, c.postForm(memberPath(zhao.ID), url.Values{"occupation": {"被改"}}), http.StatusNotFound)
			if m := mustMember(t, hzAPI.in(t), zhao.ID); m.Occupation != "" {
				t.Errorf("the HZ-XH member was changed: %+v", m)
			}
		})

		t.Run("enrolling the HZ-XH member's mobile from SH", func(t *testing.T) {
			c, api := spec.in(t), specAPI.in(t)
			const msg = "该手机号已是其他城市公司的会员，请联系其所属城市公司办理"
			for _, kind := range []string{"application", "default"} {
				form := url.Values{"kind": {kind}, "org": {"SH-PD"}, "name": {"冒名"}, "mobile": {"+86 139 1234 5678"}, "occupation": {"无业"}}
				body := mustStatus(t, c.postForm("/members", form), http.StatusConflict)
				if got := formErrorText(body); got != msg {
					t.Errorf("%s: error %q, want %q", kind, got, msg)
				}
				if strings.Contains(body, "赵四") || strings.Contains(body, memberPath(zhao.ID)) {
					t.Errorf("%s: the refusal shows the HZ-XH member", kind)
				}
			}
			b := mustAPIError(t, api.json(http.MethodPost, "/api/v1/members", member.Application{NodeCode: "SH", Name: "冒名", Mobile: zhaoMobile}, nil),
				http.StatusConflict, apperr.Conflict)
			if b.Error.Field != "mobile" {
				t.Errorf("API: %+v", b.Error)
			}
			mustAPIError(t, api.json(http.MethodPost, "/api/v1/members/enrol", member.Application{NodeCode: "SH", Mobile: zhaoMobile}, nil),
				http.StatusConflict, apperr.Conflict)
			if m := mustMember(t, hzAPI.in(t), zhao.ID); m.Name != "赵四" || m.Occupation != "" || m.Status != member.Pending || m.NodeCode != "HZ-XH" {
				t.Errorf("SH changed the HZ-XH member: %+v", m)
			}
			if l := mustJSON[web.List[member.Member]](t, api.get("/api/v1/members"), http.StatusOK); l.Total != 2 {
				t.Errorf("SH has %d members, want 2: %v", l.Total, memberNames(l.Items))
			}
		})

		t.Run("org filter", func(t *testing.T) {
			c, api := spec.in(t), specAPI.in(t)
			for _, code := range []string{"HZ-XH", "HZ", "EAST", "NOPE"} {
				b := mustAPIError(t, api.get("/api/v1/members?org="+code), http.StatusBadRequest, apperr.Invalid)
				if b.Error.Field != "org" {
					t.Errorf("org=%s: error on field %q, want org", code, b.Error.Field)
				}
				page := mustStatus(t, c.get("/members?org="+code), http.StatusBadRequest)
				if msg := formErrorText(page); !strings.Contains(msg, code) || strings.Contains(page, "赵四") {
					t.Errorf("console org=%s: error %q; page:\n%s", code, msg, page)
				}
			}
			if got := memberNames(mustJSON[web.List[member.Member]](t, api.get("/api/v1/members?org=SH-PD"), http.StatusOK).Items); !slices.Equal(got, []string{"张三"}) {
				t.Errorf("org=SH-PD finds %v, want 张三", got)
			}
			if got := linkedMembers(mustStatus(t, c.get("/members?org=SH"), http.StatusOK)); !slices.Equal(got, []int64{li.ID, zhang.ID}) {
				t.Errorf("console org=SH lists %v, want 李四 and 张三", got)
			}
		})
	})
}

// --- 3. personal data ---

func TestMemberPersonalData(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		e.mustStaff(t, "sh-sup", auth.CitySupervisor, "SH")
		e.mustStaff(t, "hz-spec", auth.CitySpecialist, "HZ")
		spec, specAPI := e.mustLogin(t, "sh-spec"), e.mustToken(t, "sh-spec")
		sup, supAPI := e.mustLogin(t, "sh-sup"), e.mustToken(t, "sh-sup")
		const address = "上海市浦东新区滨江大道 100 号 2 栋 301"
		zhang := mustApply(t, specAPI, member.Application{NodeCode: "SH-PD", Name: "张三", Mobile: zhangMobile,
			IDNumber: validID, Address: address})
		zhao := mustApply(t, e.mustToken(t, "hz-spec"), member.Application{NodeCode: "HZ-XH", Name: "赵四", Mobile: zhaoMobile})
		secrets := []string{zhangMobile, validID, "滨江大道 100 号"}
		// The ID number gives the birthday and gender.
		if m := mustMember(t, specAPI, zhang.ID); m.Birthday.String() != "1949-12-31" || m.Gender != "female" {
			t.Errorf("birthday %s, gender %q from the ID number", m.Birthday, m.Gender)
		}

		t.Run("masked everywhere", func(t *testing.T) {
			for _, tc := range []struct {
				name   string
				c      *client
				path   string
				masked []string // what must show, masked
				table  string   // only this table, where the page echoes the query typed
			}{
				{"console list", spec, "/members", []string{zhangMasked}, ""},
				{"console search", spec, "/members?q=" + zhangMobile, []string{zhangMasked}, "member-table"},
				{"console page", spec, memberPath(zhang.ID), []string{zhangMasked, validIDMask}, ""},
				{"console page, supervisor", sup, memberPath(zhang.ID), []string{zhangMasked, validIDMask}, ""},
				{"review queue", sup, "/members/review", []string{zhangMasked}, ""},
				{"API list", specAPI, "/api/v1/members", []string{zhangMasked}, ""},
				{"API search by ID number", specAPI, "/api/v1/members?q=" + validID, []string{zhangMasked}, ""},
				{"API member", specAPI, memberAPIPath(zhang.ID), []string{zhangMasked, validIDMask}, ""},
				{"API member, supervisor", supAPI, memberAPIPath(zhang.ID), []string{zhangMasked, validIDMask}, ""},
				{"API history", specAPI, memberAPIPath(zhang.ID) + "/history", nil, ""},
			} {
				t.Run(tc.name, func(t *testing.T) {
					body := mustStatus(t, tc.c.in(t).get(tc.path), http.StatusOK)
					if tc.table != "" {
						body = tableHTML(t, body, tc.table)
					}
					for _, s := range tc.masked {
						if !strings.Contains(body, s) {
							t.Errorf("%s does not show %s", tc.path, s)
						}
					}
					for _, s := range secrets {
						if strings.Contains(body, s) {
							t.Errorf("%s shows %s in full", tc.path, s)
						}
					}
				})
			}
			if page := mustStatus(t, spec.in(t).get(memberPath(zhang.ID)), http.StatusOK); strings.Contains(page, "/reveal") {
				t.Error("the specialist's member page offers to reveal personal data")
			}
		})

		t.Run("supervisor reveals, audited", func(t *testing.T) {
			page := mustStatus(t, sup.in(t).get(memberPath(zhang.ID)), http.StatusOK)
			if !strings.Contains(page, `<form method="post" action="/members/`+strconv.FormatInt(zhang.ID, 10)+`/reveal"`) {
				t.Errorf("the supervisor's member page has no reveal form:\n%s", page)
			}
			body := mustStatus(t, sup.in(t).postForm(memberPath(zhang.ID)+"/reveal", url.Values{"reason": {"会员来电核实身份"}}), http.StatusOK)
			for _, s := range secrets {
				if !strings.Contains(body, s) {
					t.Errorf("the revealed page does not show %s", s)
				}
			}
			if !strings.Contains(body, "已显示完整信息，此次查看已记入审计日志") {
				t.Error("the revealed page does not say the view is audited")
			}
			entries := mustRevealEntries(t, e)
			if len(entries) != 1 || entries[0].ActorLogin != "sh-sup" || entries[0].ObjectID != strconv.FormatInt(zhang.ID, 10) ||
				!strings.Contains(entries[0].Summary, "会员来电核实身份") {
				t.Fatalf("reveal audit entries: %+v, want one by sh-sup for member %d with the reason", entries, zhang.ID)
			}
			// The supervisor reads it in the audit log too.
			l := mustJSON[web.List[audit.Entry]](t, supAPI.in(t).get("/api/v1/audit?action=member.reveal&actor=sh-sup"), http.StatusOK)
			if l.Total != 1 {
				t.Errorf("the audit API shows %d reveals by sh-sup, want 1", l.Total)
			}

			p := mustJSON[member.PII](t, supAPI.in(t).json(http.MethodPost, memberAPIPath(zhang.ID)+"/reveal", map[string]any{"reason": "回访"}, nil), http.StatusOK)
			if p.Mobile != zhangMobile || p.IDNumber != validID || p.Address != address {
				t.Errorf("API reveal: %+v", p)
			}
			if n := len(mustRevealEntries(t, e)); n != 2 {
				t.Errorf("%d reveal entries after the API reveal, want 2", n)
			}
		})

		t.Run("refused reveals leave no trace", func(t *testing.T) {
			before := len(mustRevealEntries(t, e))
			noPII := func(what string, res *http.Response, want int) {
				t.Helper()
				body := mustStatus(t, res, want)
				for _, s := range secrets {
					if strings.Contains(body, s) {
						t.Errorf("%s shows %s", what, s)
					}
				}
			}
			// No permission: 403.
			noPII("specialist console reveal", spec.in(t).postForm(memberPath(zhang.ID)+"/reveal", url.Values{"reason": {"好奇"}}), http.StatusForbidden)
			noPII("specialist API reveal", specAPI.in(t).json(http.MethodPost, memberAPIPath(zhang.ID)+"/reveal", nil, nil), http.StatusForbidden)
			// Reveal is a deliberate POST: a link or a prefetch cannot reveal.
			res := sup.in(t).get(memberPath(zhang.ID) + "/reveal")
			if allow := res.Header.Get("Allow"); !strings.Contains(allow, http.MethodPost) {
				t.Errorf("GET reveal: Allow %q, want POST", allow)
			}
			noPII("GET reveal", res, http.StatusMethodNotAllowed)
			res = supAPI.in(t).get(memberAPIPath(zhang.ID) + "/reveal")
			if body := readBody(res); res.StatusCode < 400 || strings.Contains(body, zhangMobile) {
				t.Errorf("API GET reveal: status %d: %s", res.StatusCode, body)
			}
			// Out of scope: does not exist.
			noPII("reveal of an HZ-XH member", sup.in(t).postForm(memberPath(zhao.ID)+"/reveal", nil), http.StatusNotFound)
			mustAPIError(t, supAPI.in(t).json(http.MethodPost, memberAPIPath(zhao.ID)+"/reveal", nil, nil), http.StatusNotFound, apperr.NotFound)
			if after := mustRevealEntries(t, e); len(after) != before {
				t.Errorf("refused reveals were audited as reveals: %+v", after)
			}
		})
	})
}

// --- 4. review ---

var reviewBox = regexp.MustCompile(`<input type="checkbox" name="id" value="([0-9]+)"`)

func reviewQueueIDs(body string) []int64 {
	var ids []int64
	for _, m := range reviewBox.FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

var memberNoRe = regexp.MustCompile(`^M[0-9]{8}$`)

func TestMemberReview(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		e.mustStaff(t, "sh-sup", auth.CitySupervisor, "SH")
		e.mustStaff(t, "hz-spec", auth.CitySpecialist, "HZ")
		spec, specAPI := e.mustLogin(t, "sh-spec"), e.mustToken(t, "sh-spec")
		sup, supAPI := e.mustLogin(t, "sh-sup"), e.mustToken(t, "sh-sup")
		hzAPI := e.mustToken(t, "hz-spec")
		zhang := mustApply(t, specAPI, member.Application{NodeCode: "SH-PD", Name: "张三", Mobile: zhangMobile})
		li := mustApply(t, specAPI, member.Application{NodeCode: "SH", Name: "李四", Mobile: liMobile})
		wang := mustApply(t, specAPI, member.Application{NodeCode: "SH-PD", Name: "王五", Mobile: "18600004444"})
		zhao6 := mustApply(t, specAPI, member.Application{NodeCode: "SH", Name: "赵六", Mobile: "18600005555"})
		zhao := mustApply(t, hzAPI, member.Application{NodeCode: "HZ-XH", Name: "赵四", Mobile: zhaoMobile})
		mustJSON[enrolAnswer](t, specAPI.json(http.MethodPost, "/api/v1/members/enrol", member.Application{NodeCode: "SH", Mobile: "15000002222"}, nil), http.StatusCreated)

		queue := mustStatus(t, sup.get("/members/review"), http.StatusOK)
		want := []int64{zhang.ID, li.ID, wang.ID, zhao6.ID}
		slices.Sort(want)
		if got := reviewQueueIDs(queue); !slices.Equal(got, want) || strings.Contains(queue, "赵四") || strings.Contains(queue, "150****2222") {
			t.Errorf("review queue holds %v, want the four SH applications %v only:\n%s", got, want, queue)
		}
		mustStatus(t, spec.get("/members/review"), http.StatusForbidden)

		t.Run("return needs a reason", func(t *testing.T) {
			c := sup.in(t)
			for _, reason := range []string{"", "   "} {
				body := mustStatus(t, c.postForm(memberPath(li.ID)+"/review", url.Values{"decision": {"return"}, "reason": {reason}}), http.StatusBadRequest)
				if got := formErrorText(body); got != "退回须填写原因" || !strings.Contains(body, "李四") {
					t.Errorf("returning without a reason: error %q", got)
				}
			}
			mustAPIError(t, supAPI.in(t).json(http.MethodPost, memberAPIPath(li.ID)+"/review", map[string]any{"approve": false}, nil), http.StatusBadRequest, apperr.Invalid)
			if m := mustMember(t, supAPI.in(t), li.ID); m.Status != member.Pending {
				t.Errorf("李四 is %q after refused returns", m.Status)
			}

			const reason = "缺少身份证复印件，请补交"
			loc := mustSeeOther(t, c.postForm(memberPath(li.ID)+"/review", url.Values{"decision": {"return"}, "reason": {reason}}), memberPath(li.ID))
			page := mustFlash(t, c, loc, "审核结果已保存")
			if !strings.Contains(page, `<p class="error">申请已退回： <span translate="no">`+reason+`</span></p>`) || !strings.Contains(page, "已退回") {
				t.Errorf("the returned member's page does not show the reason:\n%s", page)
			}
			if m := mustMember(t, specAPI.in(t), li.ID); m.Status != member.Returned || m.ReturnReason != reason || m.MemberNo != "" {
				t.Errorf("returned member: %+v", m)
			}
			// The specialist who enrolled sees the reason too.
			if page := mustStatus(t, spec.in(t).get(memberPath(li.ID)), http.StatusOK); !strings.Contains(page, reason) {
				t.Error("the specialist does not see why the application was returned")
			}
		})

		t.Run("approve", func(t *testing.T) {
			c := sup.in(t)
			page := mustStatus(t, c.get(memberPath(zhang.ID)), http.StatusOK)
			if !strings.Contains(page, `id="approve"`) || !strings.Contains(page, `id="return"`) {
				t.Fatalf("the supervisor's page of a pending member has no review form:\n%s", page)
			}
			loc := mustSeeOther(t, c.postForm(memberPath(zhang.ID)+"/review", url.Values{"decision": {"approve"}, "reason": {""}}), memberPath(zhang.ID))
			page = mustFlash(t, c, loc, "审核结果已保存")
			m := mustMember(t, specAPI.in(t), zhang.ID)
			if m.Status != member.Active || m.Tier != "regular" || !memberNoRe.MatchString(m.MemberNo) || m.JoinedAt == nil {
				t.Errorf("approved member: %+v", m)
			}
			// The history says what happened in words, not status codes.
			if rows := tableRows(t, page, "member-history"); !slices.ContainsFunc(rows, func(r []string) bool {
				return len(r) == 5 && r[2] == "状态" && r[3] == "待审核" && r[4] == "正式会员" && strings.HasPrefix(r[1], "测试 sh-sup")
			}) {
				t.Errorf("history misses the approval: %q", rows)
			}
			if !strings.Contains(page, "<dd>"+m.MemberNo+"</dd>") || !strings.Contains(page, `<span class="badge tier-regular">普籍</span>`) ||
				!strings.Contains(page, "正式会员") {
				t.Errorf("the approved member's page does not show number %s and 普籍:\n%s", m.MemberNo, page)
			}
			// Approving twice is refused, the number stays.
			body := mustStatus(t, c.postForm(memberPath(zhang.ID)+"/review", url.Values{"decision": {"approve"}}), http.StatusConflict)
			if got := formErrorText(body); got != "该会员没有待审核的申请" {
				t.Errorf("approving again: error %q", got)
			}
			if again := mustMember(t, specAPI.in(t), zhang.ID); again.MemberNo != m.MemberNo {
				t.Errorf("member number changed from %s to %s", m.MemberNo, again.MemberNo)
			}
		})

		t.Run("batch", func(t *testing.T) {
			c := sup.in(t)
			// A tampered form: an HZ-XH id among the ticked ones, and junk.
			form := url.Values{"id": {strconv.FormatInt(wang.ID, 10), strconv.FormatInt(zhao.ID, 10), strconv.FormatInt(zhao6.ID, 10), "x"}}
			q, confirm := mustConfirm(t, c, form)
			if q != "通过 2 条申请？" {
				t.Errorf("confirmation %q", q)
			}
			if got := jobResult(mustApplyBatch(t, e, c, confirm)); got != "已通过 2 条。1 条未能处理，原因见下表。" {
				t.Errorf("batch result %q", got)
			}
			page := mustStatus(t, c.get("/members/review"), http.StatusOK)
			if ids := reviewQueueIDs(page); len(ids) != 0 || !strings.Contains(page, "没有待审核的申请") {
				t.Errorf("queue after batch approval: %v", ids)
			}
			numbers := map[string]bool{}
			for _, m := range []member.Member{wang, zhao6} {
				got := mustMember(t, specAPI.in(t), m.ID)
				if got.Status != member.Active || got.Tier != "regular" || !memberNoRe.MatchString(got.MemberNo) || numbers[got.MemberNo] {
					t.Errorf("%s after batch approval: %+v", m.Name, got)
				}
				numbers[got.MemberNo] = true
			}
			if got := mustMember(t, hzAPI.in(t), zhao.ID); got.Status != member.Pending || got.MemberNo != "" {
				t.Errorf("the HZ-XH application was approved from SH: %+v", got)
			}
			// Only out-of-scope ids: nothing to approve.
			body := mustStatus(t, c.postForm("/members/review", url.Values{"id": {strconv.FormatInt(zhao.ID, 10)}}), http.StatusBadRequest)
			if got := formErrorText(body); got != "没有符合条件的待审核申请（可能已被他人处理）" {
				t.Errorf("batch of an out-of-scope id: error %q", got)
			}
			mustStatus(t, c.postForm(memberPath(zhao.ID)+"/review", url.Values{"decision": {"approve"}}), http.StatusNotFound)
			if got := mustMember(t, hzAPI.in(t), zhao.ID); got.Status != member.Pending {
				t.Errorf("the HZ-XH application is %q", got.Status)
			}
		})
	})
}

// --- 5. profile edit ---

func TestMemberProfileEdit(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		spec, specAPI := e.mustLogin(t, "sh-spec"), e.mustToken(t, "sh-spec")
		zhang := mustApply(t, specAPI, member.Application{NodeCode: "SH-PD", Name: "张三", Mobile: zhangMobile})
		li := mustApply(t, specAPI, member.Application{NodeCode: "SH", Name: "李四", Mobile: liMobile})
		const newMobile = "13987654321"

		// The edit form as the browser sends it: personal data left empty
		// means unchanged.
		editForm := func(mobile, occupation string) url.Values {
			return url.Values{"name": {"张三"}, "mobile": {mobile}, "id_number": {""}, "address": {""}, "email": {""},
				"wechat": {""}, "occupation": {occupation}, "tags": {""}, "consent_form": {"1"}}
		}
		page := mustStatus(t, spec.get(memberPath(zhang.ID)), http.StatusOK)
		if !strings.Contains(page, `id="member-edit"`) {
			t.Fatalf("the specialist's member page has no edit form:\n%s", page)
		}
		loc := mustSeeOther(t, spec.postForm(memberPath(zhang.ID), editForm("139 8765 4321", "工程师")), memberPath(zhang.ID))
		page = mustFlash(t, spec, loc, "已保存")

		var sawMobile, sawOccupation bool
		for _, row := range tableRows(t, page, "member-history") {
			if len(row) != 5 {
				t.Fatalf("history row %q", row)
			}
			switch row[2] {
			case "手机号":
				sawMobile = row[3] == zhangMasked && row[4] == "139****4321" && strings.HasPrefix(row[1], "测试 sh-spec")
			case "职业":
				sawOccupation = row[3] == "" && row[4] == "工程师" && strings.HasPrefix(row[1], "测试 sh-spec")
			}
		}
		if !sawMobile || !sawOccupation {
			t.Errorf("history misses the mobile (%v) or occupation (%v) change:\n%q", sawMobile, sawOccupation, tableRows(t, page, "member-history"))
		}
		if strings.Contains(page, newMobile) || strings.Contains(page, zhangMobile) {
			t.Error("the member page shows a mobile number in full")
		}
		hist := mustJSON[web.List[member.Change]](t, specAPI.get(memberAPIPath(zhang.ID)+"/history"), http.StatusOK)
		if !slices.ContainsFunc(hist.Items, func(c member.Change) bool {
			return c.Field == "mobile" && c.Old == zhangMasked && c.New == "139****4321" && c.ActorLogin == "sh-spec" && c.Source == "staff"
		}) {
			t.Errorf("API history: %+v", hist.Items)
		}
		if m := mustMember(t, specAPI, zhang.ID); m.Mobile != "139****4321" || m.Occupation != "工程师" {
			t.Errorf("after the edit: %+v", m)
		}
		if l := mustSearch(t, specAPI, newMobile); l.Total != 1 || l.Items[0].ID != zhang.ID {
			t.Errorf("the new mobile finds %v", memberNames(l.Items))
		}
		if l := mustSearch(t, specAPI, zhangMobile); l.Total != 0 {
			t.Errorf("the old mobile still finds %v", memberNames(l.Items))
		}

		t.Run("another member's mobile", func(t *testing.T) {
			c, api := spec.in(t), specAPI.in(t)
			before := len(mustJSON[web.List[member.Change]](t, api.get(memberAPIPath(zhang.ID)+"/history"), http.StatusOK).Items)
			body := mustStatus(t, c.postForm(memberPath(zhang.ID), editForm("137 0000 1111", "工程师")), http.StatusConflict)
			if got := formErrorText(body); got != "该手机号已是另一位会员" {
				t.Errorf("console: error %q", got)
			}
			b := mustAPIError(t, api.json(http.MethodPatch, memberAPIPath(zhang.ID), map[string]any{"mobile": liMobile}, nil), http.StatusConflict, apperr.Conflict)
			if b.Error.Field != "mobile" || b.Error.Message != "该手机号已是另一位会员" {
				t.Errorf("API: %+v", b.Error)
			}
			en := specAPI.in(t)
			en.lang = "en"
			b = mustAPIError(t, en.json(http.MethodPatch, memberAPIPath(zhang.ID), map[string]any{"mobile": liMobile}, nil), http.StatusConflict, apperr.Conflict)
			if b.Error.Message != "this mobile number belongs to another member" {
				t.Errorf("API in English: %+v", b.Error)
			}
			if m := mustMember(t, api, zhang.ID); m.Mobile != "139****4321" {
				t.Errorf("张三's mobile is now %s", m.Mobile)
			}
			if m := mustMember(t, api, li.ID); m.Mobile != "137****1111" {
				t.Errorf("李四's mobile is now %s", m.Mobile)
			}
			if after := len(mustJSON[web.List[member.Change]](t, api.get(memberAPIPath(zhang.ID)+"/history"), http.StatusOK).Items); after != before {
				t.Errorf("refused edits added %d history lines", after-before)
			}
		})
	})
}

// --- 6. tiers ---

var tierChangeForm = regexp.MustCompile(`action="/tier-changes/([0-9]+)"`)

func pendingTierChanges(body string) []string {
	var ids []string
	for _, m := range tierChangeForm.FindAllStringSubmatch(body, -1) {
		ids = append(ids, m[1])
	}
	return ids
}

func mustTier(t *testing.T, c *client, code string) member.Tier {
	t.Helper()
	l := mustJSON[struct {
		Items []member.Tier `json:"items"`
	}](t, c.get("/api/v1/tiers"), http.StatusOK)
	for _, tr := range l.Items {
		if tr.Code == code {
			return tr
		}
	}
	t.Fatalf("no tier %s in %+v", code, l.Items)
	return member.Tier{}
}

func TestMemberTiers(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "gsup", auth.GroupSupervisor, "GROUP")
		e.mustStaff(t, "sh-spec", auth.CitySpecialist, "SH")
		e.mustStaff(t, "sh-sup", auth.CitySupervisor, "SH")
		// Someone who both enters tier changes in SH and approves them group-wide.
		if _, err := e.srv.Auth.CreateStaff(context.Background(), auth.NewStaff{Login: "sh-dual", Name: "测试 sh-dual", NodeCode: "SH",
			Password: testPassword, Grants: []auth.NewGrant{{Role: auth.CitySpecialist, NodeCode: "SH"}, {Role: auth.GroupSupervisor, NodeCode: "GROUP"}}}); err != nil {
			t.Fatal(err)
		}
		gsup, gsupAPI := e.mustLogin(t, "gsup"), e.mustToken(t, "gsup")
		spec, specAPI := e.mustLogin(t, "sh-spec"), e.mustToken(t, "sh-spec")
		sup, supAPI := e.mustLogin(t, "sh-sup"), e.mustToken(t, "sh-sup")
		dual := e.mustLogin(t, "sh-dual")

		page := mustStatus(t, spec.get("/tiers"), http.StatusOK)
		for _, tr := range []struct{ code, name string }{{"regular", "普籍"}, {"silver", "银籍"}, {"gold", "金籍"}, {"platinum", "白金"}} {
			if !strings.Contains(page, `<span class="badge tier-`+tr.code+`">`+tr.name+`</span>`) {
				t.Errorf("/tiers does not show %s", tr.name)
			}
		}
		if strings.Contains(page, `action="/tiers/`) || strings.Contains(page, `id="tier-changes"`) {
			t.Error("a city specialist is offered tier settings or approvals")
		}
		if page := mustStatus(t, gsup.get("/tiers"), http.StatusOK); !strings.Contains(page, `action="/tiers/silver"`) {
			t.Errorf("the group supervisor has no form for the silver tier:\n%s", page)
		}

		t.Run("threshold", func(t *testing.T) {
			c := gsup.in(t)
			loc := mustSeeOther(t, c.postForm("/tiers/silver", url.Values{"threshold": {"1500"}}), "/tiers")
			page := mustFlash(t, c, loc, "已保存")
			if !strings.Contains(page, "升级积分 ≥ 1,500") {
				t.Errorf("/tiers does not show the new threshold:\n%s", page)
			}
			if tr := mustTier(t, specAPI.in(t), "silver"); tr.Threshold != 1500 || tr.Benefits == "" {
				t.Errorf("silver is %+v", tr)
			}
			for _, tc := range []struct{ name, value, msg string }{
				{"above gold", "6000", "门槛须低于金籍（5000）"},
				{"equal to gold", "5000", "门槛须低于金籍（5000）"},
				{"not above regular", "0", "门槛须高于普籍（0）"},
				{"negative", "-5", "门槛须为 0–100000000 的整数"},
				{"not a number", "一千", "门槛须为整数"},
			} {
				t.Run(tc.name, func(t *testing.T) {
					body := mustStatus(t, gsup.in(t).postForm("/tiers/silver", url.Values{"threshold": {tc.value}}), http.StatusBadRequest)
					if got := formErrorText(body); got != tc.msg {
						t.Errorf("threshold %s: error %q, want %q", tc.value, got, tc.msg)
					}
				})
			}
			b := mustAPIError(t, gsupAPI.in(t).json(http.MethodPatch, "/api/v1/tiers/silver", map[string]any{"threshold": 6000}, nil), http.StatusBadRequest, apperr.Invalid)
			if b.Error.Field != "threshold" {
				t.Errorf("API: %+v", b.Error)
			}
			// City-level roles may not change tier settings.
			for _, who := range []struct {
				console, bearer *client
			}{{spec, specAPI}, {sup, supAPI}} {
				mustStatus(t, who.console.in(t).postForm("/tiers/silver", url.Values{"threshold": {"1200"}}), http.StatusForbidden)
				mustAPIError(t, who.bearer.in(t).json(http.MethodPatch, "/api/v1/tiers/silver", map[string]any{"threshold": 1200}, nil), http.StatusForbidden, apperr.Forbidden)
			}
			if tr := mustTier(t, specAPI.in(t), "silver"); tr.Threshold != 1500 {
				t.Errorf("refused changes moved the silver threshold to %d", tr.Threshold)
			}
		})

		t.Run("tier change", func(t *testing.T) {
			zhang := mustApply(t, specAPI.in(t), member.Application{NodeCode: "SH-PD", Name: "张三", Mobile: zhangMobile})
			mustApproveAPI(t, supAPI.in(t), zhang.ID)
			c := spec.in(t)
			body := mustStatus(t, c.postForm(memberPath(zhang.ID)+"/tier", url.Values{"tier": {"gold"}, "reason": {" "}}), http.StatusBadRequest)
			if got := formErrorText(body); got != "调整等级须填写原因" {
				t.Errorf("tier change without a reason: error %q", got)
			}
			const reason = "两年内在集团购买两套房"
			loc := mustSeeOther(t, c.postForm(memberPath(zhang.ID)+"/tier", url.Values{"tier": {"gold"}, "reason": {reason}}), memberPath(zhang.ID))
			page := mustFlash(t, c, loc, "等级调整已提交主管审批")
			if !strings.Contains(page, "普籍 → 金籍") || !strings.Contains(page, "待审批") || !strings.Contains(page, reason) {
				t.Errorf("the member page does not show the requested change:\n%s", page)
			}
			if m := mustMember(t, specAPI.in(t), zhang.ID); m.Tier != "regular" {
				t.Errorf("the tier changed before approval: %s", m.Tier)
			}

			tiers := mustStatus(t, gsup.in(t).get("/tiers"), http.StatusOK)
			ids := pendingTierChanges(tiers)
			if len(ids) != 1 || !strings.Contains(tiers, reason) || !strings.Contains(tiers, "张三") || !strings.Contains(tiers, "sh-spec") {
				t.Fatalf("pending tier changes on /tiers: %v\n%s", ids, tiers)
			}
			mustOperatorRef(t, tiers, "sh-spec")
			decide := "/tier-changes/" + ids[0]
			// The specialist who asked, and the city supervisor, cannot approve.
			mustStatus(t, c.postForm(decide, url.Values{"decision": {"approve"}}), http.StatusForbidden)
			mustStatus(t, sup.in(t).postForm(decide, url.Values{"decision": {"approve"}}), http.StatusForbidden)
			if m := mustMember(t, specAPI.in(t), zhang.ID); m.Tier != "regular" {
				t.Errorf("a refused approval changed the tier to %s", m.Tier)
			}

			loc = mustSeeOther(t, gsup.in(t).postForm(decide, url.Values{"decision": {"approve"}, "note": {"同意"}}), "/tiers")
			if page := mustFlash(t, gsup.in(t), loc, "已保存"); len(pendingTierChanges(page)) != 0 {
				t.Errorf("the approved change is still pending: %v", pendingTierChanges(page))
			}
			if m := mustMember(t, specAPI.in(t), zhang.ID); m.Tier != "gold" {
				t.Errorf("after approval the tier is %s, want gold", m.Tier)
			}
			page = mustStatus(t, c.get(memberPath(zhang.ID)), http.StatusOK)
			if !strings.Contains(page, `<span class="badge tier-gold">金籍</span>`) || !strings.Contains(page, "已批准") {
				t.Errorf("the member page does not show the approved tier:\n%s", page)
			}
			if rows := tableRows(t, page, "member-history"); !slices.ContainsFunc(rows, func(r []string) bool {
				return len(r) == 5 && r[2] == "等级" && r[3] == "普籍" && r[4] == "金籍" && strings.HasPrefix(r[1], "测试 gsup")
			}) {
				t.Errorf("history misses the tier change: %q", rows)
			}
			body = mustStatus(t, gsup.in(t).postForm(decide, url.Values{"decision": {"approve"}}), http.StatusConflict)
			if got := formErrorText(body); got != "该等级调整已处理" {
				t.Errorf("deciding twice: error %q", got)
			}
		})

		t.Run("no approving one's own request", func(t *testing.T) {
			li := mustApply(t, specAPI.in(t), member.Application{NodeCode: "SH", Name: "李四", Mobile: liMobile})
			mustApproveAPI(t, supAPI.in(t), li.ID)
			c := dual.in(t)
			mustSeeOther(t, c.postForm(memberPath(li.ID)+"/tier", url.Values{"tier": {"silver"}, "reason": {"推荐三位新客户成交"}}), memberPath(li.ID))
			ids := pendingTierChanges(mustStatus(t, c.get("/tiers"), http.StatusOK))
			if len(ids) != 1 {
				t.Fatalf("pending tier changes for sh-dual: %v", ids)
			}
			body := mustStatus(t, c.postForm("/tier-changes/"+ids[0], url.Values{"decision": {"approve"}}), http.StatusForbidden)
			if !strings.Contains(body, "申请人不能审批自己的申请") {
				t.Errorf("self-approval refused without saying why:\n%s", body)
			}
			if m := mustMember(t, specAPI.in(t), li.ID); m.Tier != "regular" {
				t.Errorf("self-approval changed the tier to %s", m.Tier)
			}
			if got := pendingTierChanges(mustStatus(t, gsup.in(t).get("/tiers"), http.StatusOK)); !slices.Equal(got, ids) {
				t.Errorf("pending after refused self-approval: %v, want %v", got, ids)
			}
			mustSeeOther(t, gsup.in(t).postForm("/tier-changes/"+ids[0], url.Values{"decision": {"approve"}}), "/tiers")
			if m := mustMember(t, specAPI.in(t), li.ID); m.Tier != "silver" {
				t.Errorf("after the group supervisor's approval the tier is %s, want silver", m.Tier)
			}
		})
	})
}

// A home at a project outside the caller's scope, or with a missing unit,
// is refused on the member page and nothing is recorded.
func TestMemberPropertyRefusals(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		e.mustStaff(t, "prop-spec", auth.CitySpecialist, "SH")
		c := e.mustLogin(t, "prop-spec")
		m := mustFixtureMember(t, e, "SH-PD")
		path := "/members/" + strconv.FormatInt(m.ID, 10) + "/properties"
		for _, form := range []url.Values{
			{"project": {"HZ-XH"}, "building": {"1栋"}, "unit": {"101"}},
			{"project": {"SH-PD"}, "building": {"1栋"}, "unit": {""}},
			{"project": {"SH-PD"}, "building": {"1栋"}, "unit": {"101"}, "contract_date": {"2024-02-30"}},
		} {
			res := c.postForm(path, form)
			body := readBody(res)
			if res.StatusCode == http.StatusSeeOther || !strings.Contains(body, `id="form-error"`) {
				t.Errorf("%v: %d, want the form again with an error", form, res.StatusCode)
			}
		}
		got, err := e.srv.Members.Get(context.Background(), m.ID)
		if err != nil || len(got.Properties) != 0 {
			t.Fatalf("properties recorded: %v %+v", err, got.Properties)
		}
		res := c.postForm(path, url.Values{"project": {"SH-PD"}, "building": {"1栋"}, "unit": {"101"}, "contract_date": {"2024-02-28"}})
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			t.Fatalf("a good home: %d", res.StatusCode)
		}
	})
}
