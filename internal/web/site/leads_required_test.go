package site

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"estateclub/internal/lead"
)

// Issue 12, item 10: the console form and the API refuse a lead that lacks
// a field its status needs, name the field in the user's language, and
// store nothing; a name that does not begin with a surname gives none.
func TestLeadRequiredFieldsInConsoleAndAPI(t *testing.T) {
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		le := newLeadEnv(t, e, "")
		wang := e.mustLogin(t, "wang")

		// The console form: 无意向 with a name but no surname.
		form := url.Values{"project": {"SH-PD"}, "source": {"call"}, "mobile": {"13800002222"}, "name": {"先生"}, "gender": {"male"},
			"media": {"网络"}, "status": {"none"}, "lost_reason": {"价格"}, "owner": {"me"}}
		res := wang.postForm("/leads", form)
		if page := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "「无意向」须填写姓氏") ||
			!strings.Contains(page, `value="13800002222"`) {
			t.Fatalf("console: no intent without a surname: %d\n%s", res.StatusCode, page)
		}
		mustLeadCount(t, e, lead.Filter{}, 0)
		form.Set("surname", "赵")
		id := leadID(t, mustRedirect(t, "console: no intent with a surname", wang.postForm("/leads", form)))

		// The status form asks the same of a C lead.
		c := leadID(t, mustRedirect(t, "console: a C lead", wang.postForm("/leads", url.Values{"project": {"SH-PD"}, "source": {"visit"},
			"mobile": {"13800003333"}, "name": {"小明"}, "owner": {"me"}})))
		res = wang.postForm(fmt.Sprintf("/leads/%d/status", c), url.Values{"status": {"b"}, "gender": {"male"}, "media": {"网络"}})
		if page := readBody(res); res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "「B 类") || !strings.Contains(page, "须填写姓氏") {
			t.Fatalf("console: B without a surname: %d\n%s", res.StatusCode, page)
		}

		// The API: the same rule, the field named, in English on request.
		api := e.mustToken(t, "wang")
		var failure struct {
			Error struct {
				Code    string `json:"code"`
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"error"`
		}
		res = api.json("POST", "/api/v1/leads", map[string]any{"project": "SH-PD", "source": "call", "mobile": "13800004444", "name": "Tom",
			"gender": "male", "media": "网络", "status": "none", "lost_reason": "价格", "owner_id": le.wang.ID}, &failure)
		if res.StatusCode != http.StatusBadRequest || failure.Error.Field != "surname" || !strings.Contains(failure.Error.Message, "姓氏") {
			t.Fatalf("API: no intent without a surname: %d %+v", res.StatusCode, failure)
		}
		mustLeadCount(t, e, lead.Filter{}, 2)
		api.lang = "en"
		res = api.json("PATCH", fmt.Sprintf("/api/v1/leads/%d", c), map[string]any{"status": "a", "gender": "male", "media": "网络"}, &failure)
		if res.StatusCode != http.StatusBadRequest || failure.Error.Field != "surname" || !strings.Contains(failure.Error.Message, "needs surname") {
			t.Fatalf("API: A without a surname: %d %+v", res.StatusCode, failure)
		}
		api.lang = ""
		res = api.json("PATCH", fmt.Sprintf("/api/v1/leads/%d", id), map[string]any{"surname": "", "name": ""}, &failure)
		if res.StatusCode != http.StatusBadRequest || failure.Error.Field != "surname" {
			t.Fatalf("API: clearing the surname of a lost lead: %d %+v", res.StatusCode, failure)
		}
		var ok struct {
			Surname string      `json:"surname"`
			Status  lead.Status `json:"status"`
		}
		res = api.json("PATCH", fmt.Sprintf("/api/v1/leads/%d", c), map[string]any{"status": "a", "name": "孙小明", "gender": "male", "media": "网络"}, &ok)
		if res.StatusCode != http.StatusOK || ok.Surname != "孙" || ok.Status != lead.A {
			t.Fatalf("API: A with the full name: %d %+v", res.StatusCode, ok)
		}
	})
}
