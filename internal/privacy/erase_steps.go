package privacy

import (
	"context"
	"fmt"

	"estateclub/internal/db"
	"estateclub/internal/filestore"
)

// closedNote is what a pending application, tier change or text message
// of an erased member says instead of its own words.
const closedNote = "会员已注销"

// eraseAudit empties the before/after payloads of the audit entries about
// the member and its leads, cards, orders, adjustments, tier changes,
// requests, claims and portal sessions, and of the entries the member
// made in the portal. One statement per kind of entry, so that each walks
// an index of the log (object, or actor) rather than the whole log. It
// returns how many entries it emptied.
func eraseAudit(ctx context.Context, tx *db.Tx, sub *subject) (int64, error) {
	leads, leadArgs := in(sub.leads)
	orders, orderArgs := in(sub.orders)
	reqs, reqArgs := in(sub.reqs)
	byObject := func(typ, ids string, args ...any) stmt {
		return st("object_type = '"+typ+"' AND object_id IN ("+ids+")", args...)
	}
	conds := []stmt{
		st("object_type = 'member' AND object_id = ?", itoa(sub.id)),
		st("actor_kind = 'member' AND actor_id = ?", sub.id),
		byObject("lead", "SELECT CAST(id AS TEXT) FROM leads WHERE id IN "+leads, leadArgs...),
		byObject("redeem_order", "SELECT CAST(id AS TEXT) FROM redeem_orders WHERE id IN "+orders, orderArgs...),
		byObject("request", "SELECT CAST(id AS TEXT) FROM requests WHERE id IN "+reqs, reqArgs...),
		byObject("card", "SELECT number FROM cards WHERE member_id = ?", sub.id),
		byObject("point_adjustment", "SELECT CAST(id AS TEXT) FROM point_adjustments WHERE member_id = ?", sub.id),
		byObject("tier_change", "SELECT CAST(id AS TEXT) FROM tier_changes WHERE member_id = ?", sub.id),
		byObject("member_session", "SELECT CAST(id AS TEXT) FROM member_sessions WHERE member_id = ? OR mobile_idx = ?", sub.id, sub.mobileIdx),
		byObject("lead_claim", "SELECT CAST(id AS TEXT) FROM lead_claims WHERE lead_id IN "+leads, leadArgs...),
	}
	var n int64
	for _, c := range conds {
		res, err := tx.Exec(ctx, "UPDATE audit_log SET before_data = '', after_data = '' WHERE (before_data <> '' OR after_data <> '') AND "+c.q, c.args...)
		if err != nil {
			return 0, fmt.Errorf("erase audit payloads: %w", err)
		}
		k, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		n += k
	}
	return n, nil
}

// eraseMember makes the member row an anonymous shell and blanks the
// member's own tables.
func eraseMember(ctx context.Context, tx *db.Tx, sub *subject) error {
	id := sub.id
	var status string
	if err := tx.QueryRow(ctx, "SELECT status FROM members WHERE id = ?", id).Scan(&status); err != nil {
		return err
	}
	return exec(ctx, tx,
		// A name's search tokens belong to the name: they stay while
		// another member bears it.
		st(`DELETE FROM name_tokens WHERE name = ? AND name <> '' AND NOT EXISTS (SELECT 1 FROM members WHERE name = ? AND id <> ?)`,
			sub.name, sub.name, id),
		st(`UPDATE members SET status = 'closed', name = ?, name_pinyin = '', name_initials = '', gender = '',
			mobile_enc = ?, mobile_idx = ?, mobile_last4_idx = '', id_enc = NULL, id_idx = NULL, address_enc = NULL,
			birthday = NULL, email = '', wechat = '', occupation = '', family = '[]',
			consent_sms = FALSE, consent_email = FALSE, consent_post = FALSE, consent_at = NULL, consent_how = '',
			return_reason = '', updated_at = ? WHERE id = ?`,
			ErasedName, []byte{}, erasedIndex(id), tx.Now, id),
		st("DELETE FROM member_tags WHERE member_id = ?", id),
		st(`UPDATE member_changes SET old_value = '', new_value = ''
			WHERE member_id = ? AND field NOT IN ('status', 'tier', 'consent') AND (old_value <> '' OR new_value <> '')`, id),
		st(`INSERT INTO member_changes (member_id, at, actor_kind, actor_login, source, field, old_value, new_value)
			VALUES (?, ?, ?, ?, 'system', 'status', ?, 'closed')`, id, tx.Now, tx.Actor.Kind, tx.Actor.Login, status),
		st("UPDATE member_applications SET reason = '' WHERE member_id = ? AND reason <> ''", id),
		st(`UPDATE member_applications SET status = 'returned', reason = ?, reviewed_at = ? WHERE member_id = ? AND status = 'submitted'`,
			closedNote, tx.Now, id),
		st("UPDATE member_properties SET building = '', unit = '' WHERE member_id = ?", id),
		st("DELETE FROM member_import_conflicts WHERE member_id = ?", id),
		st(`UPDATE tier_changes SET status = 'rejected', decided_by = ?, decided_at = ?, decision_note = ?
			WHERE member_id = ? AND status = 'pending'`, tx.Actor.Login, tx.Now, closedNote, id),
	)
}

// eraseLeads blanks the member's leads and what was written about them;
// their contacts, deals and history lines stay as counts.
func eraseLeads(ctx context.Context, tx *db.Tx, sub *subject) error {
	if len(sub.leads) == 0 {
		return nil
	}
	ids, args := in(sub.leads)
	with := func(a ...any) []any { return append(append([]any(nil), a...), args...) }
	return exec(ctx, tx,
		st(`UPDATE leads SET surname = '', name = '', gender = '', mobile_enc = ?, mobile_idx = 'erased:' || CAST(id AS TEXT),
			mobile_last4_idx = '', fields = '{}', lost_reason = '', next_action = '', updated_at = ? WHERE id IN `+ids,
			with([]byte{}, tx.Now)...),
		st("UPDATE lead_history SET reason = '' WHERE reason <> '' AND lead_id IN "+ids, args...),
		// The codes of a status, a registration, a member or points
		// events stay; the other actions' values are people's words.
		st(`UPDATE lead_history SET old_value = '', new_value = ''
			WHERE action NOT IN ('status', 'registered', 'member', 'points') AND lead_id IN `+ids, args...),
		st("UPDATE lead_follow_ups SET content = '', answers = '{}', next_action = '' WHERE lead_id IN "+ids, args...),
		st("UPDATE lead_claims SET reason = '', note = '' WHERE lead_id IN "+ids, args...),
		// A deal's unit stays unique per project and kind: the row's id
		// stands in for it.
		st(`UPDATE lead_deals SET building = '', unit = '#' || CAST(id AS TEXT) WHERE lead_id IN `+ids, args...),
	)
}

// eraseContact removes what the portal and the SMS outbox keep of the
// member's mobile.
func eraseContact(ctx context.Context, tx *db.Tx, sub *subject) error {
	idx := sub.mobileIdx
	return exec(ctx, tx,
		st(`UPDATE sms_messages SET mobile_enc = ?, mobile_idx = '', text = '',
			error = CASE WHEN status = 'pending' THEN ? ELSE error END,
			status = CASE WHEN status = 'pending' THEN 'failed' ELSE status END WHERE mobile_idx = ?`, []byte{}, closedNote, idx),
		st("DELETE FROM member_login_codes WHERE mobile_idx = ?", idx),
		st("DELETE FROM member_code_locks WHERE key = ?", "mobile:"+idx),
		st("DELETE FROM member_sessions WHERE member_id = ? OR mobile_idx = ?", sub.id, idx),
	)
}

// eraseOrdersAndCards keeps orders and cards (their points and numbers)
// without the words and parcels that point at a person; a usable card is
// blocked.
func eraseOrdersAndCards(ctx context.Context, tx *db.Tx, sub *subject) error {
	return exec(ctx, tx,
		st("UPDATE redeem_orders SET note = '', tracking_no = '' WHERE member_id = ? AND (note <> '' OR tracking_no <> '')", sub.id),
		st(`UPDATE cards SET status = 'blocked', blocked_at = ?, block_reason = ?, updated_at = ? WHERE member_id = ? AND status = 'issued'`,
			tx.Now, closedNote, tx.Now, sub.id),
		st("UPDATE cards SET tracking_no = '' WHERE member_id = ? AND tracking_no <> ''", sub.id),
	)
}

// eraseRequests blanks the member's requests: texts, files, notes.
func eraseRequests(ctx context.Context, tx *db.Tx, sub *subject) error {
	if len(sub.reqs) == 0 {
		return nil
	}
	ids, args := in(sub.reqs)
	return exec(ctx, tx,
		st("UPDATE requests SET text = '', text_enc = NULL WHERE id IN "+ids, args...),
		st("DELETE FROM request_files WHERE request_id IN "+ids, args...),
		st("UPDATE request_events SET note = '' WHERE note <> '' AND request_id IN "+ids, args...),
	)
}

// eraseCopies deletes the copies made for the member, files and all.
func eraseCopies(ctx context.Context, tx *db.Tx, sub *subject) error {
	files, err := tx.IDs(ctx, "SELECT file_id FROM privacy_copies WHERE member_id = ?", sub.id)
	if err != nil {
		return err
	}
	// A data-copy request keeps its row; the copy it points at goes.
	if _, err := tx.Exec(ctx, "UPDATE requests SET copy_file_id = NULL WHERE member_id = ? AND copy_file_id IS NOT NULL", sub.id); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, "DELETE FROM privacy_copies WHERE member_id = ?", sub.id); err != nil {
		return err
	}
	for _, f := range files {
		if err := filestore.Delete(ctx, tx, f); err != nil {
			return err
		}
	}
	return nil
}
