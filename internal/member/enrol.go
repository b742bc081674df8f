package member

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/db"
	"estateclub/internal/org"
	"estateclub/internal/pii"
	"estateclub/internal/validate"
)

func validateMobile(s string) (string, error) { return validate.Mobile("mobile", s) }

// Outcome says what an enrolment or application did.
type Outcome string

// Outcomes.
const (
	Created Outcome = "created" // a new member
	Merged  Outcome = "merged"  // into the member who already had this mobile number
)

// errRace means a concurrent transaction inserted the same mobile first.
var errRace = errors.New("member: concurrent insert of the same mobile")

// Enrol records a default member (默认会员): a visitor or caller who left a
// mobile number. A known mobile returns the existing member unchanged
// (a missing name is filled in).
func (s *Service) Enrol(ctx context.Context, a Application) (*Member, Outcome, error) {
	return s.submit(ctx, a, false)
}

// Apply records a membership application (入会申请). A new mobile makes a
// member awaiting review; a known one merges into that member — never a
// second member for one person, even under concurrent submissions.
func (s *Service) Apply(ctx context.Context, a Application) (*Member, Outcome, error) {
	return s.submit(ctx, a, true)
}

func (s *Service) submit(ctx context.Context, a Application, application bool) (*Member, Outcome, error) {
	if a.Channel == "" {
		a.Channel = SalesSite
	}
	if _, err := ParseChannel(string(a.Channel)); err != nil {
		return nil, "", err
	}
	p, err := a.validate(s.DB.Clock(), application)
	if err != nil {
		return nil, "", err
	}
	sealed, err := s.seal(p.mobile, p.idNumber, p.address)
	if err != nil {
		return nil, "", err
	}
	var m *Member
	var out Outcome
	// A concurrent insert of the same mobile loses on the unique index;
	// the retry then finds the winner's row and merges into it.
	for attempt := 0; attempt < 3; attempt++ {
		err = s.DB.Update(ctx, func(tx *db.Tx) error {
			var err error
			m, out, err = s.submitTx(ctx, tx, a, p, sealed, submitOpts{application: application})
			return err
		})
		if !errors.Is(err, errRace) {
			break
		}
	}
	if err != nil {
		return nil, "", fmt.Errorf("member application: %w", err)
	}
	return m, out, nil
}

// submitOpts tunes submitTx: quiet (imports) skips re-reading the member
// and the per-row audit entry; the batch writes one audit entry instead.
type submitOpts struct {
	application bool
	quiet       bool
	source      string // history source; "" derives it from the actor
	// clash, if set (imports), keeps a known member's identity: a row
	// that disagrees with it changes nothing, is described here and ends
	// as Conflicted.
	clash *clash
}

func (s *Service) submitTx(ctx context.Context, tx *db.Tx, a Application, p *profile, sl *sealed, o submitOpts) (*Member, Outcome, error) {
	application := o.application
	node, err := joinNode(ctx, tx, a.NodeCode)
	if err != nil {
		return nil, "", err
	}
	var id int64
	var path string
	err = tx.QueryRow(ctx, "SELECT id, node_path FROM members WHERE mobile_idx = ?"+tx.ForUpdate(), sl.mobileIdx).Scan(&id, &path)
	switch {
	case err == nil:
		if a.MergeWithin != nil && !within(path, a.MergeWithin) {
			return nil, "", &apperr.Error{Code: apperr.Conflict, Field: "mobile",
				ZH: "该手机号已是其他城市公司的会员，请联系其所属城市公司办理",
				EN: "this mobile number belongs to a member of another city company; ask that company to handle it"}
		}
		return s.merge(ctx, tx, id, a, p, o)
	case !isNoRows(err):
		return nil, "", err
	}
	if sl.idIdx != nil {
		if err := checkIDFree(ctx, tx, *sl.idIdx, 0); err != nil {
			return nil, "", err
		}
	}
	status := Default
	if application {
		status = Pending
	}
	full, initials := namePinyin(p.name)
	family, _ := json.Marshal(nonNil(p.family))
	id, err = tx.InsertID(ctx, `INSERT INTO members (node_id, node_path, status, tier, name, name_pinyin, name_initials, gender,
		mobile_enc, mobile_idx, mobile_last4_idx, id_enc, id_idx, address_enc, birthday, email, wechat, occupation, family,
		consent_sms, consent_email, consent_post, consent_at, consent_how, channel, recruiter_id, created_at, updated_at)
		VALUES (?, ?, ?, 'regular', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		node.ID, node.Path, status, p.name, full, initials, p.gender,
		sl.mobile, sl.mobileIdx, sl.last4Idx, sl.id, sl.idIdx, sl.address, p.birthday, p.email, p.wechat, p.occupation, string(family),
		p.consent.SMS, p.consent.Email, p.consent.Post, p.consent.At, p.consent.How, a.Channel, a.RecruiterID, tx.Now, tx.Now)
	if db.IsUniqueViolation(err) {
		return nil, "", errRace
	}
	if err != nil {
		return nil, "", err
	}
	if err := setTags(ctx, tx, id, p.tags); err != nil {
		return nil, "", err
	}
	if err := addNameTokens(ctx, tx, p.name); err != nil {
		return nil, "", err
	}
	if err := addProperties(ctx, tx, id, p.properties); err != nil {
		return nil, "", err
	}
	if application {
		if err := addApplication(ctx, tx, id, a, node.ID, "submitted"); err != nil {
			return nil, "", err
		}
	}
	what := "默认会员"
	if application {
		what = "入会申请"
	}
	src := o.source
	if src == "" {
		src = source(tx)
	}
	if err := recordChange(ctx, tx, id, src, "created", "", what); err != nil {
		return nil, "", err
	}
	if o.quiet {
		return &Member{ID: id}, Created, nil
	}
	r, err := s.loadRow(ctx, tx, "m.id = ?", id)
	if err != nil {
		return nil, "", err
	}
	action := "member.enrol"
	if application {
		action = "member.apply"
	}
	err = audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "member", ObjectID: id, NodePath: node.Path,
		Summary: what + " " + pii.MaskName(p.name) + " " + pii.MaskMobile(p.mobile), After: &r.Member})
	return &r.Member, Created, err
}

// merge folds an enrolment or application into the member who has the mobile.
func (s *Service) merge(ctx context.Context, tx *db.Tx, id int64, a Application, p *profile, o submitOpts) (*Member, Outcome, error) {
	old, err := s.loadRow(ctx, tx, "m.id = ?", id)
	if err != nil {
		return nil, "", err
	}
	if o.clash != nil {
		if held, err := s.checkIdentity(old, p, o); err != nil || held {
			return &Member{ID: id}, Conflicted, err
		}
	}
	src := o.source
	if src == "" {
		src = "application"
	}
	if !o.application {
		// A repeated visit or call changes nothing but a missing name.
		if old.Name == "" && p.name != "" {
			name := p.name
			if _, err := s.update(ctx, tx, old, Update{Name: &name}, source(tx)); err != nil {
				return nil, "", err
			}
			old, err = s.loadRow(ctx, tx, "m.id = ?", id)
		}
		return &old.Member, Merged, err
	}
	u := p.asUpdate()
	changed, err := s.update(ctx, tx, old, u, src)
	if err != nil {
		return nil, "", err
	}
	if err := addProperties(ctx, tx, id, p.properties); err != nil {
		return nil, "", err
	}
	appStatus := "merged"
	switch old.Status {
	case Default, Returned, Closed:
		if err := setStatus(ctx, tx, id, old.Status, Pending, ""); err != nil {
			return nil, "", err
		}
		appStatus = "submitted"
	case Pending:
		appStatus = "submitted"
	}
	node, err := joinNode(ctx, tx, a.NodeCode)
	if err != nil {
		return nil, "", err
	}
	// The same application again (a retried form, a re-run import) changes
	// nothing and adds no second application to the history.
	if changed || appStatus == "submitted" && old.Status != Pending {
		if err := addApplication(ctx, tx, id, a, node.ID, appStatus); err != nil {
			return nil, "", err
		}
	}
	if o.quiet {
		return &Member{ID: id}, Merged, nil
	}
	r, err := s.loadRow(ctx, tx, "m.id = ?", id)
	if err != nil {
		return nil, "", err
	}
	err = audit.Record(ctx, tx, audit.Change{Action: "member.apply", ObjectType: "member", ObjectID: id, NodePath: old.NodePath,
		Summary: "入会申请合并到已有会员 " + pii.MaskName(r.Name), Before: &old.Member, After: &r.Member})
	return &r.Member, Merged, err
}

// joinNode checks the node a member joins at: a city company or a project.
func joinNode(ctx context.Context, tx *db.Tx, code string) (*org.Node, error) {
	var id int64
	err := tx.QueryRow(ctx, "SELECT id FROM org_nodes WHERE code = ?", org.NormalizeCode(code)).Scan(&id)
	if isNoRows(err) {
		return nil, apperr.Field("org", "入会项目或城市公司 "+code+" 不存在", "org node "+code+" does not exist")
	}
	if err != nil {
		return nil, err
	}
	n, err := org.ByID(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if n.Kind != org.City && n.Kind != org.Project {
		return nil, apperr.Field("org", "会员须在城市公司或项目入会", "members join at a city company or a project")
	}
	return n, nil
}

func checkIDFree(ctx context.Context, tx *db.Tx, idIdx string, self int64) error {
	var other int64
	err := tx.QueryRow(ctx, "SELECT id FROM members WHERE id_idx = ? AND id <> ?", idIdx, self).Scan(&other)
	if isNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	return &apperr.Error{Code: apperr.Conflict, Field: "id_number", ZH: "该身份证号已登记在另一位会员名下", EN: "this ID number belongs to another member"}
}

func addApplication(ctx context.Context, tx *db.Tx, memberID int64, a Application, nodeID int64, status string) error {
	_, err := tx.Exec(ctx, `INSERT INTO member_applications (member_id, channel, recruiter_id, node_id, status, submitted_by, submitted_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, memberID, a.Channel, a.RecruiterID, nodeID, status, tx.Actor.Login, tx.Now)
	return err
}

func setStatus(ctx context.Context, tx *db.Tx, id int64, from, to Status, reason string) error {
	if _, err := tx.Exec(ctx, "UPDATE members SET status = ?, return_reason = ?, updated_at = ? WHERE id = ?", to, reason, tx.Now, id); err != nil {
		return err
	}
	return recordChange(ctx, tx, id, source(tx), "status", string(from), string(to))
}

func setTags(ctx context.Context, tx *db.Tx, id int64, tags []string) error {
	if _, err := tx.Exec(ctx, "DELETE FROM member_tags WHERE member_id = ?", id); err != nil {
		return err
	}
	for _, t := range tags {
		if _, err := tx.Exec(ctx, "INSERT INTO member_tags (member_id, tag, node_path) SELECT id, ?, node_path FROM members WHERE id = ?", t, id); err != nil {
			return err
		}
	}
	return nil
}

// source names who changed a member, for the history: staff, self (the
// member in the portal) or system.
func source(tx *db.Tx) string {
	switch tx.Actor.Kind {
	case "staff":
		return "staff"
	case "member":
		return "self"
	}
	return "system"
}

func within(path string, paths []string) bool {
	for _, p := range paths {
		if strings.HasPrefix(path, p) {
			return true
		}
	}
	return false
}

func isNoRows(err error) bool { return errors.Is(err, sql.ErrNoRows) }

func nonNil[T any](xs []T) []T {
	if xs == nil {
		return []T{}
	}
	return xs
}

// Review decides an application (审核): approve gives a member number and
// the 普籍 tier; return needs a reason the applicant will see.
func (s *Service) Review(ctx context.Context, id int64, approve bool, reason string) (*Member, error) {
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return nil, apperr.Field("reason", "退回须填写原因", "a returned application needs a reason")
	}
	var m *Member
	err := s.DB.Update(ctx, func(tx *db.Tx) (err error) {
		m, err = s.reviewTx(ctx, tx, id, nil, approve, reason, false)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("review member: %w", err)
	}
	return m, nil
}

// ReviewMany decides many applications at once (批量审核) in one
// transaction; it returns the error of each id that could not be decided.
func (s *Service) ReviewMany(ctx context.Context, ids []int64, approve bool, reason string) (map[int64]error, error) {
	return s.ReviewWithin(ctx, ids, nil, approve, reason)
}

// ReviewWithin is ReviewMany for a caller whose scope is the org paths
// within (nil: everywhere): a member outside them is never decided, even
// if its id is given (it fails as not found).
func (s *Service) ReviewWithin(ctx context.Context, ids []int64, within []string, approve bool, reason string) (map[int64]error, error) {
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return nil, apperr.Field("reason", "退回须填写原因", "a returned application needs a reason")
	}
	failed := map[int64]error{}
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		for _, id := range ids {
			if _, err := s.reviewTx(ctx, tx, id, within, approve, reason, true); err != nil {
				if apperr.As(err).Code == apperr.Internal {
					return err
				}
				failed[id] = err
			}
		}
		return nil
	})
	return failed, err
}

func (s *Service) reviewTx(ctx context.Context, tx *db.Tx, id int64, scope []string, approve bool, reason string, quiet bool) (*Member, error) {
	var status Status
	var name, path string
	err := tx.QueryRow(ctx, "SELECT status, name, node_path FROM members WHERE id = ?"+tx.ForUpdate(), id).Scan(&status, &name, &path)
	if isNoRows(err) || (err == nil && scope != nil && !within(path, scope)) {
		return nil, apperr.NotFoundf("会员", "member")
	}
	if err != nil {
		return nil, err
	}
	if status != Pending {
		return nil, &apperr.Error{Code: apperr.Conflict, ZH: "该会员没有待审核的申请", EN: "this member has no application awaiting review"}
	}
	if name == "" {
		return nil, apperr.Field("name", "申请缺少姓名，无法通过", "the application has no name")
	}
	appStatus, to := "returned", Returned
	if approve {
		appStatus, to = "approved", Active
		if _, err := tx.Exec(ctx, `UPDATE members SET member_no = COALESCE(member_no, ?), joined_at = COALESCE(joined_at, ?) WHERE id = ?`,
			fmt.Sprintf("M%08d", id), tx.Now, id); err != nil {
			return nil, err
		}
		reason = ""
	}
	if err := setStatus(ctx, tx, id, status, to, reason); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `UPDATE member_applications SET status = ?, reason = ?, reviewed_by = ?, reviewed_at = ?
		WHERE member_id = ? AND status = 'submitted'`, appStatus, reason, nullID(tx.Actor.ID), tx.Now, id); err != nil {
		return nil, err
	}
	action, summary := "member.approve", "审核通过 "+pii.MaskName(name)
	if !approve {
		action, summary = "member.return", "退回申请 "+pii.MaskName(name)+"："+reason
	}
	if err := audit.Record(ctx, tx, audit.Change{Action: action, ObjectType: "member", ObjectID: id, NodePath: path, Summary: summary}); err != nil {
		return nil, err
	}
	if quiet {
		return &Member{ID: id, Status: to}, nil
	}
	r, err := s.loadRow(ctx, tx, "m.id = ?", id)
	if err != nil {
		return nil, err
	}
	return &r.Member, nil
}

func nullID(id int64) *int64 {
	if id == 0 {
		return nil
	}
	return &id
}
