package survey

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
)

// TokenTTL is how long an SMS link opens its invite.
const TokenTTL = 30 * 24 * time.Hour

// InviteInput names a member to invite to a survey, about a subject or not.
// Text asks for an SMS link as well, sent only if the member consented.
type InviteInput struct {
	SurveyID, MemberID int64
	Subject            string
	SubjectID          int64
	Text               bool
}

const inviteColumns = `i.id, i.survey_id, s.title, s.status, COALESCE(i.member_id, 0), i.subject, i.subject_id, i.node_path,
	i.texted_at IS NOT NULL, i.created_at, i.answered_at`

const inviteFrom = ` FROM survey_invites i JOIN surveys s ON s.id = i.survey_id`

func scanInvite(sc interface{ Scan(...any) error }) (*Invite, error) {
	var v Invite
	err := sc.Scan(&v.ID, &v.SurveyID, &v.SurveyTitle, &v.SurveyStatus, &v.MemberID, &v.Subject, &v.SubjectID, &v.NodePath,
		&v.Texted, &v.CreatedAt, &v.AnsweredAt)
	if isNoRows(err) {
		return nil, apperr.NotFoundf("问卷邀请", "survey invite")
	}
	return &v, err
}

func getInvite(ctx context.Context, tx *db.Tx, where string, args ...any) (*Invite, error) {
	return scanInvite(tx.QueryRow(ctx, "SELECT "+inviteColumns+inviteFrom+" WHERE "+where, args...))
}

// Invite creates, inside the caller's transaction, the invite of a member
// to an open survey about a subject, or returns the one that exists. With
// in.Text, a member who consented to SMS and was not texted for this
// invite yet gets the link once tx has committed. Calling it again changes
// nothing.
func (s *Service) Invite(ctx context.Context, tx *db.Tx, in InviteInput) (*Invite, error) {
	var status Status
	err := tx.QueryRow(ctx, "SELECT status FROM surveys WHERE id = ?", in.SurveyID).Scan(&status)
	if isNoRows(err) {
		return nil, apperr.NotFoundf("问卷", "survey")
	}
	if err != nil {
		return nil, err
	}
	if status != Open {
		return nil, errNotOpen()
	}
	inv, _, _, err := s.invite(ctx, tx, in)
	return inv, err
}

func errNotOpen() error {
	return apperr.New(apperr.Conflict, "问卷未在进行中，不能邀请或作答", "the survey is not open for invites or answers")
}

// invite is Invite on a survey known to be open; created reports a new invite.
func (s *Service) invite(ctx context.Context, tx *db.Tx, in InviteInput) (inv *Invite, created, texted bool, err error) {
	if in.Subject == "" && in.SubjectID != 0 || len(in.Subject) > 40 {
		return nil, false, false, apperr.Field("subject", "问卷对象不正确", "the survey's subject is invalid")
	}
	var path string
	err = tx.QueryRow(ctx, "SELECT node_path FROM members WHERE id = ?", in.MemberID).Scan(&path)
	if isNoRows(err) {
		return nil, false, false, apperr.NotFoundf("会员", "member")
	}
	if err != nil {
		return nil, false, false, err
	}
	// ON CONFLICT settles two transactions inviting the same member at
	// once: the second waits for the first and then reads its invite.
	res, err := tx.Exec(ctx, `INSERT INTO survey_invites (survey_id, member_id, subject, subject_id, node_path, created_at)
		VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (survey_id, member_id, subject, subject_id) DO NOTHING`,
		in.SurveyID, in.MemberID, in.Subject, in.SubjectID, path, tx.Now)
	if err != nil {
		return nil, false, false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return nil, false, false, err
	}
	inv, err = getInvite(ctx, tx, "i.survey_id = ? AND i.member_id = ? AND i.subject = ? AND i.subject_id = ?",
		in.SurveyID, in.MemberID, in.Subject, in.SubjectID)
	if err != nil {
		return nil, false, false, err
	}
	created = n == 1
	if in.Text && !inv.Texted && inv.AnsweredAt == nil {
		if texted, err = s.textLater(ctx, tx, inv); err != nil {
			return nil, false, false, err
		}
	}
	return inv, created, texted, nil
}

// textLater gives an invite a fresh link token and texts it once tx has
// committed, if the member consented to SMS; otherwise it does nothing.
func (s *Service) textLater(ctx context.Context, tx *db.Tx, inv *Invite) (bool, error) {
	if s.SMS == nil || s.Members == nil {
		return false, nil
	}
	mobile, err := s.Members.TextContact(ctx, tx, inv.MemberID)
	if err != nil || mobile == "" {
		return false, err
	}
	token, hash, err := newToken()
	if err != nil {
		return false, err
	}
	if _, err := tx.Exec(ctx, "UPDATE survey_invites SET token_hash = ?, token_expires = ?, texted_at = ? WHERE id = ?",
		hash, tx.Now.Add(TokenTTL), tx.Now, inv.ID); err != nil {
		return false, err
	}
	inv.Texted = true
	text := fmt.Sprintf("【客户会】诚邀您填写问卷「%s」，30 天内有效：%s/m/s/%s", inv.SurveyTitle, strings.TrimRight(s.LinkBase, "/"), token)
	sctx := context.WithoutCancel(ctx)
	tx.AfterCommit(func() {
		// A failed message is recorded by the SMS service; the invite
		// stays open in the portal. The token is a secret: a real
		// provider's stored copy hides it, so the database never holds
		// a usable link.
		if _, err := s.SMS.SendSecret(sctx, mobile, "survey", text, token); err != nil {
			slog.WarnContext(sctx, "survey link not texted", "invite", inv.ID, "err", err)
		}
	})
	return true, nil
}

func newToken() (token, hash string, err error) {
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", "", err
	}
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// SendResult counts what Send did.
type SendResult struct {
	Invited int `json:"invited"` // new invites
	Already int `json:"already"` // members invited before
	Texted  int `json:"texted"`  // SMS links queued
	Missing int `json:"missing"` // ids that are no member
}

// sendBatch is how many members one transaction of Send invites.
const sendBatch = 200

// Send invites many members to an open survey (no subject), in batches of
// one transaction each, texting the link to those who consented when text
// is set. Sending again to the same members adds nobody and texts nobody
// twice. Staff's sends run as a background job (SendJob).
func (s *Service) Send(ctx context.Context, surveyID int64, memberIDs []int64, text bool) (SendResult, error) {
	return s.send(ctx, surveyID, memberIDs, text, nil)
}

// send is Send reporting, after each batch, how many members it went
// through of how many (progress may be nil).
func (s *Service) send(ctx context.Context, surveyID int64, memberIDs []int64, text bool, progress func(done, total int64)) (SendResult, error) {
	var res SendResult
	total := int64(len(memberIDs))
	if progress != nil {
		progress(0, total)
	}
	for start := 0; start < len(memberIDs) || start == 0; start += sendBatch {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		batch := memberIDs[start:min(start+sendBatch, len(memberIDs))]
		err := s.DB.Update(ctx, func(tx *db.Tx) error {
			r := SendResult{}
			v, err := get(ctx, tx, surveyID, false)
			if err != nil {
				return err
			}
			if v.Status != Open {
				return errNotOpen()
			}
			for _, id := range batch {
				_, created, texted, err := s.invite(ctx, tx, InviteInput{SurveyID: surveyID, MemberID: id, Text: text})
				switch {
				case apperr.Is(err, apperr.NotFound):
					r.Missing++
					continue
				case err != nil:
					return err
				case created:
					r.Invited++
				default:
					r.Already++
				}
				if texted {
					r.Texted++
				}
			}
			res.Invited, res.Already, res.Texted, res.Missing = res.Invited+r.Invited, res.Already+r.Already, res.Texted+r.Texted, res.Missing+r.Missing
			return audit.Record(ctx, tx, audit.Change{Action: "survey.send", ObjectType: "survey", ObjectID: surveyID, NodePath: v.NodePath,
				Summary: fmt.Sprintf("发送问卷 %s：新邀请 %d 人，已邀请 %d 人", v.Title, r.Invited, r.Already), After: r})
		})
		if err != nil {
			return res, fmt.Errorf("send survey: %w", err)
		}
		if progress != nil {
			progress(int64(min(start+sendBatch, len(memberIDs))), total)
		}
		if len(memberIDs) == 0 {
			break
		}
	}
	return res, nil
}

// InviteFor returns the member's invite about a subject, or nil if there is
// none.
func (s *Service) InviteFor(ctx context.Context, memberID int64, subject string, subjectID int64) (*Invite, error) {
	var inv *Invite
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		inv, err = getInvite(ctx, tx, "i.member_id = ? AND i.subject = ? AND i.subject_id = ? ORDER BY i.id DESC LIMIT 1", memberID, subject, subjectID)
		if apperr.Is(err, apperr.NotFound) {
			inv, err = nil, nil
		}
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("invite for: %w", err)
	}
	return inv, nil
}

// MemberInvites lists a member's invites for the portal: those still to
// answer (of open surveys) first, then the rest, newest first.
func (s *Service) MemberInvites(ctx context.Context, memberID int64, offset, limit int) ([]Invite, int, error) {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	var out []Invite
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*) FROM survey_invites WHERE member_id = ?", memberID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, "SELECT "+inviteColumns+inviteFrom+` WHERE i.member_id = ?
			ORDER BY CASE WHEN i.answered_at IS NULL AND s.status = 'open' THEN 0 ELSE 1 END, i.id DESC LIMIT ? OFFSET ?`,
			memberID, limit, max(offset, 0))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			inv, err := scanInvite(rows)
			if err != nil {
				return err
			}
			out = append(out, *inv)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("member invites: %w", err)
	}
	return out, total, nil
}

// Invitation reads a member's invite with its survey, for the page that
// answers it; another member's invite is not found.
func (s *Service) Invitation(ctx context.Context, inviteID, memberID int64) (*Invite, *Survey, error) {
	return s.invitation(ctx, "i.id = ? AND i.member_id = ?", inviteID, memberID)
}

// InvitationByToken reads the invite an SMS link opens, with its survey; an
// unknown or expired token is not found.
func (s *Service) InvitationByToken(ctx context.Context, token string) (*Invite, *Survey, error) {
	return s.invitation(ctx, "i.token_hash = ? AND i.token_expires > ?", hashToken(token), s.DB.Clock().UTC())
}

func (s *Service) invitation(ctx context.Context, where string, args ...any) (*Invite, *Survey, error) {
	var inv *Invite
	var v *Survey
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if inv, err = getInvite(ctx, tx, where, args...); err != nil {
			return err
		}
		v, err = get(ctx, tx, inv.SurveyID, false)
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("survey invitation: %w", err)
	}
	return inv, v, nil
}
