package request_test

import (
	"context"
	"strings"
	"testing"

	"estateclub/internal/audit"
	"estateclub/internal/request"
	"estateclub/internal/testfix"
)

// The audit log of a submission keeps the request's state, not what the
// member wrote (it may hold personal data).
func TestSubmitAuditHoldsNoText(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		svc := &request.Service{DB: e.DB, Keys: e.Keys}
		r, err := svc.Submit(context.Background(), request.NewRequest{MemberID: e.Member(t, "SH-PD"), Kind: request.Complaint,
			Subkind: request.SubProperty, Text: "我家 3 栋 1202 漏水，电话 13912345678"})
		if err != nil {
			t.Fatal(err)
		}
		entries := e.Audit(t, audit.Filter{Action: "request.submit"})
		if len(entries) != 1 || strings.Contains(entries[0].After, "1202") || strings.Contains(entries[0].After, "漏水") ||
			!strings.Contains(entries[0].After, `"kind":"complaint"`) || !strings.Contains(entries[0].After, r.No) {
			t.Fatalf("audit %+v", entries)
		}
	})
}
