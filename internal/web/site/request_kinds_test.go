package site

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"estateclub/internal/auth"
	"estateclub/internal/request"
)

// TestRequestKindsInTheConsole: the admin adds a subkind on the console;
// the portal's and the console's intake forms offer it and the queue's
// filter lists it; renamed, the requests that have it show the new name;
// retired, the forms no longer offer it and a new request with it is
// refused, while the old request still shows its name.
func TestRequestKindsInTheConsole(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		f := mustRequestSetup(t, e)
		e.mustStaff(t, "admin", auth.Admin, "GROUP")
		e.mustStaff(t, "sh-admin", auth.Admin, "SH")
		admin, care := e.mustLogin(t, "admin"), e.mustLogin(t, "sh-care")
		m, me := mustPortalMember(t, e, "13955556666")

		mustPage(t, admin, "/settings", `href="/requests/kinds"`)
		mustPage(t, admin, "/requests/kinds", "诉求类型与类别", `id="kind-complaint"`, "复制我的个人信息", "内置")
		form := url.Values{"csrf": {admin.csrf}}
		// Add a subkind with a code made from its English name.
		add := cloneForm(form)
		add.Set("name", "噪音")
		add.Set("name_en", "Noise")
		wantDone(t, admin, "/requests/kinds/complaint/subkinds", add)
		mustPage(t, admin, "/requests/kinds", `id="subkind-complaint-noise"`, "噪音")
		// The same code again, and an empty English name, are refused.
		add.Set("code", "noise")
		wantRefused(t, admin, "/requests/kinds/complaint/subkinds", add, http.StatusConflict, "已有代码为 noise 的类别")
		add.Set("code", "loud")
		add.Set("name_en", "")
		wantRefused(t, admin, "/requests/kinds/complaint/subkinds", add, http.StatusBadRequest, "请填写英文名称")
		// Another admin of a city only does not reach the group's kinds.
		for who, want := range map[*client]int{e.mustLogin(t, "sh-admin"): http.StatusNotFound, care: http.StatusForbidden} {
			res := who.get("/requests/kinds")
			if res.Body.Close(); res.StatusCode != want {
				t.Errorf("/requests/kinds: %d, want %d", res.StatusCode, want)
			}
		}

		// Offered by the portal's form, the console's intake and the queue.
		mustSmallPage(t, me, "/m/requests", `value="complaint/noise"`, ">噪音<")
		mustPage(t, care, "/requests/new", `value="complaint/noise"`, "投诉 · 噪音")
		mustPage(t, care, "/requests", `<option value="noise"`)
		loc := mustRedirect(t, "request", me.postMultipart("/m/requests", url.Values{"topic": {"complaint/noise"}, "text": {"楼下装修噪音太大，晚上十点还在施工。"}}))
		reqPath := strings.SplitN(loc, "?", 2)[0]
		mustSmallPage(t, me, reqPath, "投诉 · 噪音")
		list, _, err := e.srv.Requests.List(context.Background(), request.Filter{Subkind: "noise"})
		if err != nil || len(list) != 1 || list[0].MemberID != m.ID {
			t.Fatalf("the portal's request: %+v %v", list, err)
		}
		staffPath := fmt.Sprintf("/requests/%d", list[0].ID)

		// Renamed: the request shows the new names, in both languages.
		ren := cloneForm(form)
		ren.Set("name", "噪音扰民")
		ren.Set("name_en", "Noise nuisance")
		wantDone(t, admin, "/requests/kinds/complaint/subkinds/noise", ren)
		kind := cloneForm(form)
		kind.Set("name", "投诉与抱怨")
		kind.Set("name_en", "Complaints")
		wantDone(t, admin, "/requests/kinds/complaint/names", kind)
		mustPage(t, care, staffPath, "投诉与抱怨 · 噪音扰民")
		mustPage(t, care, "/requests?subkind=noise", "噪音扰民", list[0].No)
		setLocale(t, care, "en")
		mustPage(t, care, staffPath, "Complaints · Noise nuisance")
		setLocale(t, care, "zh-CN")

		// Moved up: first of its kind.
		for range 3 {
			wantDone(t, admin, "/requests/kinds/complaint/subkinds/noise/move", url.Values{"csrf": {admin.csrf}, "dir": {"up"}})
		}
		c, err := e.srv.Requests.Catalogue(context.Background())
		if err != nil || c.Kind(request.Complaint).Subkinds[0].Code != "noise" {
			t.Fatalf("moved up: %+v %v", c.Kind(request.Complaint), err)
		}

		// Retired: no longer offered; refused; the old request keeps its name.
		ret := cloneForm(ren)
		ret.Set("retired_set", "1")
		ret.Set("retired", "1")
		wantDone(t, admin, "/requests/kinds/complaint/subkinds/noise", ret)
		mustPage(t, admin, "/requests/kinds", "已停用")
		if p := mustSmallPage(t, me, "/m/requests"); strings.Contains(p, "complaint/noise") {
			t.Error("the portal still offers a retired subkind")
		}
		if p := mustPage(t, care, "/requests/new"); strings.Contains(p, "complaint/noise") {
			t.Error("the intake still offers a retired subkind")
		}
		res := me.postMultipart("/m/requests", url.Values{"topic": {"complaint/noise"}, "text": {"楼下装修噪音太大，晚上十点还在施工。"}})
		if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "类别“噪音扰民”已停用") {
			t.Errorf("a retired subkind from the portal: %d", res.StatusCode)
		}
		res = care.postMultipart("/requests", url.Values{"member_id": {fmt.Sprint(f.m.ID)}, "channel": {"phone"},
			"topic": {"complaint/noise"}, "text": {"会员来电反映噪音问题。"}})
		if body := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(body, "已停用") {
			t.Errorf("a retired subkind from the intake: %d", res.StatusCode)
		}
		mustSmallPage(t, me, reqPath, "噪音扰民")
		mustPage(t, care, staffPath, "噪音扰民")
		// The built-in PIPL subkinds are not retired.
		pipl := cloneForm(form)
		pipl.Set("name", "复制我的个人信息")
		pipl.Set("name_en", "A copy of my data")
		pipl.Set("retired_set", "1")
		pipl.Set("retired", "1")
		wantRefused(t, admin, "/requests/kinds/privacy/subkinds/data_copy", pipl, http.StatusBadRequest, "不能停用")
		res = admin.postForm("/requests/kinds/praise/subkinds", cloneForm(add))
		if res.Body.Close(); res.StatusCode != http.StatusNotFound {
			t.Errorf("an unknown kind: %d, want 404", res.StatusCode)
		}
		// The edits are in the audit log, in words.
		mustPage(t, e.mustLogin(t, "group-boss"), "/audit?action=request.kind_edit", "修改诉求类型与类别", "噪音扰民")
	})
}

// specRequestKinds calls the operations of request kinds: the admin adds,
// renames, reorders and retires a subkind; an intake with it is refused
// once retired; others may read the kinds but not change them.
func specRequestKinds(t *testing.T, e *testEnv, v *specValidator) {
	t.Helper()
	e.mustStaff(t, "rk-admin", auth.Admin, "GROUP")
	e.mustStaff(t, "rk-city-admin", auth.Admin, "SH")
	e.mustStaff(t, "rk-cr", auth.CustomerRelations, "SH")
	a, city, cr := e.mustToken(t, "rk-admin"), e.mustToken(t, "rk-city-admin"), e.mustToken(t, "rk-cr")
	K := "/api/v1/request-kinds"
	var kinds struct {
		Items []request.KindDef `json:"items"`
	}
	mustSpecDecode(t, v.check(cr, specCall{method: "GET", path: K, want: 200}), &kinds)
	if len(kinds.Items) != 4 || kinds.Items[1].Kind != request.Privacy || len(kinds.Items[1].Subkinds) != 5 {
		t.Fatalf("kinds %+v", kinds.Items)
	}
	var sd request.SubkindDef
	mustSpecDecode(t, v.check(a, specCall{method: "POST", path: K + "/suggestion/subkinds", want: 201,
		body: map[string]any{"code": "parking", "name": "停车", "name_en": "Parking"}}), &sd)
	if sd.Code != "parking" || sd.Position != 6 {
		t.Fatalf("added %+v", sd)
	}
	v.check(a, specCall{method: "POST", path: K + "/suggestion/subkinds", want: 409,
		body: map[string]any{"code": "parking", "name": "车位", "name_en": "Parking spaces"}})
	v.check(a, specCall{method: "POST", path: K + "/suggestion/subkinds", want: 400, lang: "en", badRequest: true,
		body: map[string]any{"name": "车位", "name_en": ""}})
	v.check(cr, specCall{method: "POST", path: K + "/suggestion/subkinds", want: 403,
		body: map[string]any{"name": "车位", "name_en": "Spaces"}})
	v.check(city, specCall{method: "POST", path: K + "/suggestion/subkinds", want: 404,
		body: map[string]any{"name": "车位", "name_en": "Spaces"}})
	v.check(a, specCall{method: "PUT", path: K + "/suggestion", want: 200, body: map[string]any{"name": "意见建议", "name_en": "Suggestions"}})
	v.check(a, specCall{method: "PUT", path: K + "/suggestion/subkinds/parking", want: 200, body: map[string]any{"name": "停车管理"}})
	var kd request.KindDef
	mustSpecDecode(t, v.check(a, specCall{method: "PUT", path: K + "/suggestion/order", want: 200,
		body: map[string]any{"codes": []string{"parking", "events", "publications", "website", "property", "other"}}}), &kd)
	if kd.Name != "意见建议" || kd.Subkinds[0].Code != "parking" || kd.Subkinds[0].Name != "停车管理" {
		t.Fatalf("reordered %+v", kd)
	}
	v.check(a, specCall{method: "PUT", path: K + "/suggestion/order", want: 400, body: map[string]any{"codes": []string{"parking"}}})

	// Intake: offered, then retired and refused with the field named.
	m := mustActiveMember(t, e, "SH-PD")
	intake := map[string]any{"member_id": m.ID, "kind": "suggestion", "subkind": "parking", "channel": "phone", "text": "建议增加访客停车位。"}
	v.check(cr, specCall{method: "POST", path: "/api/v1/requests", want: 201, body: intake})
	v.check(a, specCall{method: "PUT", path: K + "/suggestion/subkinds/parking", want: 200, body: map[string]any{"retired": true}})
	raw := v.check(cr, specCall{method: "POST", path: "/api/v1/requests", want: 400, lang: "en", body: intake})
	if !strings.Contains(string(raw), `"field":"subkind"`) || !strings.Contains(string(raw), "retired") {
		t.Errorf("a retired subkind: %s", raw)
	}
	v.check(a, specCall{method: "PUT", path: K + "/privacy/subkinds/account_deletion", want: 400, body: map[string]any{"retired": true}})
	v.check(a, specCall{method: "PUT", path: K + "/privacy/subkinds/account_deletion", want: 400, body: map[string]any{"code": "delete_me"}})
	v.check(a, specCall{method: "PUT", path: K + "/privacy/subkinds/nothing", want: 404, body: map[string]any{"name": "无"}})
	v.check(a, specCall{method: "PUT", path: K + "/praise", want: 404, badRequest: true, body: map[string]any{"name": "表扬", "name_en": "Praise"}})
}
