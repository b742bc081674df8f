package audit_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/db/dbtest"
)

// person is shaped like the member and lead objects the callers record.
type person struct {
	ID       int64             `json:"id"`
	Name     string            `json:"name"`
	Mobile   string            `json:"mobile"`
	IDNumber string            `json:"id_number,omitempty"`
	Address  string            `json:"address,omitempty"`
	Email    string            `json:"email,omitempty"`
	Family   []map[string]any  `json:"family"`
	Fields   map[string]string `json:"fields"`
}

const (
	plainMobile = "13812345678"
	plainID     = "11010519900101123X"
)

func TestRecordMasksPersonalData(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := db.WithActor(context.Background(), db.Actor{Kind: "staff", ID: 3, Login: plainMobile})
		p := person{ID: 7, Name: "张三丰", Mobile: plainMobile, IDNumber: plainID, Address: "北京市朝阳区建国路88号",
			Email: "zhangsan@example.com", Family: []map[string]any{{"relation": "配偶", "name": "李四", "mobile": 13987654321}},
			Fields: map[string]string{"note": "备用电话 139 8765 4321"}}
		changes := []audit.Change{
			{Action: "member.update", ObjectType: "member", ObjectID: 7, NodePath: "/1/", Summary: "修改会员资料，来电 " + plainMobile,
				Before: p, After: p},
			{Action: "member.export", ObjectType: "member", NodePath: "/1/", Summary: "导出",
				After: map[string]any{"q": plainMobile, "status": "active"}},
			{Action: "member.export", ObjectType: "member", NodePath: "/1/", After: map[string]any{"q": "5678"}},
			{Action: "member.export", ObjectType: "member", NodePath: "/1/", After: map[string]any{"q": strings.ToLower(plainID)}},
			{Action: "member.export", ObjectType: "member", NodePath: "/1/", After: map[string]any{"q": "张三丰"}},
			{Action: "auth.login_failed", ObjectType: "staff", ObjectID: plainMobile, Summary: "登录失败 " + plainMobile},
			{Action: "redeem.apply", ObjectType: "redeem_order", ObjectID: 1, NodePath: "/1/",
				After: map[string]any{"member_name": "张三丰", "item_name": "新春礼盒", "note": "邮寄：北京 " + plainMobile}},
			{Action: "org.create", ObjectType: "org_node", ObjectID: "SH", NodePath: "/1/", After: map[string]any{"name": "上海城市公司"}},
		}
		err := d.Update(ctx, func(tx *db.Tx) error {
			for _, c := range changes {
				if err := audit.Record(ctx, tx, c); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		entries, _, err := audit.List(context.Background(), d, audit.Filter{Unscoped: true, Limit: 100})
		if err != nil || len(entries) != len(changes) {
			t.Fatalf("entries = %d, %v", len(entries), err)
		}
		byAction := map[string][]audit.Entry{}
		for i := len(entries) - 1; i >= 0; i-- {
			e := entries[i]
			raw, _ := json.Marshal(e)
			for _, plain := range []string{plainMobile, plainID, strings.ToLower(plainID), "13987654321", "139 8765 4321", "张三丰", "李四",
				"建国路", "zhangsan@"} {
				if strings.Contains(string(raw)+e.Before+e.After, plain) {
					t.Errorf("%s entry holds %q: %s", e.Action, plain, raw)
				}
			}
			for _, col := range []string{e.Before, e.After} {
				if col != "" && !json.Valid([]byte(col)) {
					t.Errorf("%s: stored JSON is not valid: %s", e.Action, col)
				}
			}
			byAction[e.Action] = append(byAction[e.Action], e)
		}
		upd := byAction["member.update"][0]
		for _, want := range []string{`"name":"张**"`, `"mobile":"138****5678"`, `"id_number":"110***********123X"`,
			`"address":"北京市朝阳区****"`, `"email":"z******n@example.com"`, `"name":"李*"`, `"mobile":"139****4321"`,
			`"note":"备用电话 139 **** 4321"`} {
			if !strings.Contains(upd.After, want) {
				t.Errorf("member.update after lacks %s: %s", want, upd.After)
			}
		}
		if upd.ActorLogin != "138****5678" || upd.Summary != "修改会员资料，来电 138****5678" {
			t.Errorf("actor %q, summary %q", upd.ActorLogin, upd.Summary)
		}
		exports := byAction["member.export"]
		for i, want := range []string{`{"q":"138****5678","q_kind":"mobile","status":"active"}`, `{"q":"****","q_kind":"mobile_last4"}`,
			`{"q":"110***********123X","q_kind":"id_number"}`, `{"q":"张**","q_kind":"name"}`} {
			if exports[i].After != want {
				t.Errorf("export %d after = %s, want %s", i, exports[i].After, want)
			}
		}
		failed := byAction["auth.login_failed"][0]
		if failed.ObjectID != "138****5678" {
			t.Errorf("object id = %q", failed.ObjectID)
		}
		order := byAction["redeem.apply"][0].After
		if want := `{"item_name":"新春礼盒","member_name":"张**","note":"邮寄：北京 138****5678"}`; order != want {
			t.Errorf("order after = %s, want %s", order, want)
		}
		// Names of things stay; the object is not a person.
		if got := byAction["org.create"][0].After; got != `{"name":"上海城市公司"}` {
			t.Errorf("org after = %s", got)
		}
	})
}
