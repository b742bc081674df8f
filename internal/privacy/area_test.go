package privacy_test

import (
	"context"
	"errors"
	"testing"

	"estateclub/internal/db"
	"estateclub/internal/testfix"
)

// surveys stands for another package's part of a member's data.
type surveys struct {
	erased []int64
	fail   bool
}

func (s *surveys) Name(lang string) string {
	if lang == "en" {
		return "Surveys"
	}
	return "问卷"
}

func (s *surveys) Copy(_ context.Context, _ *db.Tx, memberID int64) ([]string, [][]string, error) {
	return []string{"问卷", "得分"}, [][]string{{"满意度", itoa(memberID)}}, nil
}

func (s *surveys) Erase(_ context.Context, _ *db.Tx, memberID int64) error {
	if s.fail {
		return errors.New("survey store down")
	}
	s.erased = append(s.erased, memberID)
	return nil
}

func TestAreasJoinCopyAndErasure(t *testing.T) {
	testfix.Run(t, func(t *testing.T, e *testfix.Env) {
		f := mustFixture(t, e)
		area := &surveys{}
		f.privacy.Areas = append(f.privacy.Areas, area)
		id := e.Member(t, "SH-PD")
		ctx := testfix.Ctx()

		file, err := f.privacy.Copy(ctx, id)
		must(t, err)
		data, err := f.files.ReadAll(ctx, file)
		must(t, err)
		book := sheets(t, data)
		if rows := book["问卷"]; len(rows) != 2 || rows[1][1] != itoa(id) {
			t.Errorf("area sheet = %q", rows)
		}
		if got := value(book["个人资料"], "会员等级"); got != "普籍" {
			t.Errorf("tier = %q", got)
		}

		// An area that fails undoes the whole erasure.
		area.fail = true
		if err := f.privacy.Anonymise(ctx, id, "会员申请注销"); err == nil {
			t.Fatal("erasure succeeded while an area failed")
		}
		if n := e.Count(t, "SELECT count(*) FROM members WHERE id = ? AND status = 'active' AND length(mobile_enc) > 0", id); n != 1 {
			t.Error("a failed erasure changed the member")
		}
		if n := e.Count(t, "SELECT count(*) FROM privacy_copies WHERE member_id = ?", id); n != 1 {
			t.Error("a failed erasure deleted the copy")
		}
		area.fail = false
		must(t, f.privacy.Anonymise(ctx, id, "会员申请注销"))
		if len(area.erased) != 1 || area.erased[0] != id {
			t.Errorf("area erased %v", area.erased)
		}
	})
}
