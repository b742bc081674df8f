// Package privacy answers a member's PIPL requests (个人信息保护): a copy of
// everything the club keeps about them (个人信息副本, Copy), and the
// deletion of their personal data (注销并删除个人信息, Anonymise). The request
// workflow decides when (a supervisor approves a deletion) and shows the
// result; this package does the work on the store.
//
// Where a member's personal data lives (migrations 00001–00025), and what
// Anonymise does with it:
//
//   - members: name, name_pinyin/initials, gender, mobile_enc/_idx/_last4_idx,
//     id_enc/_idx, address_enc, birthday, email, wechat, occupation, family,
//     consent, return_reason — erased; the row stays as an anonymous shell
//     (已注销会员, status closed) that the ledger, orders and histories
//     still name. mobile_idx becomes "erased:<id>", so the mobile is free
//     for a new member.
//   - name_tokens: the search tokens of the name, unless another member
//     bears the same name. member_tags: deleted.
//   - member_applications.reason, member_changes.old_value/new_value (but
//     status, tier and consent), member_properties.building/unit — erased;
//     a submitted application is returned, a pending tier change rejected
//     (会员已注销), and the closing is a line of the member's history.
//   - member_import_conflicts (the sealed row of an import): deleted.
//   - tier_changes, point_* (the ledger), redeem_holds: kept, they hold
//     amounts and codes; staff's words in tier_changes.reason,
//     point_adjustments.reason, point_events.note and
//     point_transactions.reason stay (the ledger is append-only): staff
//     write no personal data there. Open redemption orders keep their
//     points on hold until staff reject or fulfil them.
//   - redeem_orders.note (an address, a size) and tracking_no — erased.
//   - cards: an issued card is blocked (a deleted member's card must not
//     pass at a merchant); tracking_no erased.
//   - leads of the member (member_id, or the same mobile's blind index):
//     names, mobile, fields, reasons and next actions erased, mobile_idx
//     becomes "erased:<id>"; lead_history values and reasons,
//     lead_follow_ups texts and answers, lead_claims reasons and
//     lead_deals building/unit — erased. lead_contacts hold no personal
//     data.
//   - sms_messages to the mobile: number and text erased (counts stay).
//   - member_login_codes, member_code_locks, member_sessions of the
//     mobile or member: deleted.
//   - requests of the member: text erased; request_files (photos,
//     PDFs, on the request or its messages) deleted;
//     request_events notes erased. Further request tables (replies,
//     surveys …) come through an Area.
//   - privacy_copies and their stored files: deleted.
//   - audit_log: before/after payloads of the entries about the member,
//     its leads, cards, orders, adjustments, tier changes and requests,
//     and of the entries the member made, are emptied (00025 allows only
//     that). Summaries hold masked names and numbers only (audit.Record).
//
// Not touched: import uploads and export files in the file store (sealed,
// holding many members; kept for the jobs' retention period and then
// purged), jobs.params, and the engines' own free pages (PostgreSQL's old
// row versions until VACUUM; SQLite's are overwritten: secure_delete).
package privacy

import (
	"context"

	"estateclub/internal/db"
	"estateclub/internal/filestore"
	"estateclub/internal/pii"
)

// Service makes copies and deletions of members' personal data.
type Service struct {
	DB    *db.DB
	Keys  *pii.Keys
	Files *filestore.Store
	// Areas are the other packages' parts of a member's data, plugged in
	// at wiring: each adds its sheet to a copy and erases its part in the
	// deletion's transaction.
	Areas []Area
}

// Area is another package's part of a member's data (requests, surveys …),
// plugged in at wiring.
type Area interface {
	// Name is the area's sheet name in lang ("zh-CN" or "en").
	Name(lang string) string
	// Copy returns the member's rows of the area, personal data in clear.
	Copy(ctx context.Context, tx *db.Tx, memberID int64) (header []string, rows [][]string, err error)
	// Erase removes or blanks the member's personal data of the area; it
	// must succeed when there is nothing left to erase.
	Erase(ctx context.Context, tx *db.Tx, memberID int64) error
}

// ErasedName is the name an anonymised member keeps (已注销会员).
const ErasedName = "已注销会员"

// erasedIndex is the blind-index value of an erased row: unique per row
// (the columns are unique) and never the HMAC of a real value.
func erasedIndex(id int64) string { return "erased:" + itoa(id) }
