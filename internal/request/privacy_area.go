package request

import (
	"context"
	"strconv"
	"time"

	"estateclub/internal/db"
)

// Messages is the requests' part of a member's data that internal/privacy
// does not know: the replies and notes on the member's requests, sealed. It
// is a privacy.Area, plugged in at wiring.
type Messages struct{ S *Service }

// Name is the sheet's name.
func (Messages) Name(lang string) string {
	if lang == "en" {
		return "Request messages"
	}
	return "诉求往来消息"
}

// Copy lists the replies on the member's requests (internal notes are the
// staff's own work, not the member's data), opened.
func (a Messages) Copy(ctx context.Context, tx *db.Tx, memberID int64) ([]string, [][]string, error) {
	rows, err := tx.Query(ctx, `SELECT r.no, m.id, m.author_kind, m.body_enc, m.created_at FROM request_messages m
		JOIN requests r ON r.id = m.request_id WHERE r.member_id = ? AND NOT m.internal ORDER BY m.id`, memberID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var no, kind string
		var id int64
		var enc []byte
		var at timeValue
		if err := rows.Scan(&no, &id, &kind, &enc, &at.t); err != nil {
			return nil, nil, err
		}
		body, err := a.S.Keys.Open(enc, messageAAD(id))
		if err != nil {
			return nil, nil, err
		}
		out = append(out, []string{no, authorWord(kind), body, at.String()})
	}
	return []string{"诉求编号 / No.", "发送方 / From", "内容 / Text", "时间 / Time"}, out, rows.Err()
}

// Erase deletes every message on the member's requests, with its files:
// replies can quote what the member wrote. The requests keep their rows,
// states and times.
func (Messages) Erase(ctx context.Context, tx *db.Tx, memberID int64) error {
	if _, err := tx.Exec(ctx, `DELETE FROM request_files WHERE message_id IS NOT NULL
		AND request_id IN (SELECT id FROM requests WHERE member_id = ?)`, memberID); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, "DELETE FROM request_messages WHERE request_id IN (SELECT id FROM requests WHERE member_id = ?)", memberID)
	return err
}

// Files is the requests' files in a member's data (附件): those the member
// sent and those replies sent them (never an internal note's). The copy
// lists them — the member downloads each from their request's page, where
// it stays until the account is deleted; deletion erases every file of the
// member's requests. It is a privacy.Area, plugged in at wiring.
type Files struct{ S *Service }

// Name is the sheet's name.
func (Files) Name(lang string) string {
	if lang == "en" {
		return "Request files"
	}
	return "诉求附件"
}

// Copy lists the files on the member's requests, without internal notes'.
func (a Files) Copy(ctx context.Context, tx *db.Tx, memberID int64) ([]string, [][]string, error) {
	rows, err := tx.Query(ctx, `SELECT f.id, r.no, f.name, f.name_enc, f.content_type, f.size, COALESCE(m.author_kind, 'member'), f.created_at
		FROM request_files f JOIN requests r ON r.id = f.request_id LEFT JOIN request_messages m ON m.id = f.message_id
		WHERE r.member_id = ? AND (f.message_id IS NULL OR NOT m.internal) ORDER BY f.id`, memberID)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	var out [][]string
	for rows.Next() {
		var no, name, ct, kind string
		var id, size int64
		var enc []byte
		var at timeValue
		if err := rows.Scan(&id, &no, &name, &enc, &ct, &size, &kind, &at.t); err != nil {
			return nil, nil, err
		}
		if name, err = a.S.openName(id, name, enc); err != nil {
			return nil, nil, err
		}
		out = append(out, []string{no, authorWord(kind), name, ct, strconv.FormatInt(size, 10), at.String()})
	}
	return []string{"诉求编号 / No.", "发送方 / From", "文件名 / Name", "类型 / Type", "字节 / Bytes", "时间 / Time"}, out, rows.Err()
}

// Erase deletes every file of the member's requests, the request's own and
// its messages'.
func (Files) Erase(ctx context.Context, tx *db.Tx, memberID int64) error {
	_, err := tx.Exec(ctx, "DELETE FROM request_files WHERE request_id IN (SELECT id FROM requests WHERE member_id = ?)", memberID)
	return err
}

func authorWord(kind string) string {
	switch kind {
	case "member":
		return "会员 / member"
	case "staff":
		return "客户会 / club"
	}
	return "系统 / system"
}

type timeValue struct{ t time.Time }

func (v timeValue) String() string { return v.t.In(china).Format("2006-01-02 15:04") }
