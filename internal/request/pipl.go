package request

import (
	"context"
	"fmt"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/notify"
)

// PIPL requests (个人信息权利): a copy of the member's data, made as an
// .xlsx the member downloads from the portal, and the deletion of their
// account, which a supervisor approves before the member is anonymised.
// Both are due within 15 working days (the privacy kind's resolve time).

// MakeCopy produces the member's data copy for a data-copy request and
// resolves it. A retry after a failure makes the copy again; once made, it
// is not made twice.
func (s *Service) MakeCopy(ctx context.Context, id, staffID int64, within *Scope) (*Request, error) {
	if s.Privacy == nil {
		return nil, apperr.New(apperr.Conflict, "个人信息副本功能未启用", "data copies are not enabled")
	}
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !within.Allows(r) {
		return nil, apperr.NotFoundf("诉求", "request")
	}
	if r.Subkind != SubDataCopy {
		return nil, errStatus(r, "不是个人信息副本申请", "it is not a request for a data copy")
	}
	if r.Status.Done() {
		return r, nil
	}
	if err := s.prepareSurvey(ctx); err != nil {
		return nil, err
	}
	file, err := s.Privacy.Copy(ctx, r.MemberID)
	if err != nil {
		return nil, err
	}
	r, err = s.step(ctx, id, within, func(tx *db.Tx, r *Request) (string, string, error) {
		if r.Status.Done() {
			return "", "", nil
		}
		if _, err := tx.Exec(ctx, "UPDATE requests SET copy_file_id = ? WHERE id = ?", file, id); err != nil {
			return "", "", err
		}
		if err := s.addMessage(ctx, tx, id, "system", nil, false, "您的个人信息副本已生成，请在本页下载（Excel 文件）。"); err != nil {
			return "", "", err
		}
		return "copy_ready", "", s.markResolved(ctx, tx, r, staffID, "")
	})
	if err == nil {
		s.text(ctx, r, "您申请的个人信息副本已生成，请登录会员中心下载。")
	}
	return r, err
}

// CopyFile is the file of a member's data copy, for that member only.
func (s *Service) CopyFile(ctx context.Context, id, memberID int64) (int64, error) {
	r, err := s.Get(ctx, id)
	if err != nil {
		return 0, err
	}
	if r.MemberID != memberID || r.CopyFileID == nil {
		return 0, apperr.NotFoundf("个人信息副本", "data copy")
	}
	return *r.CopyFileID, nil
}

// ApproveDeletion is a supervisor's approval of an account deletion: the
// member is anonymised (personal data erased, ledger and history kept with
// the link cut) and the request resolved. The approver may not be the
// staff member handling it. A retry is safe: anonymising is idempotent.
func (s *Service) ApproveDeletion(ctx context.Context, id, approverID int64, within *Scope) (*Request, error) {
	if s.Privacy == nil {
		return nil, apperr.New(apperr.Conflict, "注销账户功能未启用", "account deletion is not enabled")
	}
	r, err := s.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if !within.Allows(r) {
		return nil, apperr.NotFoundf("诉求", "request")
	}
	if r.Subkind != SubAccountDeletion {
		return nil, errStatus(r, "不是注销账户申请", "it is not a request to delete an account")
	}
	if r.Status.Done() {
		return r, nil
	}
	if r.AssigneeID != nil && *r.AssigneeID == approverID {
		return nil, apperr.New(apperr.Conflict, "经办人不能批准自己经办的注销申请，请由其他主管批准", "the handler cannot approve the deletion they handle; another supervisor approves it")
	}
	// Tell the member before their mobile number is erased.
	s.text(ctx, r, "您的注销申请已获批准，个人信息将被删除。感谢您一直以来的支持。")
	if err := s.Privacy.Anonymise(ctx, r.MemberID, "注销申请 "+r.No); err != nil {
		return nil, fmt.Errorf("anonymise member of request %s: %w", r.No, err)
	}
	return s.step(ctx, id, within, func(tx *db.Tx, r *Request) (string, string, error) {
		if r.Status.Done() {
			return "", "", nil
		}
		if _, err := tx.Exec(ctx, "UPDATE requests SET approved_by = ? WHERE id = ?", approverID, id); err != nil {
			return "", "", err
		}
		if err := s.markResolved(ctx, tx, r, 0, ""); err != nil {
			return "", "", err
		}
		if r.AssigneeID != nil {
			if err := tell(ctx, tx, r, []int64{*r.AssigneeID}, notify.Note{Kind: "request.deletion_approved", ObjectType: "request",
				ObjectID: id, ZH: "注销申请 " + r.No + " 已批准，会员信息已删除", EN: "deletion " + r.No + " was approved; the member's data is erased",
				Href: href(id)}); err != nil {
				return "", "", err
			}
		}
		return "deletion_approved", "", nil
	})
}
