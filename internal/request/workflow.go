package request

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/audit"
	"estateclub/internal/auth"
	"estateclub/internal/db"
	"estateclub/internal/notify"
	"estateclub/internal/pii"
)

// The staff workflow: a request is routed to a department (assigned), taken
// by one of its staff (in progress), may wait for the member (the clock
// stops), is resolved with an answer, and closes when the member confirms or
// by itself after CloseAfter days; the member may reopen it before. Every
// step is a line of the request's history and an audit entry, and runs in
// one transaction that checks the request's status first.

// Scope is where a staff member may see or handle requests: every kind at
// or below All, property complaints only at or below Property (物业: their
// projects). A nil *Scope is everywhere.
type Scope struct {
	All      []string
	Property []string
}

// Allows reports whether the scope reaches r.
func (sc *Scope) Allows(r *Request) bool {
	if sc == nil {
		return true
	}
	if inPaths(r.NodePath, sc.All) || (r.ProjectPath != "" && inPaths(r.ProjectPath, sc.All)) {
		return true
	}
	return r.Kind == Complaint && r.Subkind == SubProperty && inPaths(r.about(), sc.Property)
}

// about is the path of what a request is about: its project, else the member's node.
func (r *Request) about() string {
	if r.ProjectPath != "" {
		return r.ProjectPath
	}
	return r.NodePath
}

// where is the scope as SQL over requests r.
func (sc *Scope) where() (string, []any) {
	if sc == nil {
		return "1 = 1", nil
	}
	a, aa := db.PathsWhere("r.node_path", sc.All)
	b, ba := db.PathsWhere("r.project_path", sc.All)
	c, ca := db.PathsWhere("(CASE WHEN r.project_path = '' THEN r.node_path ELSE r.project_path END)", sc.Property)
	return "(" + a + " OR " + b + " OR (r.kind = 'complaint' AND r.subkind = 'property' AND " + c + "))",
		append(append(aa, ba...), ca...)
}

// Limits of a reply.
const (
	MaxReply = 2000
	MaxTopic = 20
)

func errClosed(r *Request) error {
	return &apperr.Error{Code: apperr.Conflict, Field: "status",
		ZH: "诉求 " + r.No + " 已关闭，不能再操作；如需继续处理，请先重新打开",
		EN: "request " + r.No + " is closed; reopen it first to act on it"}
}

func errStatus(r *Request, zh, en string) error {
	return &apperr.Error{Code: apperr.Conflict, Field: "status",
		ZH: "诉求 " + r.No + " 当前为“" + r.Status.Label("") + "”，" + zh,
		EN: "request " + r.No + " is " + strings.ToLower(r.Status.Label("en")) + "; " + en}
}

// step runs fn on request id, locked, and records the history line and the
// audit entry fn names. within (nil: anywhere) must allow the request.
func (s *Service) step(ctx context.Context, id int64, within *Scope, fn func(tx *db.Tx, r *Request) (action, note string, err error)) (*Request, error) {
	var out *Request
	err := s.DB.Update(ctx, func(tx *db.Tx) error {
		var v int
		if err := tx.QueryRow(ctx, "SELECT version FROM requests WHERE id = ?"+tx.ForUpdate(), id).Scan(&v); err != nil {
			if isNoRows(err) {
				return apperr.NotFoundf("诉求", "request")
			}
			return err
		}
		before, err := s.get(ctx, tx, id)
		if err != nil {
			return err
		}
		if !within.Allows(before) {
			return apperr.NotFoundf("诉求", "request")
		}
		action, note, err := fn(tx, before)
		if err != nil {
			return err
		}
		if action == "" {
			out = before
			return nil
		}
		if _, err := tx.Exec(ctx, "UPDATE requests SET version = version + 1, updated_at = ? WHERE id = ?", tx.Now, id); err != nil {
			return err
		}
		if err := addEvent(ctx, tx, id, action, note); err != nil {
			return err
		}
		if out, err = s.get(ctx, tx, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Change{Action: "request." + action, ObjectType: "request", ObjectID: id,
			NodePath: out.NodePath, Summary: out.No + " " + eventLabel(action, ""), Before: brief(before), After: brief(out)})
	})
	if err != nil {
		return nil, fmt.Errorf("request %d: %w", id, err)
	}
	return out, nil
}

// brief is what the audit log keeps of a request: its state, no text.
func brief(r *Request) map[string]any {
	m := map[string]any{"no": r.No, "status": r.Status, "escalation": r.Escalation}
	if r.DepartmentID != nil {
		m["department_id"] = *r.DepartmentID
	}
	if r.AssigneeID != nil {
		m["assignee_id"] = *r.AssigneeID
	}
	if r.Topic != "" {
		m["topic"] = r.Topic
	}
	return m
}

// Take makes staffID the request's handler: in progress. Two staff taking
// it at once: one wins, the other is told who has it.
func (s *Service) Take(ctx context.Context, id, staffID int64, within *Scope) (*Request, error) {
	return s.step(ctx, id, within, func(tx *db.Tx, r *Request) (string, string, error) {
		switch {
		case r.Status == Closed:
			return "", "", errClosed(r)
		case r.AssigneeID != nil && *r.AssigneeID == staffID:
			return "", "", nil // already theirs: a retry
		case r.AssigneeID != nil:
			return "", "", &apperr.Error{Code: apperr.Conflict, Field: "assignee",
				ZH: "诉求 " + r.No + " 已由 " + r.Assignee + " 接手", EN: "request " + r.No + " has been taken by " + r.Assignee}
		case r.Status.Done():
			return "", "", errStatus(r, "无需接手", "there is nothing to take")
		}
		status := InProgress
		if r.Status == Waiting {
			status = Waiting
		}
		res, err := tx.Exec(ctx, "UPDATE requests SET assignee_id = ?, status = ? WHERE id = ? AND assignee_id IS NULL", staffID, status, id)
		if err != nil {
			return "", "", err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return "", "", apperr.New(apperr.Conflict, "诉求已被他人接手，请刷新", "someone else took the request; reload")
		}
		return "taken", "", nil
	})
}

// Assign gives the request to a staff member of its department (or any
// staff member when it has none): assigned, waiting for them to start.
func (s *Service) Assign(ctx context.Context, id, staffID int64, within *Scope) (*Request, error) {
	var told []int64
	r, err := s.step(ctx, id, within, func(tx *db.Tx, r *Request) (string, string, error) {
		if r.Status == Closed {
			return "", "", errClosed(r)
		}
		if r.Status.Done() {
			return "", "", errStatus(r, "不能再分派", "it cannot be assigned")
		}
		var name string
		if err := tx.QueryRow(ctx, "SELECT name FROM staff WHERE id = ? AND active", staffID).Scan(&name); err != nil {
			if isNoRows(err) {
				return "", "", apperr.Field("staff_id", "请选择在职的员工", "choose an active staff member")
			}
			return "", "", err
		}
		if ok, err := canSee(ctx, tx, r, []int64{staffID}); err != nil {
			return "", "", err
		} else if len(ok) == 0 {
			return "", "", apperr.Field("staff_id", name+" 的权限看不到这条诉求，不能分派给他", name+" may not see this request, so it cannot be assigned to them")
		}
		if r.DepartmentID != nil {
			n, err := tx.Count(ctx, "SELECT count(*) FROM request_department_staff WHERE department_id = ? AND staff_id = ?", *r.DepartmentID, staffID)
			if err != nil {
				return "", "", err
			}
			if n == 0 {
				return "", "", apperr.Field("staff_id", name+" 不是“"+r.Department+"”的责任人，请先转派到其部门", name+" is not responsible in “"+r.Department+"”; transfer the request to their department first")
			}
		}
		status := r.Status
		if status == Open {
			status = Assigned
		}
		if _, err := tx.Exec(ctx, "UPDATE requests SET assignee_id = ?, status = ? WHERE id = ?", staffID, status, id); err != nil {
			return "", "", err
		}
		told = []int64{staffID}
		return "assigned", name, tell(ctx, tx, r, told, notify.Note{Kind: "request.assigned", ObjectType: "request", ObjectID: id,
			ZH: "诉求 " + r.No + " 已分派给您", EN: "request " + r.No + " was assigned to you", Href: href(id)})
	})
	return r, err
}

func href(id int64) string { return "/requests/" + strconv.FormatInt(id, 10) }

// Transfer sends the request to another department with a reason: it waits
// there to be taken. The department must be within the caller's scope
// (deptWithin, nil anywhere) and active.
func (s *Service) Transfer(ctx context.Context, id, deptID int64, reason string, within *Scope, deptWithin []string) (*Request, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 200 {
		return nil, apperr.Field("reason", "请写明转派原因（不超过 200 字）", "give the reason for the transfer (at most 200 characters)")
	}
	return s.step(ctx, id, within, func(tx *db.Tx, r *Request) (string, string, error) {
		if r.Status == Closed {
			return "", "", errClosed(r)
		}
		if r.Status.Done() {
			return "", "", errStatus(r, "不能再转派", "it cannot be transferred")
		}
		d, err := department(ctx, tx, deptID)
		if err != nil || (deptWithin != nil && !inPaths(d.NodePath, deptWithin)) {
			return "", "", apperr.Field("department_id", "该部门不存在或不在您的管理范围内", "that department does not exist or is outside your scope")
		}
		if !d.Active {
			return "", "", apperr.Field("department_id", "“"+d.Name+"”已停用", "“"+d.Label("en")+"” is no longer active")
		}
		if r.DepartmentID != nil && *r.DepartmentID == deptID {
			return "", "", apperr.Field("department_id", "诉求已在“"+d.Name+"”", "the request is already with “"+d.Label("en")+"”")
		}
		status := Assigned
		if r.Status == Waiting {
			status = Waiting
		}
		if _, err := tx.Exec(ctx, "UPDATE requests SET department_id = ?, assignee_id = NULL, status = ? WHERE id = ?", deptID, status, id); err != nil {
			return "", "", err
		}
		r.DepartmentID, r.Department = &deptID, d.Name
		if _, err := tellDepartment(ctx, tx, r, deptID); err != nil {
			return "", "", err
		}
		return "transferred", d.Name + "：" + reason, nil
	})
}

// tellDepartment notifies a department's staff of a request routed to it.
func tellDepartment(ctx context.Context, tx *db.Tx, r *Request, deptID int64) ([]int64, error) {
	ids, err := tx.IDs(ctx, "SELECT staff_id FROM request_department_staff WHERE department_id = ?", deptID)
	if err != nil || len(ids) == 0 {
		return nil, err
	}
	cat, err := loadCatalogue(ctx, tx)
	if err != nil {
		return nil, err
	}
	topic := func(lang string) string {
		return cat.KindLabel(r.Kind, lang) + "/" + cat.SubkindLabel(r.Kind, r.Subkind, lang)
	}
	return ids, tell(ctx, tx, r, ids, notify.Note{Kind: "request.routed", ObjectType: "request", ObjectID: r.ID,
		ZH: "新诉求 " + r.No + "（" + topic("") + "）转到您的部门",
		EN: "new request " + r.No + " (" + topic("en") + ") came to your department", Href: href(r.ID)})
}

// Reply is a staff member's message on a request.
type Reply struct {
	Body     string `json:"body"`
	Internal bool   `json:"internal"` // an internal note the member never sees
	// Wait asks the member something: the request waits for them and its
	// clock stops.
	Wait bool `json:"wait"`
	// Files go with the message (at most MaxFiles); a note's files are
	// the staff's only.
	Files []Upload `json:"files,omitempty"`
}

func cleanBody(body string) (string, error) {
	body = strings.TrimSpace(strings.ReplaceAll(body, "\r\n", "\n"))
	switch n := utf8.RuneCountInString(body); {
	case n == 0:
		return "", apperr.Field("body", "请填写内容", "write the message")
	case n > MaxReply:
		return "", apperr.Field("body", fmt.Sprintf("内容不能超过 %d 个字", MaxReply), fmt.Sprintf("the message has at most %d characters", MaxReply))
	case !utf8.ValidString(body):
		return "", apperr.Field("body", "内容含有无法显示的字符", "the message holds characters that cannot be shown")
	}
	return body, nil
}

// addMessage stores a message, sealed, with its files.
func (s *Service) addMessage(ctx context.Context, tx *db.Tx, requestID int64, kind string, author *int64, internal bool, body string, files ...checkedFile) error {
	id, err := tx.InsertID(ctx, `INSERT INTO request_messages (request_id, author_kind, author_id, internal, body_enc, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, requestID, kind, author, internal, []byte{0}, tx.Now)
	if err != nil {
		return err
	}
	enc, err := s.Keys.Seal(body, messageAAD(id))
	if err != nil {
		return err
	}
	if _, err = tx.Exec(ctx, "UPDATE request_messages SET body_enc = ? WHERE id = ?", enc, id); err != nil {
		return err
	}
	return s.addFiles(ctx, tx, requestID, &id, files)
}

func messageAAD(id int64) string { return pii.AAD("request_messages.body", id) }

// Reply adds a staff member's reply or internal note. The first reply to the
// member is the first response; a reply that waits stops the clock. A
// closed request takes no reply.
func (s *Service) Reply(ctx context.Context, id, staffID int64, in Reply, within *Scope) (*Request, error) {
	body, err := cleanBody(in.Body)
	if err != nil {
		return nil, err
	}
	files, err := checkFiles(in.Files)
	if err != nil {
		return nil, err
	}
	if in.Internal && in.Wait {
		return nil, apperr.Field("wait", "内部备注不会发给会员，不能用来等待会员回复", "an internal note is not sent to the member, so it cannot wait for them")
	}
	r, err := s.step(ctx, id, within, func(tx *db.Tx, r *Request) (string, string, error) {
		if r.Status == Closed {
			return "", "", errClosed(r)
		}
		if err := s.addMessage(ctx, tx, id, "staff", &staffID, in.Internal, body, files...); err != nil {
			return "", "", err
		}
		if in.Internal {
			return "noted", "", nil
		}
		sets := []string{}
		args := []any{}
		if r.RespondedAt == nil {
			sets, args = append(sets, "responded_at = ?"), append(args, tx.Now)
		}
		action := "replied"
		switch {
		case in.Wait && r.Status.Done():
			return "", "", errStatus(r, "不能再等待会员回复", "it cannot wait for the member")
		case in.Wait && r.Status != Waiting:
			sets, args = append(sets, "status = ?", "paused_at = ?"), append(args, Waiting, tx.Now)
			action = "waiting"
		case r.Status == Open || r.Status == Assigned:
			sets, args = append(sets, "status = ?"), append(args, InProgress)
			if r.AssigneeID == nil {
				sets, args = append(sets, "assignee_id = ?"), append(args, staffID)
			}
		}
		if len(sets) > 0 {
			if _, err := tx.Exec(ctx, "UPDATE requests SET "+strings.Join(sets, ", ")+" WHERE id = ?", append(args, id)...); err != nil {
				return "", "", err
			}
		}
		return action, "", nil
	})
	if err == nil && !in.Internal {
		s.text(ctx, r, "您的诉求 "+r.No+" 有新的回复，请登录会员中心查看。")
	}
	return r, err
}

// text tells the member through SMS, if they consented; the text never
// holds the request's content.
func (s *Service) text(ctx context.Context, r *Request, text string) {
	if s.Text != nil && r != nil {
		s.Text(ctx, r.MemberID, "【客户会】"+text)
	}
}

// resume restarts the clock of a waiting request: its due times move by the
// working time it waited.
func (s *Service) resume(ctx context.Context, tx *db.Tx, r *Request) error {
	cal, err := s.calendar(ctx)
	if err != nil {
		return err
	}
	shift := func(t *time.Time) *time.Time {
		if t == nil || r.PausedAt == nil {
			return t
		}
		left := cal.WorkingTime(*r.PausedAt, *t)
		at := cal.AddWorkingHours(tx.Now, left)
		return &at
	}
	respond := r.RespondDueAt
	if r.RespondedAt == nil {
		respond = shift(r.RespondDueAt)
	}
	_, err = tx.Exec(ctx, "UPDATE requests SET status = ?, paused_at = NULL, respond_due_at = ?, due_at = ? WHERE id = ?",
		InProgress, respond, shift(r.DueAt), r.ID)
	return err
}

// MemberReply adds the member's own message, with their files; a request
// waiting for them goes on, its clock restarted.
func (s *Service) MemberReply(ctx context.Context, id, memberID int64, text string, uploads ...Upload) (*Request, error) {
	body, err := cleanBody(text)
	if err != nil {
		return nil, err
	}
	files, err := checkFiles(uploads)
	if err != nil {
		return nil, err
	}
	var told []int64
	r, err := s.step(ctx, id, nil, func(tx *db.Tx, r *Request) (string, string, error) {
		if r.MemberID != memberID {
			return "", "", apperr.NotFoundf("诉求", "request")
		}
		if r.Status == Closed {
			return "", "", errClosed(r)
		}
		if err := s.addMessage(ctx, tx, id, "member", nil, false, body, files...); err != nil {
			return "", "", err
		}
		if r.Status == Waiting {
			if err := s.resume(ctx, tx, r); err != nil {
				return "", "", err
			}
		}
		if r.AssigneeID != nil {
			told = []int64{*r.AssigneeID}
			if err := tell(ctx, tx, r, told, notify.Note{Kind: "request.member_replied", ObjectType: "request", ObjectID: id,
				ZH: "会员回复了诉求 " + r.No, EN: "the member replied on request " + r.No, Href: href(id)}); err != nil {
				return "", "", err
			}
		}
		return "member_replied", "", nil
	})
	return r, err
}

// Resolve answers the request: resolved, the answer sent to the member with
// a short satisfaction survey, and a topic for the monthly report.
func (s *Service) Resolve(ctx context.Context, id, staffID int64, answer, topic string, within *Scope) (*Request, error) {
	body, err := cleanBody(answer)
	if err != nil {
		return nil, apperr.Field("body", "请填写给会员的处理结果", "write the answer to the member")
	}
	if topic, err = cleanTopic(topic); err != nil {
		return nil, err
	}
	if err := s.prepareSurvey(ctx); err != nil {
		return nil, err
	}
	r, err := s.step(ctx, id, within, func(tx *db.Tx, r *Request) (string, string, error) {
		if r.Status == Closed {
			return "", "", errClosed(r)
		}
		if r.Status == Resolved {
			return "", "", errStatus(r, "无需重复办结", "it is resolved already")
		}
		if r.Subkind == SubAccountDeletion || r.Subkind == SubDataCopy {
			return "", "", errStatus(r, "个人信息申请须通过“批准注销”或“生成副本”办结", "a PIPL request is resolved by approving the deletion or making the copy")
		}
		if err := s.addMessage(ctx, tx, id, "staff", &staffID, false, body); err != nil {
			return "", "", err
		}
		return "resolved", "", s.markResolved(ctx, tx, r, staffID, topic)
	})
	if err == nil {
		s.text(ctx, r, "您的诉求 "+r.No+" 已办结，请登录会员中心查看处理结果并评价。")
	}
	return r, err
}

func cleanTopic(topic string) (string, error) {
	topic = strings.TrimSpace(topic)
	if utf8.RuneCountInString(topic) > MaxTopic {
		return "", apperr.Field("topic", fmt.Sprintf("主题不能超过 %d 个字", MaxTopic), fmt.Sprintf("the topic has at most %d characters", MaxTopic))
	}
	return topic, nil
}

func (s *Service) markResolved(ctx context.Context, tx *db.Tx, r *Request, staffID int64, topic string) error {
	if topic == "" {
		topic = r.Topic
	}
	responded := r.RespondedAt
	if responded == nil {
		responded = &tx.Now
	}
	assignee := r.AssigneeID
	if assignee == nil && staffID != 0 {
		assignee = &staffID
	}
	if _, err := tx.Exec(ctx, `UPDATE requests SET status = ?, resolved_at = ?, responded_at = ?, paused_at = NULL, topic = ?, assignee_id = ?
		WHERE id = ?`, Resolved, tx.Now, responded, topic, assignee, r.ID); err != nil {
		return err
	}
	if s.SurveyInvite != nil && r.Rating == nil && r.Subkind != SubAccountDeletion {
		return s.SurveyInvite(ctx, tx, r.MemberID, r.ID)
	}
	return nil
}

// SetTopic sets the recurring topic of a request (漏水, 停车 …) for the report.
func (s *Service) SetTopic(ctx context.Context, id int64, topic string, within *Scope) (*Request, error) {
	topic, err := cleanTopic(topic)
	if err != nil {
		return nil, err
	}
	return s.step(ctx, id, within, func(tx *db.Tx, r *Request) (string, string, error) {
		if r.Topic == topic {
			return "", "", nil
		}
		_, err := tx.Exec(ctx, "UPDATE requests SET topic = ? WHERE id = ?", topic, id)
		return "topic", topic, err
	})
}

// Confirm is the member's "solved, thank you": a resolved request closes.
func (s *Service) Confirm(ctx context.Context, id, memberID int64) (*Request, error) {
	return s.step(ctx, id, nil, func(tx *db.Tx, r *Request) (string, string, error) {
		if r.MemberID != memberID {
			return "", "", apperr.NotFoundf("诉求", "request")
		}
		if r.Status == Closed {
			return "", "", nil
		}
		if r.Status != Resolved {
			return "", "", errStatus(r, "办结后才能确认", "it can be confirmed once resolved")
		}
		_, err := tx.Exec(ctx, "UPDATE requests SET status = ?, closed_at = ? WHERE id = ?", Closed, tx.Now, id)
		return "confirmed", "", err
	})
}

// Reopen takes a resolved request (or one closed within CloseAfter days of
// its resolution) back into progress, with a new resolution due time; by
// the member (memberID) or by staff (memberID 0, within their scope).
func (s *Service) Reopen(ctx context.Context, id, memberID int64, reason string, within *Scope) (*Request, error) {
	reason, err := cleanBody(reason)
	if err != nil {
		return nil, apperr.Field("reason", "请说明重新打开的原因", "say why the request is reopened")
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return nil, err
	}
	var told []int64
	r, err := s.step(ctx, id, within, func(tx *db.Tx, r *Request) (string, string, error) {
		if memberID != 0 && r.MemberID != memberID {
			return "", "", apperr.NotFoundf("诉求", "request")
		}
		if !r.Status.Done() {
			return "", "", errStatus(r, "无需重新打开", "it is still open")
		}
		if r.MergedInto != nil {
			return "", "", errStatus(r, "已合并到其他诉求，请在该诉求上继续", "it was merged into another request; go on there")
		}
		days, err := closeAfter(ctx, tx)
		if err != nil {
			return "", "", err
		}
		if memberID != 0 && r.ResolvedAt != nil && tx.Now.Sub(*r.ResolvedAt) > time.Duration(days)*24*time.Hour {
			return "", "", errStatus(r, fmt.Sprintf("办结已超过 %d 天，请提交新的诉求", days), fmt.Sprintf("it was resolved more than %d days ago; submit a new request", days))
		}
		sla, err := slaOf(ctx, tx, r.Kind)
		if err != nil {
			return "", "", err
		}
		due := cal.AddWorkingHours(tx.Now, time.Duration(sla.ResolveHours)*time.Hour)
		kind, author := "member", (*int64)(nil)
		if memberID == 0 {
			kind = "staff"
		}
		if err := s.addMessage(ctx, tx, id, kind, author, false, reason); err != nil {
			return "", "", err
		}
		if _, err := tx.Exec(ctx, `UPDATE requests SET status = ?, reopened = reopened + 1, resolved_at = NULL, closed_at = NULL,
			due_at = ?, escalation = 0 WHERE id = ?`, InProgress, due, id); err != nil {
			return "", "", err
		}
		if _, err := tx.Exec(ctx, "DELETE FROM request_escalations WHERE request_id = ?", id); err != nil {
			return "", "", err
		}
		if r.AssigneeID != nil {
			told = []int64{*r.AssigneeID}
			if err := tell(ctx, tx, r, told, notify.Note{Kind: "request.reopened", ObjectType: "request", ObjectID: id,
				ZH: "诉求 " + r.No + " 被重新打开", EN: "request " + r.No + " was reopened", Href: href(id)}); err != nil {
				return "", "", err
			}
		}
		return "reopened", "", nil
	})
	return r, err
}

// Merge closes request id as a duplicate of into: the member is told where
// it goes on, both histories say so.
func (s *Service) Merge(ctx context.Context, id, into, staffID int64, within *Scope) (*Request, error) {
	if id == into {
		return nil, apperr.Field("into", "不能合并到自身", "a request cannot be merged into itself")
	}
	var target *Request
	err := s.DB.View(ctx, func(tx *db.Tx) (err error) {
		target, err = s.get(ctx, tx, into)
		return err
	})
	if err != nil || !within.Allows(target) {
		return nil, apperr.Field("into", "要合并到的诉求不存在或不在您的管理范围内", "the request to merge into does not exist or is outside your scope")
	}
	if target.Status == Closed || target.MergedInto != nil {
		return nil, apperr.Field("into", "诉求 "+target.No+" 已关闭，不能合并到它", "request "+target.No+" is closed; it cannot take a merge")
	}
	return s.step(ctx, id, within, func(tx *db.Tx, r *Request) (string, string, error) {
		if r.Status == Closed {
			return "", "", errClosed(r)
		}
		if err := s.addMessage(ctx, tx, id, "staff", &staffID, false,
			"您的诉求与 "+target.No+" 为同一事项，已合并处理，处理进展请查看 "+target.No+"。"); err != nil {
			return "", "", err
		}
		if _, err := tx.Exec(ctx, "UPDATE requests SET status = ?, merged_into = ?, closed_at = ?, paused_at = NULL WHERE id = ?",
			Closed, into, tx.Now, id); err != nil {
			return "", "", err
		}
		if err := addEventTo(ctx, tx, into, "merged_from", r.No); err != nil {
			return "", "", err
		}
		return "merged", target.No, nil
	})
}

// Rate stores the member's satisfaction with a resolved request (1–5), from
// the survey's hook in its transaction; 1–2 flags the request for the
// supervisors of its node, who are told.
func (s *Service) Rate(ctx context.Context, tx *db.Tx, id int64, rating int) error {
	if rating < 1 || rating > 5 {
		return apperr.Field("rating", "评分须为 1–5", "the rating is 1–5")
	}
	r, err := s.get(ctx, tx, id)
	if err != nil {
		return err
	}
	flag := rating <= 2
	if _, err := tx.Exec(ctx, "UPDATE requests SET rating = ?, flagged = ?, version = version + 1, updated_at = ? WHERE id = ?",
		rating, flag, tx.Now, id); err != nil {
		return err
	}
	if err := addEventTo(ctx, tx, id, "rated", strconv.Itoa(rating)); err != nil {
		return err
	}
	if flag {
		sup, err := supervisors(ctx, tx, r.NodePath)
		if err != nil {
			return err
		}
		var ids []int64
		if len(sup) > 0 {
			ids = sup[0].ids
		}
		if err := tell(ctx, tx, r, ids, notify.Note{Kind: "request.low_rating", ObjectType: "request", ObjectID: id,
			ZH: fmt.Sprintf("诉求 %s 的满意度只有 %d 分，请关注", r.No, rating),
			EN: fmt.Sprintf("request %s was rated only %d; please look into it", r.No, rating), Href: href(id)}); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, audit.Change{Action: "request.rated", ObjectType: "request", ObjectID: id, NodePath: r.NodePath,
		Summary: fmt.Sprintf("%s 满意度 %d 分", r.No, rating), After: map[string]any{"rating": rating, "flagged": flag}})
}

// supervisorLevel is the supervisors whose grants sit at one depth above a
// request's node.
type supervisorLevel struct {
	depth int
	ids   []int64
}

// supervisors lists the supervisors (city and group) over path, nearest
// level first.
func supervisors(ctx context.Context, tx *db.Tx, path string) ([]supervisorLevel, error) {
	rows, err := tx.Query(ctx, `SELECT DISTINCT s.id, n.path FROM staff s JOIN staff_roles g ON g.staff_id = s.id
		JOIN org_nodes n ON n.id = g.node_id WHERE s.active AND g.role IN ('city_supervisor', 'group_supervisor')`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byDepth := map[int][]int64{}
	for rows.Next() {
		var id int64
		var p string
		if err := rows.Scan(&id, &p); err != nil {
			return nil, err
		}
		if strings.HasPrefix(path, p) {
			d := strings.Count(p, "/")
			byDepth[d] = append(byDepth[d], id)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []supervisorLevel
	for d, ids := range byDepth {
		slices.Sort(ids)
		out = append(out, supervisorLevel{d, slices.Compact(ids)})
	}
	slices.SortFunc(out, func(a, b supervisorLevel) int { return b.depth - a.depth })
	return out, nil
}

// addEventTo is addEvent on another request than the one being changed.
func addEventTo(ctx context.Context, tx *db.Tx, id int64, action, note string) error {
	return addEvent(ctx, tx, id, action, note)
}

// TimeLeft is the working time until the request's next due time (first
// response while unanswered, then resolution): negative when late, ok false
// when no due time runs (done, or waiting for the member).
func (s *Service) TimeLeft(ctx context.Context, r *Request) (left time.Duration, ok bool, err error) {
	if r.Status.Done() || r.Status == Waiting {
		return 0, false, nil
	}
	due := r.DueAt
	if r.RespondedAt == nil && r.RespondDueAt != nil {
		due = r.RespondDueAt
	}
	if due == nil {
		return 0, false, nil
	}
	cal, err := s.calendar(ctx)
	if err != nil {
		return 0, false, err
	}
	now := s.DB.Clock()
	if now.After(*due) {
		return -cal.WorkingTime(*due, now), true, nil
	}
	return cal.WorkingTime(now, *due), true, nil
}

// tell notifies those of staffIDs who may see r: a notice links to the
// request, and a link that answers 404 helps nobody (a property staff
// member in a department that also takes other complaints).
func tell(ctx context.Context, tx *db.Tx, r *Request, staffIDs []int64, n notify.Note) error {
	ids, err := canSee(ctx, tx, r, staffIDs)
	if err != nil || len(ids) == 0 {
		return err
	}
	return notify.Send(ctx, tx, ids, n)
}

// canSee keeps those of staffIDs whose grants reach r (auth.RequestRead,
// property staff for property complaints only).
func canSee(ctx context.Context, tx *db.Tx, r *Request, staffIDs []int64) ([]int64, error) {
	if len(staffIDs) == 0 {
		return nil, nil
	}
	args := make([]any, len(staffIDs))
	for i, id := range staffIDs {
		args[i] = id
	}
	rows, err := tx.Query(ctx, `SELECT g.staff_id, g.role, n.path FROM staff_roles g JOIN org_nodes n ON n.id = g.node_id
		WHERE g.staff_id IN (`+strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	grants := map[int64][]auth.Grant{}
	for rows.Next() {
		var id int64
		var g auth.Grant
		if err := rows.Scan(&id, &g.Role, &g.NodePath); err != nil {
			return nil, err
		}
		grants[id] = append(grants[id], g)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	var out []int64
	for _, id := range staffIDs {
		if gs := grants[id]; gs != nil && ScopeOf(auth.RequestRead, gs).Allows(r) {
			out = append(out, id)
		}
	}
	return out, nil
}
