package sms

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"estateclub/internal/apperr"
	"estateclub/internal/db"
	"estateclub/internal/pii"
	"estateclub/internal/validate"
)

// Message is a text message as stored: what was sent, to whom (masked),
// through which provider, and how it went.
type Message struct {
	ID        int64     `json:"id"`
	Mobile    string    `json:"mobile"`  // masked 138****5678
	Purpose   string    `json:"purpose"` // "login_code", …
	Text      string    `json:"text"`
	Provider  string    `json:"provider"`
	Status    string    `json:"status"` // "sent" or "failed"
	Error     string    `json:"error,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Message statuses. A message is "pending" only while its provider is busy.
const (
	StatusPending = "pending"
	StatusSent    = "sent"
	StatusFailed  = "failed"
)

// Filter selects messages.
type Filter struct {
	Mobile        string // raw; matched through the blind index
	Offset, Limit int
}

// Service stores and sends text messages.
type Service struct {
	DB       *db.DB
	Keys     *pii.Keys
	Provider Provider // nil: Outbox
}

// hidden replaces a one-time secret in the stored copy of a delivered message.
const hidden = "******"

func aad(id int64) string { return pii.AAD("sms_messages.mobile", id) }

func (s *Service) provider() Provider {
	if s.Provider == nil {
		return Outbox{}
	}
	return s.Provider
}

// Send stores a message (the mobile encrypted, with its blind index — the
// plain mobile never reaches the database), hands it to the provider and
// records the outcome. A provider's failure is recorded as "failed" and
// returned as an error along with the message.
func (s *Service) Send(ctx context.Context, mobile, purpose, text string) (*Message, error) {
	return s.SendSecret(ctx, mobile, purpose, text, "")
}

// SendSecret is Send for a text that holds a one-time secret, such as a
// sign-in code. When a real provider delivers it, the stored copy shows the
// secret as ****** so the database never holds a usable code; the Outbox
// keeps it, since staff reading the outbox are then the only delivery.
func (s *Service) SendSecret(ctx context.Context, mobile, purpose, text, secret string) (*Message, error) {
	norm, err := validate.Mobile("mobile", mobile)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, apperr.Field("text", "短信内容不能为空", "the message text is empty")
	}
	p := s.provider()
	stored := text
	if _, isOutbox := p.(Outbox); secret != "" && !isOutbox {
		stored = strings.ReplaceAll(text, secret, hidden)
	}
	m := &Message{Mobile: pii.MaskMobile(norm), Purpose: purpose, Text: stored, Provider: p.Name(), Status: StatusPending}
	err = s.DB.Update(ctx, func(tx *db.Tx) error {
		m.CreatedAt = tx.Now
		var err error
		m.ID, err = tx.InsertID(ctx, `INSERT INTO sms_messages (mobile_enc, mobile_idx, purpose, text, provider, status, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?)`, []byte{}, s.Keys.Index(pii.KindMobile, norm), purpose, stored, m.Provider, m.Status, tx.Now)
		if err != nil {
			return err
		}
		enc, err := s.Keys.Seal(norm, aad(m.ID))
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, "UPDATE sms_messages SET mobile_enc = ? WHERE id = ?", enc, m.ID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("store sms: %w", err)
	}
	// The provider may be slow: no transaction is held while it works.
	sendErr := p.Send(ctx, norm, text)
	m.Status = StatusSent
	if sendErr != nil {
		m.Status, m.Error = StatusFailed, truncate(sendErr.Error(), 500)
	}
	err = s.DB.Update(context.WithoutCancel(ctx), func(tx *db.Tx) error {
		_, err := tx.Exec(ctx, "UPDATE sms_messages SET status = ?, error = ?, sent_at = ? WHERE id = ?", m.Status, m.Error, tx.Now, m.ID)
		return err
	})
	if err != nil {
		return m, fmt.Errorf("record sms status: %w", err)
	}
	if sendErr != nil {
		return m, &apperr.Error{Code: apperr.Internal, ZH: "短信发送失败，请稍后再试", EN: "the text message could not be sent, please try again later", Err: sendErr}
	}
	return m, nil
}

// Messages lists stored messages, newest first, with their total count.
func (s *Service) Messages(ctx context.Context, f Filter) ([]Message, int, error) {
	where, args := "", []any{}
	if strings.TrimSpace(f.Mobile) != "" {
		norm, err := validate.Mobile("mobile", f.Mobile)
		if err != nil {
			return nil, 0, err
		}
		where, args = " WHERE mobile_idx = ?", append(args, s.Keys.Index(pii.KindMobile, norm))
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	var out []Message
	var total int
	err := s.DB.View(ctx, func(tx *db.Tx) error {
		var err error
		if total, err = tx.Count(ctx, "SELECT count(*) FROM sms_messages"+where, args...); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, mobile_enc, purpose, text, provider, status, error, created_at FROM sms_messages`+where+
			` ORDER BY id DESC LIMIT ? OFFSET ?`, append(args, limit, max(f.Offset, 0))...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var m Message
			var enc []byte
			if err := rows.Scan(&m.ID, &enc, &m.Purpose, &m.Text, &m.Provider, &m.Status, &m.Error, &m.CreatedAt); err != nil {
				return err
			}
			plain, err := s.Keys.Open(enc, aad(m.ID))
			if err != nil {
				return fmt.Errorf("sms %d: %w", m.ID, err)
			}
			m.Mobile = pii.MaskMobile(plain)
			out = append(out, m)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, fmt.Errorf("list sms: %w", err)
	}
	return out, total, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
